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
      junk: null,
    });
  });
  it("honours DMARC: the org's own domain forged from outside is refused (example.com publishes p=reject); another domain's policy is taken from --dmarc-policy", () => {
    const own = runCli(["route", "--from", "wang.jianguo@example.com", "--to", "li.na@example.com", "--dmarc", "FAIL", "--format", "text"]);
    expect(own.status).toBe(1);
    expect(own.stdout.split("\n")[0]).toBe("refused by the router: DMARC FAIL for example.com, an organisation domain (policy reject): refused (kept under quarantine/, delivered to no one)");
    const other = runCli(["route", "--from", "x@partner.example.co", "--to", "li.na@example.com", "--dmarc", "FAIL", "--dmarc-policy", "quarantine", "--format", "json"]);
    expect(other.status).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ deliveries: ["li.na@example.com"], junk: "DMARC FAIL for partner.example.co, which publishes p=quarantine: delivered to Junk" });
    expect(runCli(["route", "--from", "a@x.example", "--to", "li.na@example.com", "--dmarc-policy", "strict"]).stderr).toBe("mailorg: --dmarc-policy is 'strict'; allowed: none, quarantine, reject\n");
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
