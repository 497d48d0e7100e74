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
    // A zone whose date differs from UTC's right now: ahead (Kiritimati, UTC+14) from 10:00 UTC, behind (UTC-12) before.
    const utc = new Date().toISOString().slice(0, 10);
    const ahead = today({ organisation: { timezone: "Pacific/Kiritimati" } }, {}) !== utc;
    const tz = ahead ? "Pacific/Kiritimati" : "Etc/GMT+12";
    const local = today({ organisation: { timezone: tz } }, {});
    // Ahead: ended yesterday locally, still today in UTC. Behind: ends today locally, ended yesterday in UTC.
    const until = ahead ? utc : local;
    const dir = writeOrg({ "org.yaml": org(tz, until) });
    const env = { MAILORG_TODAY: "" };
    const validate = runCli(["validate", "--org", dir], { env });
    const send = runCli(["can-send", "--org", dir, "--as", "ann@example.com", "--from", "desk@example.com", "--to", "x@example.com", "--format", "text"], { env });
    if (ahead) {
      expect(validate.stderr).toContain(`delegation of desk@example.com to ann@example.com ended on ${until} (today is ${local})`);
      expect(send.status).toBe(1);
      expect(send.stderr).toContain(`ended on ${until} (today is ${local})`);
    } else {
      expect(validate.status).toBe(0);
      expect([send.status, send.stdout]).toEqual([0, expect.stringMatching(/^allowed/)]);
    }
  });
});
