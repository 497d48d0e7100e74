/**
 * One "today" for every command: the date in organisation.timezone (MAILORG_TODAY overrides it), so a
 * delegation that ended in the organisation's day has ended for validate, synth, can-send, the sandbox,
 * diff, approvers and audit alike.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { today } from "../model/today.ts";
import { validateOrg } from "../model/validate.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { orgAt } from "../review/git.ts";
import { runCli, writeOrg } from "./helpers.ts";
import { canSend } from "../simulate/can-send.ts";

const org = (tz: string, until: string) => `organisation: { name: Today Co, region: eu-west-1, default_department: hq, timezone: ${tz} }
domains: [{ name: example.com }]
departments: [{ id: hq, name: HQ }]
members:
  - { address: ann@example.com, name: Ann }
mailboxes:
  - { address: desk@example.com, name: Desk, delegates: [{ member: ann@example.com, until: "${until}" }] }
`;

afterEach(() => vi.useRealTimers());

describe("today", () => {
  it("is the date in organisation.timezone, UTC without one, MAILORG_TODAY when set", () => {
    vi.useFakeTimers({ now: new Date("2026-06-01T12:00:00Z"), toFake: ["Date"] });
    expect(today({ organisation: { timezone: "Pacific/Kiritimati" } }, {})).toBe("2026-06-02");
    expect(today({ organisation: { timezone: "Etc/GMT+12" } }, {})).toBe("2026-06-01");
    expect(today({ organisation: {} }, {})).toBe("2026-06-01");
    expect(today({ organisation: { timezone: "Not/AZone" } }, {})).toBe("2026-06-01");
    expect(today({ organisation: { timezone: "Pacific/Kiritimati" } }, { MAILORG_TODAY: "2030-01-02" })).toBe("2030-01-02");
  });

  it("follows the zone's own midnight on the days summer time starts and ends", () => {
    const at = (iso: string, tz: string) => {
      vi.setSystemTime(new Date(iso));
      return today({ organisation: { timezone: tz } }, {});
    };
    vi.useFakeTimers({ toFake: ["Date"] });
    // New York leaves summer time on 2026-11-01 at 06:00 UTC: midnight is 04:00 UTC before, 05:00 UTC after.
    expect([at("2026-11-01T03:59:00Z", "America/New_York"), at("2026-11-01T04:01:00Z", "America/New_York")]).toEqual(["2026-10-31", "2026-11-01"]);
    expect([at("2026-11-02T04:59:00Z", "America/New_York"), at("2026-11-02T05:01:00Z", "America/New_York")]).toEqual(["2026-11-01", "2026-11-02"]);
    // Berlin starts it on 2027-03-28 at 01:00 UTC: midnight is 23:00 UTC the day before, 22:00 UTC after.
    expect([at("2027-03-27T22:59:00Z", "Europe/Berlin"), at("2027-03-27T23:01:00Z", "Europe/Berlin")]).toEqual(["2027-03-27", "2027-03-28"]);
    expect([at("2027-03-28T21:59:00Z", "Europe/Berlin"), at("2027-03-28T22:01:00Z", "Europe/Berlin")]).toEqual(["2027-03-28", "2027-03-29"]);
  });

  it("validation, the plan the commands load, and the review side all take it from the org", () => {
    vi.useFakeTimers({ now: new Date("2026-06-01T12:00:00Z"), toFake: ["Date"] });
    const dir = writeOrg({ "org.yaml": org("Pacific/Kiritimati", "2026-06-02") });
    const env = process.env.MAILORG_TODAY;
    delete process.env.MAILORG_TODAY;
    try {
      expect(validateOrg(dir).today).toBe("2026-06-02");
      expect(loadValidPlan(dir).today).toBe("2026-06-02");
      expect(orgAt(dir, undefined).today).toBe("2026-06-02");
    } finally {
      if (env !== undefined) process.env.MAILORG_TODAY = env;
    }
  });

  it("can-send agrees with validate about a delegation that ended in the organisation's day, not in UTC's", () => {
    // 2026-12-06T11:00Z is already 2026-12-07 in Kiritimati (UTC+14) and still 2026-12-05 at UTC-12. The clock is set,
    // so both sides are tested whatever the hour the suite runs.
    vi.useFakeTimers({ now: new Date("2026-12-06T11:00:00Z"), toFake: ["Date"] });
    const env = process.env.MAILORG_TODAY;
    delete process.env.MAILORG_TODAY;
    try {
      const ask = (dir: string) => {
        const { org, index, today: day } = loadValidPlan(dir);
        return { day, verdict: canSend(org, index, { as: "ann@example.com", from: "desk@example.com", to: ["x@example.com"], today: day }) };
      };
      // Ahead: the delegation's last day (the 6th) is yesterday in the org's zone, though today in UTC.
      const ahead = writeOrg({ "org.yaml": org("Pacific/Kiritimati", "2026-12-06") });
      const warnings = validateOrg(ahead).diagnostics.map((d) => d.message);
      expect(warnings).toContain("delegation of desk@example.com to ann@example.com ended on 2026-12-06 (today is 2026-12-07) and is left out of synthesis; remove the delegate or extend until");
      const a = ask(ahead);
      expect(a.day).toBe("2026-12-07");
      expect(a.verdict).toMatchObject({
        allowed: false,
        statement: null,
        because: { rule: "delegation-ended", mailbox: "desk@example.com", until: "2026-12-06", today: "2026-12-07", timezone: "Pacific/Kiritimati" },
      });
      expect(a.verdict.reason).toBe(
        "no statement allows ann@example.com to send as desk@example.com: delegation of desk@example.com to ann@example.com ended on 2026-12-06 (today is 2026-12-07 in Pacific/Kiritimati)",
      );
      // Behind: the 5th is still today at UTC-12, though it has passed in UTC.
      const behind = writeOrg({ "org.yaml": org("Etc/GMT+12", "2026-12-05") });
      expect(validateOrg(behind).diagnostics).toEqual([expect.objectContaining({ message: expect.stringContaining("ends on 2026-12-05, within 14 days") })]);
      const b = ask(behind);
      expect(b.day).toBe("2026-12-05");
      expect(b.verdict).toMatchObject({ allowed: true, statement: expect.stringContaining("Until20261205") });
    } finally {
      if (env !== undefined) process.env.MAILORG_TODAY = env;
    }
  });

  it("can-send, text and JSON, names the ended delegation and the org's day", () => {
    const dir = writeOrg({ "org.yaml": org("Pacific/Kiritimati", "2026-12-06") });
    const env = { MAILORG_TODAY: "2026-12-07" };
    const args = ["can-send", "--org", dir, "--as", "ann@example.com", "--from", "desk@example.com", "--to", "x@example.com"];
    const text = runCli([...args, "--format", "text"], { env });
    expect([text.status, text.stdout]).toEqual([1, "denied: no statement allows ann@example.com to send as desk@example.com: delegation of desk@example.com to ann@example.com ended on 2026-12-06 (today is 2026-12-07 in Pacific/Kiritimati)\n"]);
    const json = runCli([...args, "--format", "json"], { env });
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).because).toEqual({ rule: "delegation-ended", mailbox: "desk@example.com", until: "2026-12-06", today: "2026-12-07", timezone: "Pacific/Kiritimati" });
    // The last day itself is still inside the delegation.
    const lastDay = runCli([...args, "--format", "text"], { env: { MAILORG_TODAY: "2026-12-06" } });
    expect([lastDay.status, lastDay.stdout]).toEqual([0, expect.stringMatching(/^allowed: allowed by inline policy of ann@example.com: SendAsdeskUntil20261206/)]);
  });
});
