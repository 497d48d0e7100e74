import { describe, expect, it } from "vitest";
import { validateOrg } from "../../model/validate.ts";
import { BASE_ORG, findings, writeOrg } from "../helpers.ts";

const withTz = (tz: string) => ({ "a.yaml": BASE_ORG.replace("  default_department: hq\n", `  default_department: hq\n  timezone: ${tz}\n`) });

describe("timezone", () => {
  it("accepts IANA zones and the default UTC", async () => {
    expect(await findings(withTz("Asia/Shanghai"), { rule: "timezone" })).toEqual([]);
    expect(await findings({}, { rule: "timezone" })).toEqual([]);
  });
  it("rejects an unknown zone", async () => {
    expect(await findings(withTz("Mars/Olympus_Mons"), { rule: "timezone" })).toEqual([
      "a.yaml:5:13: error [timezone] organisation.timezone is 'Mars/Olympus_Mons', which is not a known IANA time zone; use a name such as Asia/Shanghai, Europe/Berlin or UTC",
    ]);
  });
});

describe("today is the organisation's day", () => {
  it("validation and synthesis take today in organisation.timezone unless MAILORG_TODAY or a day is given", () => {
    const tz = "Pacific/Kiritimati"; // UTC+14: its date is ahead of UTC's for most of every UTC day
    const dir = writeOrg({ "a.yaml": BASE_ORG.replace("  default_department: hq\n", `  default_department: hq\n  timezone: ${tz}\n`) });
    const saved = process.env.MAILORG_TODAY;
    delete process.env.MAILORG_TODAY;
    try {
      const expected = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
      expect(validateOrg(dir).today).toBe(expected);
      expect(validateOrg(dir, { today: "2026-06-01" }).today).toBe("2026-06-01");
      process.env.MAILORG_TODAY = "2026-01-02";
      expect(validateOrg(dir).today).toBe("2026-01-02");
    } finally {
      if (saved === undefined) delete process.env.MAILORG_TODAY;
      else process.env.MAILORG_TODAY = saved;
    }
  });
});
