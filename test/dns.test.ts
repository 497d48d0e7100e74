import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { domainRecords, recordProblems, spfLookupCount, txtChunks, route53TxtValue } from "../plan/dns.ts";
import { DOMAINS_ORG } from "./fixtures-domains.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { checkZone, runCli, writeOrg } from "./helpers.ts";

const require = createRequire(import.meta.url);
const { spf } = require("mailauth/lib/spf") as { spf: (o: object) => Promise<{ status: { result: string } }> };
const getDmarcRecord = require("mailauth/lib/dmarc/get-dmarc-record") as (d: string, r: unknown) => Promise<Record<string, unknown>>;

const dir = writeOrg({ "org.yaml": DOMAINS_ORG });
const org = validateOrg(dir, { today: "2026-06-01" }).org;
const acme = org.domains[0]!;

/** A DNS resolver answering from our computed records (plus amazonses.com's published SPF). */
function resolver(records: ReturnType<typeof domainRecords>) {
  return async (name: string, type: string) => {
    if (name === "amazonses.com" && type === "TXT") return [["v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 -all"]];
    const found = records.filter((r) => r.name === name && r.type === type);
    if (!found.length) throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
    return found.flatMap((r) => r.values.map((v) => (type === "TXT" ? txtChunks(v) : v)));
  };
}

describe("domain records", () => {
  it("are exactly the mail records of a receiving domain", () => {
    expect(domainRecords(org, acme).map((r) => `${r.name} ${r.type} ${r.values.join(" | ")}`)).toEqual([
      "acme.example MX 10 inbound-smtp.eu-west-1.amazonaws.com",
      "acme.example TXT v=spf1 include:amazonses.com ~all",
      "<dkim-token-1>._domainkey.acme.example CNAME <dkim-token-1>.dkim.amazonses.com",
      "<dkim-token-2>._domainkey.acme.example CNAME <dkim-token-2>.dkim.amazonses.com",
      "<dkim-token-3>._domainkey.acme.example CNAME <dkim-token-3>.dkim.amazonses.com",
      "mail.acme.example MX 10 feedback-smtp.eu-west-1.amazonses.com",
      "mail.acme.example TXT v=spf1 include:amazonses.com ~all",
      "_dmarc.acme.example TXT v=DMARC1; p=reject; rua=mailto:dmarc@acme.example,mailto:postmaster@acme.example; adkim=r; aspf=r",
      "_smtp._tls.acme.example TXT v=TLSRPTv1; rua=mailto:dmarc@acme.example,mailto:postmaster@acme.example",
      "default._bimi.acme.example TXT v=BIMI1; l=https://acme.example/logo.svg",
    ]);
  });

  it("a send-only domain has no apex MX, its own MAIL FROM label, and the default DMARC", () => {
    const recs = domainRecords(org, org.domains[1]!);
    expect(recs.some((r) => r.type === "MX" && r.name === "acme-send.example")).toBe(false);
    expect(recs.filter((r) => r.name === "bounce.acme-send.example").map((r) => r.type)).toEqual(["MX", "TXT"]);
    expect(recs.find((r) => r.name === "_dmarc.acme-send.example")!.values).toEqual(["v=DMARC1; p=quarantine; adkim=r; aspf=r"]);
    expect(recs.some((r) => r.name.startsWith("_smtp._tls"))).toBe(false);
  });

  it("DMARC parses with mailauth as published", async () => {
    const parsed = await getDmarcRecord("acme.example", resolver(domainRecords(org, acme)));
    expect(parsed).toMatchObject({ v: "DMARC1", p: "reject", adkim: "r", aspf: "r", rua: "mailto:dmarc@acme.example,mailto:postmaster@acme.example" });
  });

  it("SPF evaluates with mailauth: SES's addresses pass, others softfail, within the lookup limit", async () => {
    const recs = domainRecords(org, acme);
    const ok = await spf({ sender: "a@mail.acme.example", ip: "54.240.1.1", helo: "ses", mta: "mx.test", resolver: resolver(recs) });
    const other = await spf({ sender: "a@mail.acme.example", ip: "192.0.2.1", helo: "x", mta: "mx.test", resolver: resolver(recs) });
    expect(ok.status.result).toBe("pass");
    expect(other.status.result).toBe("softfail");
    expect(spfLookupCount("v=spf1 include:amazonses.com ~all")).toBe(1);
  });

  it("TLS-RPT follows RFC 8460's grammar", () => {
    const v = domainRecords(org, acme).find((r) => r.name.startsWith("_smtp._tls"))!.values[0]!;
    expect(v).toMatch(/^v=TLSRPTv1;\s*rua=mailto:[^,;\s]+(,mailto:[^,;\s]+)*$/);
  });

  it("detects SPF over 10 lookups, two SPF records on a name, and splits long TXT values", () => {
    const many = "v=spf1 " + Array.from({ length: 11 }, (_, i) => `include:s${i}.example`).join(" ") + " -all";
    const base = { ttl: 600, purpose: "x", stack: "domains" as const };
    expect(recordProblems([{ name: "x.example", type: "TXT", values: [many], ...base }])).toEqual([
      { name: "x.example", severity: "warning", message: "SPF record of x.example needs 11 DNS lookups before its includes; receivers allow at most 10 (replace includes with ip4/ip6 ranges)" },
    ]);
    expect(recordProblems([{ name: "x.example", type: "TXT", values: ["v=spf1 -all", "v=spf1 mx -all"], ...base }]).map((p) => p.message)).toEqual([
      "x.example would have 2 SPF records; receivers treat that as an error (merge them)",
    ]);
    const long = "v=DMARC1; p=reject; rua=" + "x".repeat(600);
    expect(txtChunks(long).map((c) => c.length)).toEqual([255, 255, 114]);
    expect(route53TxtValue(long).split('""').join("")).toBe(long);
  });
});

describe("records that coexist with what the domain already has", () => {
  const COEXIST = `organisation: { name: Co, region: eu-west-1, default_department: hq }
domains:
  - name: example.com
    spf: { include: [_spf.google.com, spf.protection.outlook.com], ip4: [192.0.2.25, 198.51.100.0/24], ip6: ["2001:DB8::/48"], all: fail }
    txt: [google-site-verification=abc123, "MS=ms12345678"]
    dmarc: { rua: [dmarc@reports.example], ruf: [forensic@example.net] }
  - name: example.net
    dmarc: { rua: [dmarc@reports.example] }
  - name: reports.example
  - name: sub.example.net
    dmarc: { rua: [dmarc@example.net] }
departments: [{ id: hq, name: HQ }]
mailboxes:
  - { address: dmarc@reports.example, name: DMARC }
  - { address: forensic@example.net, name: Forensic }
  - { address: dmarc@example.net, name: DMARC net }
`;
  const load = () => validateOrg(writeOrg({ "org.yaml": COEXIST }), { today: "2026-06-01" }).org;

  it("merges the domain's other senders into the one apex SPF record and keeps its other TXT values beside it", () => {
    const o = load();
    const apex = domainRecords(o, o.domains[0]!).filter((r) => r.name === "example.com" && r.type === "TXT");
    expect(apex.map((r) => r.values)).toEqual([
      [
        "v=spf1 ip4:192.0.2.25 ip4:198.51.100.0/24 ip6:2001:db8::/48 include:amazonses.com include:_spf.google.com include:spf.protection.outlook.com -all",
        "google-site-verification=abc123",
        "MS=ms12345678",
      ],
    ]);
    // The MAIL FROM domain is SES's alone.
    expect(domainRecords(o, o.domains[0]!).find((r) => r.name === "mail.example.com" && r.type === "TXT")!.values).toEqual(["v=spf1 include:amazonses.com ~all"]);
  });

  it("the merged SPF evaluates with mailauth: listed ranges pass, others fail", async () => {
    const o = load();
    const recs = domainRecords(o, o.domains[0]!);
    const check = (ip: string) => spf({ sender: "a@example.com", ip, helo: "x", mta: "mx.test", resolver: async (name: string, type: string) => {
      if (type === "TXT" && (name === "_spf.google.com" || name === "spf.protection.outlook.com")) return [["v=spf1 ip4:203.0.113.0/24 -all"]];
      return resolver(recs)(name, type);
    } });
    expect((await check("198.51.100.9")).status.result).toBe("pass");
    expect((await check("2001:db8::5")).status.result).toBe("pass");
    expect((await check("54.240.1.1")).status.result).toBe("pass");
    expect((await check("203.0.113.7")).status.result).toBe("pass");
    expect((await check("192.0.2.26")).status.result).toBe("fail");
  });

  it("authorises DMARC reports sent to another org domain, once per reporting domain, and not within one organisational domain", () => {
    const o = load();
    const auth = (i: number) => domainRecords(o, o.domains[i]!).filter((r) => r.name.includes("._report._dmarc.")).map((r) => `${r.name} ${r.values.join(",")}`);
    expect(auth(2)).toEqual(["example.com._report._dmarc.reports.example v=DMARC1", "example.net._report._dmarc.reports.example v=DMARC1"]);
    expect(auth(1)).toEqual(["example.com._report._dmarc.example.net v=DMARC1"]);
    expect(auth(0)).toEqual([]);
    expect(domainRecords(o, o.domains[0]!).find((r) => r.name === "_dmarc.example.com")!.values).toEqual([
      "v=DMARC1; p=quarantine; rua=mailto:dmarc@reports.example; ruf=mailto:forensic@example.net; adkim=r; aspf=r",
    ]);
  });

  it("every domain's zone output, placeholders listed, passes named-checkzone", () => {
    const d = writeOrg({ "org.yaml": COEXIST });
    for (const domain of ["example.com", "example.net", "reports.example"]) {
      const r = runCli(["dns", "--org", d, "--domain", domain]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("; placeholders: <dkim-token-1>, <dkim-token-2>, <dkim-token-3>");
      checkZone(domain, r.stdout);
    }
  });
});

describe("mailorg dns", () => {
  it("--format zone passes named-checkzone inside a zone with SOA and NS", () => {
    const r = runCli(["dns", "--org", dir, "--domain", "ACME.example"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("; <dkim-token-N> are placeholders");
    checkZone("acme.example", r.stdout);
  });

  it("--format json lists every domain's records", () => {
    const r = runCli(["dns", "--org", dir, "--format", "json"]);
    expect(r.status).toBe(0);
    const records = JSON.parse(r.stdout) as { name: string; type: string; ttl: number; values: string[] }[];
    expect(new Set(records.map((x) => x.name.split(".").slice(-2).join(".")))).toEqual(new Set(["acme.example", "acme-send.example", "acme-elsewhere.example"]));
    expect(records[0]).toEqual({ name: "acme-elsewhere.example", type: "MX", ttl: 600, values: ["10 inbound-smtp.eu-west-1.amazonaws.com"] });
  });

  it("with a mailbox host, lists the names clients set themselves up from (SRV, autoconfig, autodiscover), and the zone passes named-checkzone", () => {
    const r = runCli(["dns", "--org", writeOrg({ "org.yaml": HOST_ORG }), "--domain", "example.com"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n").filter((l) => /\t(SRV|CNAME)\t/.test(l) && !l.includes("dkim"));
    expect(lines).toEqual([
      "_imaps._tcp\t3600\tIN\tSRV\t0 1 993 mail.example.com.",
      "_submission._tcp\t3600\tIN\tSRV\t0 1 587 mail.example.com.",
      "_submissions._tcp\t3600\tIN\tSRV\t0 1 465 mail.example.com.",
      "autoconfig\t3600\tIN\tCNAME\tmail.example.com.",
      "autodiscover\t3600\tIN\tCNAME\tmail.example.com.",
      "_autodiscover._tcp\t3600\tIN\tSRV\t0 0 443 mail.example.com.",
    ]);
    checkZone("example.com", r.stdout);
  });

  it("an unknown --domain is a usage error naming the domains", () => {
    const r = runCli(["dns", "--org", dir, "--domain", "nope.example"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--domain nope.example is not a domain of the org; its domains: acme.example, acme-send.example, acme-elsewhere.example");
  });
});
