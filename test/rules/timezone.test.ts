import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

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
