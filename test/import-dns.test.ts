/** `mailorg import dns`: a real-looking zone of a domain on Google Workspace, read with a BIND parser. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { domainWithKept, importDns, orgWithDomain, parseSpf, readZone, txtText } from "../adopt/zone.ts";
import { validateOrg } from "../model/validate.ts";
import { domainRecords } from "../plan/dns.ts";
import { checkZone, runCli, writeOrg } from "./helpers.ts";

/** What a DNS host exports for a domain on Google Workspace with a website, a CRM sender and an office relay. */
function googleZone(): string {
  return `; exported from the DNS host, 2026-05-30
$ORIGIN example.com.
$TTL 3600
@                 IN SOA   ns1.dnshost.example. hostmaster.example.com. ( 2026053001 7200 3600 1209600 3600 )
@                 IN NS    ns1.dnshost.example.
@                 IN NS    ns2.dnshost.example.
@           300   IN MX    1 aspmx.l.google.com.
@           300   IN MX    5 alt1.aspmx.l.google.com.
@           300   IN MX    5 alt2.aspmx.l.google.com.
@                 IN TXT   "v=spf1 include:_spf.google.com include:mail.zendesk.com ip4:192.0.2.25 mx ~all"
@                 IN TXT   "google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ"
@                 IN TXT   ( "MS=ms47112358" )
@                 IN A     192.0.2.80
www               IN CNAME example.com.
_dmarc            IN TXT   "v=DMARC1; p=none; rua=mailto:dmarc@example.com"
google._domainkey IN TXT   ( "v=DKIM1; k=rsa; " "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest" )
mail              IN CNAME ghs.googlehosted.com.
_smtp._tls        IN TXT   "v=TLSRPTv1; rua=mailto:tls@example.com"
`;
}

const ORG = (extra = "") => `# yaml-language-server: $schema=../schemas/org.schema.json
organisation: { name: Example, region: eu-west-1, default_department: hq }
domains:
  # the main domain; hosted in Route53 after the move
  - name: example.com${extra}
    dmarc: { policy: none, rua: [dmarc@example.com] }
departments: [{ id: hq, name: HQ }]
mailboxes: [{ address: dmarc@example.com, name: DMARC }]
`;

describe("reading a zone", () => {
  it("decodes TXT character-strings and SPF terms", () => {
    expect(txtText('"v=DKIM1; k=rsa; " "p=MII\\"B\\092"')).toBe('v=DKIM1; k=rsa; p=MII"B\\');
    expect(parseSpf("v=spf1 include:_spf.google.com include:amazonses.com ip4:192.0.2.25 ip6:2001:db8::/48 mx a:relay.example.com -all")).toEqual({
      include: ["_spf.google.com"],
      ip4: ["192.0.2.25"],
      ip6: ["2001:db8::/48"],
      all: "fail",
      dropped: ["mx", "a:relay.example.com"],
    });
  });

  it("keeps the SPF senders and other apex TXT values, and says what the first apply does to each record (hosted zone)", () => {
    const org = validateOrg(writeOrg({ "org.yaml": ORG("\n    hosted_zone_id: Z0123456789ABC") }), { today: "2026-06-01" }).org;
    const zone = readZone(googleZone(), "example.com");
    const domain = org.domains[0]!;
    const kept = importDns(zone, domain, []);
    expect({ txt: kept.txt, spf: kept.spf }).toEqual({
      txt: ["google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ", "MS=ms47112358"],
      spf: { include: ["_spf.google.com", "mail.zendesk.com"], ip4: ["192.0.2.25"], ip6: [], all: "softfail", dropped: ["mx"] },
    });
    const after = domainWithKept(domain, kept);
    const r = importDns(zone, domain, domainRecords(orgWithDomain(org, after), after));
    expect(r.effects.map((e) => `${e.record.name} ${e.record.type} ${e.effect}${e.importId ? ` ${e.stack} ${e.importId}` : ""}`)).toEqual([
      "example.com SOA kept",
      "example.com NS kept",
      "example.com NS kept",
      "example.com MX needs terraform import inbound Z0123456789ABC_example.com_MX",
      "example.com MX needs terraform import inbound Z0123456789ABC_example.com_MX",
      "example.com MX needs terraform import inbound Z0123456789ABC_example.com_MX",
      "example.com TXT needs terraform import domains Z0123456789ABC_example.com_TXT",
      "example.com TXT needs terraform import domains Z0123456789ABC_example.com_TXT",
      "example.com TXT needs terraform import domains Z0123456789ABC_example.com_TXT",
      "example.com A kept",
      "_dmarc.example.com TXT needs terraform import domains Z0123456789ABC__dmarc.example.com_TXT",
      "google._domainkey.example.com TXT kept",
      "mail.example.com CNAME replaced",
      "_smtp._tls.example.com TXT needs terraform import domains Z0123456789ABC__smtp._tls.example.com_TXT",
    ]);
    expect(r.effects.find((e) => e.record.type === "TXT" && e.record.value.startsWith("google-site"))!.detail).toContain("keeps this value");
    expect(r.effects.find((e) => e.record.type === "MX")!.detail).toContain("replaces it");
  });

  it("without a hosted zone: kept where mailorg's value is the same, replaced where not", () => {
    const org = validateOrg(writeOrg({ "org.yaml": ORG() }), { today: "2026-06-01" }).org;
    const zone = readZone(googleZone(), "example.com");
    const domain = org.domains[0]!;
    const after = domainWithKept(domain, importDns(zone, domain, []));
    const r = importDns(zone, domain, domainRecords(orgWithDomain(org, after), after));
    expect(r.effects.filter((e) => e.record.name === "example.com" && ["MX", "TXT"].includes(e.record.type)).map((e) => `${e.record.type} ${e.effect}`)).toEqual([
      "MX replaced", "MX replaced", "MX replaced", "TXT replaced", "TXT kept", "TXT kept",
    ]);
    expect(r.effects.find((e) => e.record.name === "_dmarc.example.com")!.effect).toBe("replaced");
  });
});

describe("mailorg import dns", () => {
  it("writes the kept values into the org (comments kept), lists the effects, and the org's zone output passes named-checkzone", () => {
    const dir = writeOrg({ "org/org.yaml": ORG("\n    hosted_zone_id: Z0123456789ABC"), "example.com.zone": googleZone() });
    const org = join(dir, "org");
    const r = runCli(["import", "dns", join(dir, "example.com.zone"), "--domain", "example.com", "--org", org]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    for (const line of [
      "kept in the org (written: spf.include, spf.ip4, txt, tls_rpt, receive):",
      "not kept (no place in spf; list their addresses under spf.ip4/ip6): mx",
      // Google still receives: the MX is not mailorg's until the switch.
      "example.com MX 1 aspmx.l.google.com.: kept: mailorg writes only TXT here",
    ]) expect(r.stdout).toContain(line);
    const text = readFileSync(join(org, "org.yaml"), "utf8");
    for (const comment of ["# the main domain; hosted in Route53 after the move", "# yaml-language-server: $schema=../schemas/org.schema.json"]) expect(text).toContain(comment);
    const v = validateOrg(org, { today: "2026-06-01" });
    expect(v.diagnostics).toEqual([]);
    expect(v.org.domains[0]).toMatchObject({
      spf: { include: ["_spf.google.com", "mail.zendesk.com"], ip4: ["192.0.2.25"] },
      txt: ["google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ", "MS=ms47112358"],
    });
    // Again: nothing more to write.
    const again = runCli(["import", "dns", join(dir, "example.com.zone"), "--domain", "example.com", "--org", org, "--format", "json"]);
    expect([again.status, again.stderr]).toEqual([0, ""]);
    expect(JSON.parse(again.stdout).written).toEqual([]);
    expect(readFileSync(join(org, "org.yaml"), "utf8")).toBe(text);
    const zone = runCli(["dns", "--org", org, "--domain", "example.com"]);
    expect(zone.stdout).toContain('@\t600\tIN\tTXT\t"v=spf1 ip4:192.0.2.25 include:amazonses.com include:_spf.google.com include:mail.zendesk.com ~all"\n@\t600\tIN\tTXT\t"google-site-verification=');
    checkZone("example.com", zone.stdout);
  });

  it("an unknown domain or an unreadable zone is a usage error", () => {
    const dir = writeOrg({ "org/org.yaml": ORG(), "bad.zone": "@ IN SOA (\n" });
    const org = join(dir, "org");
    const a = runCli(["import", "dns", join(dir, "bad.zone"), "--domain", "nope.example", "--org", org]);
    expect([a.status, a.stderr]).toEqual([2, "mailorg: --domain nope.example is not a domain of the org; its domains: example.com\n"]);
    const b = runCli(["import", "dns", join(dir, "missing.zone"), "--domain", "example.com", "--org", org]);
    expect([b.status, b.stderr.trim()]).toEqual([2, `mailorg: cannot read zone file ${join(dir, "missing.zone")}: ENOENT`]);
  });
});
