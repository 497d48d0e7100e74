import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("member-forward", () => {
  it("accepts an active member forwarding to an outside address", async () => {
    expect(await findings({ "m.yaml": "members:\n  - { address: a@example.com, name: A, forward: { to: [a.home@mail.example.net], keep_copy: false } }\n" })).toEqual([]);
  });
  it("rejects a forward to an address in an org domain", async () => {
    expect(await findings({ "m.yaml": "members:\n  - { address: a@example.com, name: A }\n  - { address: b@example.com, name: B, forward: { to: [a@EXAMPLE.com] } }\n" }, { rule: "member-forward" })).toEqual([
      "m.yaml:3:56: error [member-forward] member b@example.com forwards to a@EXAMPLE.com, an address in the organisation's domain example.com; forward only to outside addresses (use a group or a backup rule inside)",
    ]);
  });
  it("rejects more than 3 forward targets", async () => {
    const f = await findings({ "m.yaml": "members:\n  - address: a@example.com\n    name: A\n    forward:\n      to: [w@x.example.net, x@x.example.net, y@x.example.net, z@x.example.net]\n" });
    expect(f).toEqual(["m.yaml:5:7: error [member-forward] member a@example.com forwards to 4 addresses; at most 3 are allowed (remove 1)"]);
  });
  it("rejects a forward on a departed member", async () => {
    const f = await findings({
      "m.yaml": "members:\n  - { address: a@example.com, name: A }\n  - address: b@example.com\n    name: B\n    status: departed\n    forward_to: [a@example.com]\n    forward: { to: [b@x.example.net] }\n",
    });
    expect(f).toEqual(["m.yaml:7:5: error [member-forward] member b@example.com has departed but has forward; a departed member's mail follows forward_to (remove forward)"]);
  });
  it("is a schema error to forward nowhere or to set an unknown field", async () => {
    const f = await findings({ "m.yaml": "members:\n  - { address: a@example.com, name: A, forward: { to: [], copy: true } }\n" });
    expect(f.length).toBeGreaterThanOrEqual(2);
    expect(f.every((l) => l.startsWith("m.yaml:2:"))).toBe(true);
  });
});
