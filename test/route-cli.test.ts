import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.ts";

describe("mailorg route (example org)", () => {
  it("prints the JSON contract for a group only named roles may mail", () => {
    const r = runCli(["route", "--from", "zhou.xin@example.com", "--to", "management@example.com,zx@example.com", "--format", "json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      accepted: true,
      rejected_reason: null,
      deliveries: ["zhou.xin@example.com"],
      dropped: [{ recipient: "management@example.com", reason: "zhou.xin@example.com may not send to group management@example.com" }],
      backups: [],
      quarantined: false,
    });
  });
  it("follows a departed member's forward and the catch-all; exit 0 when something is delivered", () => {
    const r = runCli(["route", "--from", "a@partner.example.co", "--to", "tang.wen@example.com,typo@example.com"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).deliveries).toEqual(["lost-and-found@example.com", "ma.li@example.com"]);
  });
  it("reports an IP blocked by a receipt filter as rejected at SMTP time", () => {
    const r = runCli(["route", "--from", "a@x.example", "--to", "li.na@example.com", "--ip", "203.0.113.200", "--format", "text"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("rejected at SMTP time: sending IP 203.0.113.200 is blocked by a receipt filter (inbound.blocked)\n");
  });
  it("rejects a bad verdict as a usage error", () => {
    expect(runCli(["route", "--from", "a@x.example", "--to", "li.na@example.com", "--spam", "MAYBE"]).status).toBe(2);
  });
});
