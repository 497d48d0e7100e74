import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

const MEMBERS = "members:\n  - { address: zhang.wei@example.com, name: Zhang Wei, aliases: [zw@example.com] }\n";

describe("group-member-is-alias", () => {
  it("accepts the member's primary address", async () => {
    expect(await findings({ "m.yaml": MEMBERS, "g.yaml": "groups:\n  - { address: all@example.com, name: All, members: [zhang.wei@example.com], senders: [zhang.wei@example.com] }\n" })).toEqual([]);
  });
  it("rejects an alias as member and as sender", async () => {
    const f = await findings({
      "m.yaml": MEMBERS,
      "g.yaml": "groups:\n  - address: all@example.com\n    name: All\n    members: [zw@example.com]\n    senders: [ZW@example.com]\n",
    });
    expect(f).toEqual([
      "g.yaml:4:15: error [group-member-is-alias] all@example.com lists zw@example.com, an alias of zhang.wei@example.com; list the member's address instead",
      "g.yaml:5:15: error [group-member-is-alias] all@example.com names ZW@example.com as a sender, an alias of zhang.wei@example.com; name the member's address instead",
    ]);
  });
});
