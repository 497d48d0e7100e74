import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

const M = "members:\n  - { address: a@example.com, name: A, aliases: [aa@example.com] }\n  - { address: d@example.com, name: D, status: departed, forward_to: [a@example.com] }\n  - { address: x@example.com, name: X, status: disabled }\n";

describe("delegation", () => {
  it("accepts an active delegate until today or later", async () => {
    expect(await findings({ "m.yaml": M + "mailboxes:\n  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: 2026-06-01 }] }\n" })).toEqual([]);
  });
  it("rejects a delegation that ended before today (MAILORG_TODAY)", async () => {
    const f = await findings({ "m.yaml": M + "mailboxes:\n  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: 2026-05-31 }] }\n" });
    expect(f).toEqual(["m.yaml:6:86: error [delegation] delegation of hr@example.com to a@example.com ended on 2026-05-31 (today is 2026-06-01); remove the delegate or extend until"]);
  });
  it("rejects an alias or departed delegate and warns about a disabled one", async () => {
    const f = await findings({ "m.yaml": M + "mailboxes:\n  - address: hr@example.com\n    name: HR\n    delegates:\n      - member: aa@example.com\n      - member: d@example.com\n      - member: x@example.com\n" });
    expect(f).toEqual([
      "m.yaml:9:17: error [delegation] mailbox hr@example.com delegates to aa@example.com, which is an alias of a@example.com; name a member's primary address",
      "m.yaml:10:17: error [delegation] mailbox hr@example.com delegates to d@example.com, a departed member; remove the delegate and rotate the mailbox's credentials",
      "m.yaml:11:17: warning [delegation] mailbox hr@example.com delegates to x@example.com, a disabled member; remove the delegate",
    ]);
  });
});
