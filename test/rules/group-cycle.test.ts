import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("group-cycle", () => {
  it("accepts nested groups without a cycle", async () => {
    expect(await findings({ "g.yaml": "members: [{ address: a@example.com, name: A }]\ngroups:\n  - { address: g1@example.com, name: G1, members: [a@example.com] }\n  - { address: g2@example.com, name: G2, members: [g1@example.com] }\n" })).toEqual([]);
  });
  it("reports a cycle through nested groups with its path", async () => {
    const f = await findings({
      "g.yaml": "members: [{ address: a@example.com, name: A }]\ngroups:\n  - { address: g1@example.com, name: G1, members: [a@example.com, g2@example.com] }\n  - { address: g2@example.com, name: G2, members: [g1@example.com] }\n",
    }, { rule: "group-cycle" });
    expect(f).toEqual(["g.yaml:4:52: error [group-cycle] group g2@example.com contains itself: g1@example.com -> g2@example.com -> g1@example.com; remove one nested group from the cycle"]);
  });
});
