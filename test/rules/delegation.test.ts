import { describe, expect, it } from "vitest";
import { BASE_ORG, findings, writeOrg } from "../helpers.ts";

const M = "members:\n  - { address: a@example.com, name: A, aliases: [aa@example.com] }\n  - { address: d@example.com, name: D, status: departed, forward_to: [a@example.com] }\n  - { address: x@example.com, name: X, status: disabled }\n";

describe("delegation", () => {
  it("accepts an active delegate until a day more than 14 days ahead", async () => {
    expect(await findings({ "m.yaml": M + "mailboxes:\n  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: 2026-06-16 }] }\n" })).toEqual([]);
  });
  it("warns about a delegation ending within 14 days, naming the date", async () => {
    for (const until of ["2026-06-01", "2026-06-15"]) {
      const f = await findings({ "m.yaml": M + `mailboxes:\n  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: ${until} }] }\n` });
      expect(f).toEqual([`m.yaml:6:86: warning [delegation] delegation of hr@example.com to a@example.com ends on ${until}, within 14 days (today is 2026-06-01); extend until if it should go on`]);
    }
  });
  it("warns (not fails) about a delegation that ended before today, and leaves it out of synthesis", async () => {
    const f = await findings({ "m.yaml": M + "mailboxes:\n  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: 2026-05-31 }] }\n" });
    expect(f).toEqual(["m.yaml:6:86: warning [delegation] delegation of hr@example.com to a@example.com ended on 2026-05-31 (today is 2026-06-01) and is left out of synthesis; remove the delegate or extend until"]);
    const { validatePlan } = await import("../../plan/validate.ts");
    const r = validatePlan(writeOrg({ "a.yaml": BASE_ORG, "m.yaml": M + "mailboxes:\n  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: 2026-05-31 }, { member: x@example.com }] }\n" }), { today: "2026-06-01" });
    expect(r.ok).toBe(true);
    const a = r.plan!.sending.members.find((m) => m.address === "a@example.com")!;
    expect(JSON.stringify(a)).not.toContain("hr@example.com");
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
