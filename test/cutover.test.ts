/**
 * Issue #29: `mailorg cutover --domain D` lists what remains before the MX moves, ✓/✗ per step, the MX
 * switch last, and exits 1 while anything is ✗. The facts come from a zone export, SES (here a local
 * endpoint speaking SES v2's REST API) and the MTA-STS policy.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cutoverSteps, mxMatches, parseStsPolicy, type IdentityStatus } from "../adopt/cutover.ts";
import { readZone } from "../adopt/zone.ts";
import { validateOrg } from "../model/validate.ts";
import { startCli, writeOrg } from "./helpers.ts";

const ORG = `organisation: { name: Example, region: eu-west-1, default_department: hq }
domains:
  - name: example.com
    hosted_zone_id: Z0123456789ABC
    receive: false
    dmarc: { policy: quarantine, rua: [dmarc@example.com], ruf: [forensics@example.com], fo: "1" }
    spf: { include: [_spf.google.com, mail.zendesk.com] }
departments: [{ id: hq, name: HQ }]
mailboxes:
  - { address: dmarc@example.com, name: DMARC }
  - { address: forensics@example.com, name: Forensics }
`;

const DMARC = "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com; ruf=mailto:forensics@example.com; fo=1; adkim=r; aspf=r";

/** The zone before anything was done: Google's MX at one hour, Google's SPF and DMARC, MTA-STS. */
const BEFORE = `$ORIGIN example.com.
@       3600 IN MX  1 aspmx.l.google.com.
@       3600 IN TXT "v=spf1 include:_spf.google.com include:mail.zendesk.com ~all"
_dmarc  3600 IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com; ruf=mailto:forensics@example.com; fo=1"
_mta-sts 3600 IN TXT "v=STSv1; id=20260101T000000"
google._domainkey 3600 IN TXT "v=DKIM1; k=rsa; p=MIIB"
`;

/** After the first apply and a day of waiting: mailorg's SPF and DMARC, the MX at 300 s, Zendesk's DKIM set up. */
const AFTER = `$ORIGIN example.com.
@       300  IN MX  1 aspmx.l.google.com.
@       3600 IN TXT "v=spf1 include:amazonses.com include:_spf.google.com include:mail.zendesk.com ~all"
_dmarc  3600 IN TXT "${DMARC}"
_mta-sts 3600 IN TXT "v=STSv1; id=20261201T000000"
google._domainkey 3600 IN TXT "v=DKIM1; k=rsa; p=MIIB"
zendesk1._domainkey 3600 IN CNAME zendesk1._domainkey.zendesk.com.
`;

/** Two SPF records at the apex (one more at a subdomain, which does not count), Microsoft's sender and an office IP. */
const ZONE_TWO_SPF = `$ORIGIN example.com.
@       3600 IN MX  10 mx1.oldmail.example.net.
@       3600 IN TXT "v=spf1 include:spf.protection.outlook.com ip4:192.0.2.25 ~all"
@       3600 IN TXT "v=spf1 include:amazonses.com ~all"
mail    3600 IN TXT "v=spf1 include:amazonses.com ~all"
_mta-sts 3600 IN TXT "v=STSv1; id=1"
`;

const GOOGLE_ONLY = "version: STSv1\nmode: enforce\nmx: aspmx.l.google.com\nmx: *.aspmx.l.google.com\nmax_age: 604800\n";
const WITH_SES = "version: STSv1\r\nmode: testing\r\nmx: aspmx.l.google.com\r\nmx: *.aspmx.l.google.com\r\nmx: inbound-smtp.eu-west-1.amazonaws.com\r\nmax_age: 86400\r\n";
const VERIFIED: IdentityStatus = { dkim: "SUCCESS", mailFrom: "SUCCESS" };

const domain = () => validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" }).org.domains[0]!;
const steps = (zone: string, identity: IdentityStatus, policy?: string) =>
  cutoverSteps({ domain: domain(), region: "eu-west-1", zone: readZone(zone, "example.com"), identity, mtaStsPolicy: policy === undefined ? undefined : { text: policy } });

describe("the cut-over steps", () => {
  it("before anything: every step that is not done is ✗, and the MX switch is last and blocked", () => {
    const s = steps(BEFORE, { dkim: "PENDING", mailFrom: "PENDING" }, GOOGLE_ONLY);
    expect(s.map((x) => `${x.mark} ${x.title}`)).toEqual([
      "✗ DKIM of example.com verified by SES",
      "✗ MAIL FROM mail.example.com verified by SES",
      "✗ SPF of example.com lists SES",
      "✗ DMARC of example.com as the org has it",
      "✓ sender Google Workspace (_spf.google.com): SPF and DKIM-aligned",
      "✗ sender Zendesk (mail.zendesk.com): SPF passes but DMARC is not aligned",
      "✗ MX TTL of example.com lowered to 300 s or less",
      "✗ MTA-STS policy of example.com lists SES's MX",
      "✗ switch the MX of example.com to SES (last)",
    ]);
    expect(s[6]!.detail).toBe("3600 s: lower it to 300 at the DNS host a day (the old TTL) before the switch");
    expect(s[7]!.detail).toContain('add "mx: inbound-smtp.eu-west-1.amazonaws.com" (mode testing while mail moves)');
  });

  it("when everything holds: all ✓, the switch last with what to do", () => {
    const s = steps(AFTER, VERIFIED, WITH_SES);
    expect(s.filter((x) => x.mark !== "✓")).toEqual([]);
    expect(s.at(-1)!.title).toBe("switch the MX of example.com to SES (last)");
    expect(s.at(-1)!.detail).toContain("the MX becomes 10 inbound-smtp.eu-west-1.amazonaws.com (was aspmx.l.google.com)");
  });

  it("each check fails on its own", () => {
    const only = (zone: string, identity: IdentityStatus, policy?: string) => steps(zone, identity, policy).filter((x) => x.mark === "✗").map((x) => x.title);
    expect(only(AFTER, { dkim: "SUCCESS", mailFrom: "FAILED" }, WITH_SES)[0]).toBe("MAIL FROM mail.example.com verified by SES");
    expect(only(AFTER, { error: "no credentials" }, WITH_SES).slice(0, 2)).toEqual(["DKIM of example.com verified by SES", "MAIL FROM mail.example.com verified by SES"]);
    expect(only(AFTER.replace("zendesk1._domainkey", "zendesk9._domainkey"), VERIFIED, WITH_SES)[0]).toBe("sender Zendesk (mail.zendesk.com): SPF passes but DMARC is not aligned");
    expect(only(AFTER.replace("@       300  IN MX", "@       301  IN MX"), VERIFIED, WITH_SES)[0]).toBe("MX TTL of example.com lowered to 300 s or less");
    expect(only(AFTER.replace("fo=1; ", ""), VERIFIED, WITH_SES)[0]).toBe("DMARC of example.com as the org has it");
    expect(only(AFTER, VERIFIED, GOOGLE_ONLY)[0]).toBe("MTA-STS policy of example.com lists SES's MX");
    expect(only(AFTER, VERIFIED)[0]).toBe("MTA-STS policy of example.com lists SES's MX");
    // Without _mta-sts there is no policy to fix.
    expect(only(AFTER.replace(/_mta-sts.*\n/, ""), VERIFIED)).toEqual([]);
    // An unknown sender or an office relay is a question, not a blocker.
    const unknown = steps(AFTER.replace("include:mail.zendesk.com", "include:spf.crm.example ip4:192.0.2.25"), VERIFIED, WITH_SES);
    expect(unknown.filter((x) => x.mark === "?").map((x) => x.title)).toEqual(["sender spf.crm.example: SPF passes, DMARC alignment unknown", "sender 192.0.2.25: SPF passes, DMARC alignment unknown"]);
    expect(unknown.at(-1)!.mark).toBe("✓");
  });

  it("says, for each step, what it saw and what to do", () => {
    const org = validateOrg(writeOrg({ "org.yaml": ORG.replace("    hosted_zone_id: Z0123456789ABC\n", "").replace(', ruf: [forensics@example.com], fo: "1"', "").replace("    spf: { include: [_spf.google.com, mail.zendesk.com] }\n", "") }), { today: "2026-06-01" }).org;
    const zone = ZONE_TWO_SPF;
    const unread = cutoverSteps({ domain: org.domains[0]!, region: "us-east-1", zone: readZone(zone, "example.com"), identity: {}, mtaStsPolicy: { error: "https://mta-sts.example.com/.well-known/mta-sts.txt: fetch failed" } });
    expect(unread).toEqual([
          {
                "mark": "✗",
                "title": "DKIM of example.com verified by SES",
                "detail": "not known (not checked); apply the domains stack and publish the three DKIM CNAMEs (mailorg dns); SES checks them for up to 72 hours"
          },
          {
                "mark": "✗",
                "title": "MAIL FROM mail.example.com verified by SES",
                "detail": "not known (not checked); publish the MX and SPF records of mail.example.com (mailorg dns)"
          },
          {
                "mark": "✗",
                "title": "one SPF record at example.com",
                "detail": "2 found; a domain has exactly one (mailorg's merges the others' senders)"
          },
          {
                "mark": "✗",
                "title": "DMARC of example.com as the org has it",
                "detail": "the zone has none, the org says \"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com; adkim=r; aspf=r\": import the record set and apply the domains stack"
          },
          {
                "mark": "✗",
                "title": "sender Microsoft 365 (spf.protection.outlook.com): SPF passes but DMARC is not aligned",
                "detail": "it sends with its own MAIL FROM; set up its DKIM for example.com (selector selector1 or selector2), or remove it from spf once it no longer sends"
          },
          {
                "mark": "?",
                "title": "sender 192.0.2.25: SPF passes, DMARC alignment unknown",
                "detail": "a server of your own: it aligns only when its MAIL FROM is under example.com or it signs with DKIM d=example.com"
          },
          {
                "mark": "✗",
                "title": "MX TTL of example.com lowered to 300 s or less",
                "detail": "3600 s: lower it to 300 at the DNS host a day (the old TTL) before the switch"
          },
          {
                "mark": "✗",
                "title": "MTA-STS policy of example.com lists SES's MX",
                "detail": "the zone publishes _mta-sts (id=1) but the policy could not be read (https://mta-sts.example.com/.well-known/mta-sts.txt: fetch failed)"
          },
          {
                "mark": "✗",
                "title": "switch the MX of example.com to SES (last)",
                "detail": "not yet: the steps marked ✗ come first"
          }
    ]);
    const oneSpf = cutoverSteps({ domain: org.domains[0]!, region: "us-east-1", zone: readZone(zone.replace(/@       3600 IN TXT "v=spf1 include:amazonses.com ~all"\n/, ""), "example.com"), identity: VERIFIED, mtaStsPolicy: { text: "version: STSv1\nmode: enforce\nmx: *.us-east-1.amazonaws.com\n" } });
    expect(oneSpf.map((s) => `${s.mark} ${s.title} | ${s.detail}`)).toEqual([
          "✓ DKIM of example.com verified by SES | SUCCESS",
          "✓ MAIL FROM mail.example.com verified by SES | SUCCESS",
          "✗ SPF of example.com lists SES | v=spf1 include:spf.protection.outlook.com ip4:192.0.2.25 ~all: apply the domains stack (its SPF record adds include:amazonses.com)",
          "✗ DMARC of example.com as the org has it | the zone has none, the org says \"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com; adkim=r; aspf=r\": import the record set and apply the domains stack",
          "✗ sender Microsoft 365 (spf.protection.outlook.com): SPF passes but DMARC is not aligned | it sends with its own MAIL FROM; set up its DKIM for example.com (selector selector1 or selector2), or remove it from spf once it no longer sends",
          "? sender 192.0.2.25: SPF passes, DMARC alignment unknown | a server of your own: it aligns only when its MAIL FROM is under example.com or it signs with DKIM d=example.com",
          "✗ MX TTL of example.com lowered to 300 s or less | 3600 s: lower it to 300 at the DNS host a day (the old TTL) before the switch",
          "✓ MTA-STS policy of example.com lists SES's MX | mode enforce, mx *.us-east-1.amazonaws.com",
          "✗ switch the MX of example.com to SES (last) | not yet: the steps marked ✗ come first"
    ]);
  });

  it("reads MTA-STS policies; a wildcard matches exactly one label", () => {
    expect(parseStsPolicy(WITH_SES)).toEqual({ mode: "testing", mx: ["aspmx.l.google.com", "*.aspmx.l.google.com", "inbound-smtp.eu-west-1.amazonaws.com"], maxAge: 86400 });
    expect(mxMatches("*.eu-west-1.amazonaws.com", "inbound-smtp.eu-west-1.amazonaws.com")).toBe(true);
    expect(mxMatches("*.amazonaws.com", "inbound-smtp.eu-west-1.amazonaws.com")).toBe(false);
    expect(mxMatches("inbound-smtp.eu-west-1.amazonaws.com.", "inbound-smtp.eu-west-1.amazonaws.com")).toBe(true);
  });
});

/** Runs the CLI without blocking this process (a local SES endpoint answers it). */
function cli(args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = startCli(args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("close", (code) => done({ status: code ?? -1, stdout, stderr }));
  });
}

describe("mailorg cutover", () => {
  it("asks SES for the identity, prints ✓/✗ per step and exits 1 until every step holds", async () => {
    const asked: string[] = [];
    let status = "PENDING";
    const server = createServer((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ IdentityType: "DOMAIN", DkimAttributes: { Status: status }, MailFromAttributes: { MailFromDomain: "mail.example.com", MailFromDomainStatus: status } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const dir = writeOrg({ "org/org.yaml": ORG, "before.zone": BEFORE, "after.zone": AFTER, "policy.txt": WITH_SES });
      const env = { AWS_ENDPOINT_URL_SESV2: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "eu-west-1", AWS_EC2_METADATA_DISABLED: "true" };
      const args = (zone: string) => ["cutover", "--org", join(dir, "org"), "--domain", "example.com", "--zone", join(dir, zone), "--mta-sts-policy", join(dir, "policy.txt")];
      const before = await cli(args("before.zone"), env);
      expect([before.status, before.stderr]).toEqual([1, ""]);
      expect(before.stdout).toContain("✗ 1. DKIM of example.com verified by SES\n     PENDING: apply the domains stack");
      expect(before.stdout).toContain("✗ 9. switch the MX of example.com to SES (last)\n");
      expect(before.stdout).toMatch(/7 steps to do before the MX of example.com moves\n$/);
      expect(asked).toEqual(["GET /v2/email/identities/example.com"]);
      status = "SUCCESS";
      const after = await cli(args("after.zone"), env);
      expect([after.status, after.stderr]).toEqual([0, ""]);
      expect(after.stdout.split("\n").filter((l) => /^[✓✗?] /.test(l)).every((l) => l.startsWith("✓"))).toBe(true);
      expect(after.stdout).toMatch(/example.com is ready: the MX switch is the last step\n$/);
    } finally {
      server.close();
    }
  }, 60_000);
});
