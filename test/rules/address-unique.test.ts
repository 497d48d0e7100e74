import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("address-unique", () => {
  it("accepts distinct addresses", async () => {
    expect(await findings({ "m.yaml": "members:\n  - { address: a@example.com, name: A, aliases: [b@example.com] }\nmailboxes:\n  - { address: c@example.com, name: C }\n" })).toEqual([]);
  });
  it("rejects an alias that repeats another member's address, case-insensitively", async () => {
    const f = await findings({ "m.yaml": "members:\n  - { address: a@example.com, name: A }\n  - { address: b@example.com, name: B, aliases: [A@Example.com] }\n" });
    expect(f).toEqual(["m.yaml:3:50: error [address-unique] A@Example.com (alias) is already used by member a@example.com; each address may be declared once (rename or remove one)"]);
  });
  it("rejects a group and a mailbox with one address, across files", async () => {
    const f = await findings({
      "g.yaml": "groups:\n  - { address: team@example.com, name: T, members: [department:hq] }\n",
      "m.yaml": "mailboxes:\n  - { address: team@example.com, name: T }\n",
    }, { rule: "address-unique" });
    expect(f).toEqual(["m.yaml:2:16: error [address-unique] team@example.com (mailbox) is already used by group team@example.com; each address may be declared once (rename or remove one)"]);
  });
});
