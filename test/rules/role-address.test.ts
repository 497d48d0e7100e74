import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("role-address", () => {
  it("accepts role addresses held by groups and shared mailboxes", async () => {
    const f = await findings({
      "m.yaml": "members:\n  - { address: a@example.com, name: A, aliases: [ann@example.com] }\n" +
        "groups:\n  - { address: postmaster@example.com, name: Postmaster, members: [a@example.com] }\nmailboxes:\n  - { address: abuse@example.com, name: Abuse }\n",
    }, { rule: "role-address" });
    expect(f).toEqual([]);
  });
  it("warns about a role address that is a member's own address or alias", async () => {
    const f = await findings({ "m.yaml": "members:\n  - { address: webmaster@example.com, name: W }\n  - { address: a@example.com, name: A, aliases: [HostMaster@example.com] }\n" }, { rule: "role-address" });
    expect(f).toEqual([
      "m.yaml:2:16: warning [role-address] webmaster@example.com is a role address held by member webmaster@example.com personally; declare it as a group or shared mailbox instead, so it does not follow one person",
      "m.yaml:3:50: warning [role-address] HostMaster@example.com is a role address held by member a@example.com personally; declare it as a group or shared mailbox instead, so it does not follow one person",
    ]);
  });
});
