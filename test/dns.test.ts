import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { domainRecords, recordProblems, spfLookupCount, txtChunks, route53TxtValue } from "../plan/dns.ts";
import { DOMAINS_ORG } from "./fixtures-domains.ts";
import { runCli, writeOrg } from "./helpers.ts";

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
    expect(recordProblems([{ name: "x.example", type: "TXT", values: [many], ...base }]).map((p) => p.message)).toEqual(["SPF record of x.example needs 11 DNS lookups; at most 10 are allowed"]);
    expect(recordProblems([{ name: "x.example", type: "TXT", values: ["v=spf1 -all", "v=spf1 mx -all"], ...base }]).map((p) => p.message)).toEqual([
      "x.example would have 2 SPF records; receivers treat that as an error (merge them)",
    ]);
    const long = "v=DMARC1; p=reject; rua=" + "x".repeat(600);
    expect(txtChunks(long).map((c) => c.length)).toEqual([255, 255, 114]);
    expect(route53TxtValue(long).split('""').join("")).toBe(long);
  });
});

describe("mailorg dns", () => {
  it("--format zone passes named-checkzone inside a zone with SOA and NS", () => {
    const r = runCli(["dns", "--org", dir, "--domain", "ACME.example"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("; <dkim-token-N> are placeholders");
    const which = spawnSync("named-checkzone", ["-v"], { encoding: "utf8" });
    if (which.error) throw new Error("named-checkzone is not installed (apt-get install bind9-utils; .ci/run does it)");
    const zone = join(mkdtempSync(join(tmpdir(), "zone-")), "acme.zone");
    writeFileSync(zone, "$TTL 600\n@ IN SOA ns1.acme.example. hostmaster.acme.example. 1 7200 3600 1209600 600\n@ IN NS ns1.acme.example.\nns1 IN A 192.0.2.53\n" + r.stdout);
    const check = spawnSync("named-checkzone", ["-i", "local", "acme.example", zone], { encoding: "utf8" });
    expect(check.stdout + check.stderr).toContain("OK");
    expect(check.status).toBe(0);
  });

  it("--format json lists every domain's records", () => {
    const r = runCli(["dns", "--org", dir, "--format", "json"]);
    expect(r.status).toBe(0);
    const records = JSON.parse(r.stdout) as { name: string; type: string; ttl: number; values: string[] }[];
    expect(new Set(records.map((x) => x.name.split(".").slice(-2).join(".")))).toEqual(new Set(["acme.example", "acme-send.example", "acme-elsewhere.example"]));
    expect(records[0]).toEqual({ name: "acme-elsewhere.example", type: "MX", ttl: 600, values: ["10 inbound-smtp.eu-west-1.amazonaws.com"] });
  });

  it("an unknown --domain is a usage error naming the domains", () => {
    const r = runCli(["dns", "--org", dir, "--domain", "nope.example"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--domain nope.example is not a domain of the org; its domains: acme.example, acme-send.example, acme-elsewhere.example");
  });
});
