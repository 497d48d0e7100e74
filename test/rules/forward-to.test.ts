import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("forward-to", () => {
  it("accepts a departed member forwarding to an active successor", async () => {
    expect(await findings({ "m.yaml": "members:\n  - { address: a@example.com, name: A }\n  - { address: b@example.com, name: B, status: departed, forward_to: [a@example.com] }\n" })).toEqual([]);
  });
  it("rejects forward_to on an active member", async () => {
    expect(await findings({ "m.yaml": "members:\n  - { address: a@example.com, name: A }\n  - address: b@example.com\n    name: B\n    forward_to: [a@example.com]\n" })).toEqual([
      "m.yaml:5:5: error [forward-to] member b@example.com is active but has forward_to; only departed members forward (set status: departed or remove forward_to)",
    ]);
  });
  it("rejects a forward to another departed member, naming their successor", async () => {
    const f = await findings({
      "m.yaml": "members:\n  - { address: a@example.com, name: A }\n  - { address: b@example.com, name: B, status: departed, forward_to: [a@example.com] }\n  - { address: c@example.com, name: C, status: departed, forward_to: [b@example.com] }\n",
    });
    expect(f).toEqual(["m.yaml:4:71: error [forward-to] member c@example.com forwards to b@example.com, who has departed too; forward to their successor instead (a@example.com)"]);
  });
  it("warns about a departed member without forward_to", async () => {
    expect(await findings({ "m.yaml": "members:\n  - { address: a@example.com, name: A, status: departed }\n" })).toEqual([
      "m.yaml:2:48: warning [forward-to] departed member a@example.com has no forward_to; name a successor or an administrator's mailbox so their mail is read",
    ]);
  });
});
