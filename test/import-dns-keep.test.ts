/**
 * Issue #29: `mailorg import dns` keeps what the zone protects. A Google Workspace zone with Google's MX,
 * SPF, DMARC (quarantine, two rua, a ruf, fo=1), TLS-RPT, MTA-STS, BIMI and a site-verification TXT imports
 * with nothing weakened, sets receive: false while Google's MX is live, and prints one runnable
 * `terraform import` per record set with the record's real Terraform address.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { domainWithPolicies, parseDmarc, readPolicies, readZone, weakerThanZone } from "../adopt/zone.ts";
import { validateOrg } from "../model/validate.ts";
import { dmarcValue, tlsRptValue } from "../plan/dns.ts";
import { runCli, writeOrg } from "./helpers.ts";

export function workspaceZone(extra = ""): string {
  return `$ORIGIN example.com.
$TTL 3600
@            IN SOA  ns1.dnshost.example. hostmaster.example.com. ( 2026053001 7200 3600 1209600 3600 )
@            IN NS   ns1.dnshost.example.
@       300  IN MX   1 aspmx.l.google.com.
@       300  IN MX   5 alt1.aspmx.l.google.com.
@       300  IN MX   10 alt3.aspmx.l.google.com.
@            IN TXT  "v=spf1 include:_spf.google.com ~all"
@            IN TXT  "google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ"
_dmarc       IN TXT  "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com,mailto:a1b2c3@rua.dmarcian.example!10m; ruf=mailto:forensics@example.com; fo=1"
_smtp._tls   IN TXT  "v=TLSRPTv1; rua=mailto:tls-reports@example.com"
_mta-sts     IN TXT  "v=STSv1; id=20260101T000000"
mta-sts      IN CNAME mta-sts.example.com.policyhost.example.
default._bimi IN TXT "v=BIMI1; l=https://www.example.com/logo.svg"
google._domainkey IN TXT "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest"
${extra}`;
}

const ORG = `# yaml-language-server: $schema=../schemas/org.schema.json
organisation: { name: Example, region: eu-west-1, default_department: hq }
domains:
  - name: example.com
    hosted_zone_id: Z0123456789ABC
    dmarc: { policy: none, rua: [dmarc@example.com] }
departments: [{ id: hq, name: HQ }]
mailboxes:
  - { address: dmarc@example.com, name: DMARC }
  - { address: forensics@example.com, name: Forensics }
  - { address: tls-reports@example.com, name: TLS reports }
`;

describe("reading the zone's protection", () => {
  it("parses every DMARC tag, dropping a report size limit", () => {
    expect(parseDmarc("v=DMARC1; p=quarantine; sp=reject; pct=50; adkim=s; aspf=r; fo=d:s; rua=mailto:a@example.com,mailto:b@x.example!10m; ruf=mailto:c@example.com; ri=3600")).toEqual({
      policy: "quarantine",
      sp: "reject",
      pct: 50,
      adkim: "s",
      aspf: "r",
      fo: "d:s",
      rua: ["a@example.com", "b@x.example"],
      ruf: ["c@example.com"],
      unkept: ["ri=3600"],
    });
    expect(parseDmarc("v=spf1 -all")).toBeUndefined();
  });

  it("finds DMARC, TLS-RPT, MTA-STS, BIMI and another provider's MX", () => {
    const z = readPolicies(readZone(workspaceZone(), "example.com"), "example.com");
    expect(z.tlsRpt).toEqual(["mailto:tls-reports@example.com"]);
    expect(z.mtaSts).toEqual({ id: "20260101T000000", record: "v=STSv1; id=20260101T000000" });
    expect(z.bimi).toEqual({ logo: "https://www.example.com/logo.svg" });
    expect(z.otherMx).toEqual(["aspmx.l.google.com", "alt1.aspmx.l.google.com", "alt3.aspmx.l.google.com"]);
    expect(readPolicies(readZone("@ 300 IN MX 10 inbound-smtp.eu-west-1.amazonaws.com.\n", "example.com"), "example.com").otherMx).toEqual([]);
  });
});

describe("keeping it in the org", () => {
  const org = () => validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" }).org;

  it("takes the stronger policy and every report address; the published records are no weaker than the zone's", () => {
    const z = readPolicies(readZone(workspaceZone(), "example.com"), "example.com");
    const before = org().domains[0]!;
    // What the import used to propose: the org's p=none and only dmarc@, and TLS-RPT to the DMARC address.
    expect(weakerThanZone(before, z)).toEqual([
      "DMARC p=none where the zone has p=quarantine",
      "DMARC sp=none where the zone has sp=quarantine",
      "DMARC rua without mailto:a1b2c3@rua.dmarcian.example, which the zone has",
      "DMARC ruf without mailto:forensics@example.com, which the zone has",
      "DMARC without fo=1, which the zone has",
      "TLS-RPT without mailto:tls-reports@example.com, which the zone has",
      "BIMI logo (none) where the zone has https://www.example.com/logo.svg",
    ]);
    const after = domainWithPolicies(before, z);
    expect(weakerThanZone(after, z)).toEqual([]);
    expect(dmarcValue(after)).toBe("v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com,mailto:a1b2c3@rua.dmarcian.example; ruf=mailto:forensics@example.com; fo=1; adkim=r; aspf=r");
    expect(tlsRptValue(after)).toBe("v=TLSRPTv1; rua=mailto:tls-reports@example.com");
    expect(after.receive).toBe(false);
  });

  it("never lowers what the org already has", () => {
    const strict = { ...org().domains[0]!, dmarc: { policy: "reject" as const, pct: 100, adkim: "s" as const, rua: ["dmarc@example.com"] } };
    const after = domainWithPolicies(strict, readPolicies(readZone(workspaceZone(), "example.com"), "example.com"));
    expect(after.dmarc).toMatchObject({ policy: "reject", adkim: "s", pct: 100 });
  });

  it("a report address or TLS-RPT URI the schema refuses is not written, and is listed as a weakening", () => {
    const zone = workspaceZone().replace("mailto:forensics@example.com", "mailto:bad..dots@example.com").replace("mailto:tls-reports@example.com", "mailto:tls-reports@example.com,https://reports.example.com/a b");
    const z = readPolicies(readZone(zone, "example.com"), "example.com");
    const after = domainWithPolicies(org().domains[0]!, z);
    expect([after.dmarc?.ruf, after.tls_rpt]).toEqual([undefined, ["mailto:tls-reports@example.com"]]);
    expect(weakerThanZone(after, z)).toEqual(["DMARC ruf without mailto:bad..dots@example.com, which the zone has", "TLS-RPT without https://reports.example.com/a b, which the zone has"]);
  });

  it("a BIMI mark certificate (a=) the org cannot publish is listed as a weakening", () => {
    const z = readPolicies(readZone(workspaceZone().replace("l=https://www.example.com/logo.svg", "l=https://www.example.com/logo.svg; a=https://www.example.com/vmc.pem"), "example.com"), "example.com");
    expect(weakerThanZone(domainWithPolicies(org().domains[0]!, z), z)).toEqual([
      "BIMI a=https://www.example.com/vmc.pem (the mark certificate): the org publishes no a= tag yet; keep the BIMI record at your DNS host, or leave bimi_logo_url out",
    ]);
  });
});

describe("mailorg import dns on a Google Workspace zone", () => {
  it("writes DMARC, TLS-RPT, BIMI and receive: false, names MTA-STS, and prints one runnable terraform import per record set", () => {
    const dir = writeOrg({ "org/org.yaml": ORG, "example.com.zone": workspaceZone() });
    const org = join(dir, "org");
    const r = runCli(["import", "dns", join(dir, "example.com.zone"), "--domain", "example.com", "--org", org]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const v = validateOrg(org, { today: "2026-06-01" });
    expect(v.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(v.org.domains[0]).toMatchObject({
      receive: false,
      dmarc: { policy: "quarantine", rua: ["dmarc@example.com", "a1b2c3@rua.dmarcian.example"], ruf: ["forensics@example.com"], fo: "1" },
      tls_rpt: ["mailto:tls-reports@example.com"],
      bimi_logo_url: "https://www.example.com/logo.svg",
      txt: ["google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ"],
      spf: { include: ["_spf.google.com"] },
    });
    expect(r.stdout).toContain("the zone publishes MTA-STS (_mta-sts.example.com id=20260101T000000)");
    expect(r.stdout).toContain('add "mx: inbound-smtp.eu-west-1.amazonaws.com" to it in mode testing');
    expect(r.stdout).toContain("receive: false (the MX is aspmx.l.google.com, alt1.aspmx.l.google.com, alt3.aspmx.l.google.com)");
    const commands = r.stdout.split("\n").filter((l) => l.includes("terraform -chdir"));
    // One per record set (the apex TXT set holds two values), none for the MX while Google receives.
    expect(commands.map((c) => c.trim().replace(/aws_route53_record\.[A-Za-z0-9_-]+/, "ADDR"))).toEqual([
      "terraform -chdir=cdktf.out/stacks/domains import 'ADDR' 'Z0123456789ABC_example.com_TXT'",
      "terraform -chdir=cdktf.out/stacks/domains import 'ADDR' 'Z0123456789ABC__dmarc.example.com_TXT'",
      "terraform -chdir=cdktf.out/stacks/domains import 'ADDR' 'Z0123456789ABC__smtp._tls.example.com_TXT'",
      "terraform -chdir=cdktf.out/stacks/domains import 'ADDR' 'Z0123456789ABC_default._bimi.example.com_TXT'",
    ]);
    expect(r.stdout).not.toContain("<address>");
    // Each address is the real one: synthesis has that resource, for that record.
    const synth = runCli(["synth", "--org", org, "--out", join(dir, "out")]);
    expect(synth.status).toBe(0);
    const records = (JSON.parse(readFileSync(join(dir, "out/stacks/domains/cdk.tf.json"), "utf8")) as { resource: { aws_route53_record: Record<string, { name: string; type: string }> } }).resource.aws_route53_record;
    for (const c of commands) {
      const [, id, importId] = /import 'aws_route53_record\.([^']+)' 'Z0123456789ABC_(.+)'/.exec(c)!;
      const rec = records[id!]!;
      expect(`${rec.name}_${rec.type}`).toBe(importId);
    }
    // Again: nothing more to write.
    const again = runCli(["import", "dns", join(dir, "example.com.zone"), "--domain", "example.com", "--org", org, "--format", "json"]);
    expect([again.status, JSON.parse(again.stdout).written]).toEqual([0, []]);
  });

  it("at the switch (receive: true written in the org), leaves receive alone and prints the MX's import into inbound", () => {
    const dir = writeOrg({ "org/org.yaml": ORG.replace("    hosted_zone_id: Z0123456789ABC\n", "    hosted_zone_id: Z0123456789ABC\n    receive: true\n"), "example.com.zone": workspaceZone() });
    const org = join(dir, "org");
    const r = runCli(["import", "dns", join(dir, "example.com.zone"), "--domain", "example.com", "--org", org]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(validateOrg(org, { today: "2026-06-01" }).org.domains[0]!.receive).toBe(true);
    expect(r.stdout).toMatch(/terraform -chdir=cdktf\.out\/stacks\/inbound import 'aws_route53_record\.[A-Za-z0-9_-]+' 'Z0123456789ABC_example\.com_MX'\n/);
    expect(r.stdout.split("\n").filter((l) => l.includes("_example.com_MX'"))).toHaveLength(1);
  });

  it("refuses, and writes nothing, when the org cannot hold what the zone has (a BIMI certificate)", () => {
    const zone = workspaceZone().replace("l=https://www.example.com/logo.svg", "l=https://www.example.com/logo.svg; a=https://www.example.com/vmc.pem");
    const dir = writeOrg({ "org/org.yaml": ORG, "example.com.zone": zone });
    const r = runCli(["import", "dns", join(dir, "example.com.zone"), "--domain", "example.com", "--org", join(dir, "org")]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("refusing to write the org: it would publish records weaker than the zone's (1):\n  BIMI a=https://www.example.com/vmc.pem");
    expect(readFileSync(join(dir, "org/org.yaml"), "utf8")).toBe(ORG);
  });
});
