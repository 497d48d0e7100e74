/**
 * Every mail DNS record of a domain, computed in one place: the Route53 records the MailDomain construct
 * creates and the zone/JSON that `mailorg dns` prints both come from domainRecords().
 */
import { canon, type Domain, type Org } from "../model/org.ts";

export type RecordType = "MX" | "TXT" | "CNAME" | "SRV";

export interface DnsRecord {
  /** Fully qualified name, no trailing dot. */
  readonly name: string;
  readonly type: RecordType;
  readonly ttl: number;
  /** One entry per record value; TXT values unquoted and unsplit (see txtChunks). */
  readonly values: string[];
  /** What the record is for, in a few words (zone comments, outputs). */
  readonly purpose: string;
  /**
   * The stack that writes it: the domain's MX lives in `inbound`, applied after the receipt rules and the
   * router, so mail is never pointed at SES before SES can take it; the mailbox host's client records (SRV,
   * autoconfig, autodiscover) in `mailhost`; every other record in `domains`.
   */
  readonly stack: "domains" | "inbound" | "mailhost";
}

export const DEFAULT_TTL = 600;
export const SPF_VALUE = "v=spf1 include:amazonses.com ~all";
export const DKIM_TOKEN_COUNT = 3;

/** Placeholders printed where the DKIM tokens go until SES has issued them. */
export const DKIM_PLACEHOLDERS = ["<dkim-token-1>", "<dkim-token-2>", "<dkim-token-3>"] as const;

/**
 * The apex SPF record: SES plus the domain's other senders (spf), one record, ip4/ip6 first (no lookups),
 * each term once.
 */
export function spfValue(domain: Domain): string {
  const s = domain.spf ?? {};
  const terms = [
    ...(s.ip4 ?? []).map((x) => `ip4:${x}`),
    ...(s.ip6 ?? []).map((x) => `ip6:${x.toLowerCase()}`),
    "include:amazonses.com",
    ...(s.include ?? []).map((x) => `include:${canon(x)}`),
  ];
  return ["v=spf1", ...new Set(terms), s.all === "fail" ? "-all" : "~all"].join(" ");
}

/** The apex TXT record set: the SPF record and every kept value (domains[].txt), each once. */
export function apexTxtValues(domain: Domain): string[] {
  return [...new Set([spfValue(domain), ...(domain.txt ?? [])])];
}

export function dmarcValue(domain: Domain): string {
  const d = domain.dmarc ?? {};
  const parts = [`v=DMARC1`, `p=${d.policy ?? "quarantine"}`];
  if (d.sp) parts.push(`sp=${d.sp}`);
  if ((d.pct ?? 100) !== 100) parts.push(`pct=${d.pct}`);
  if (d.rua?.length) parts.push(`rua=${d.rua.map((a) => `mailto:${canon(a)}`).join(",")}`);
  if (d.ruf?.length) parts.push(`ruf=${d.ruf.map((a) => `mailto:${canon(a)}`).join(",")}`);
  if (d.fo && d.fo !== "0") parts.push(`fo=${d.fo}`);
  parts.push(`adkim=${d.adkim ?? "r"}`, `aspf=${d.aspf ?? "r"}`);
  return parts.join("; ");
}

/** The TLS-RPT record: domains[].tls_rpt as it is, else the DMARC aggregate addresses. */
export function tlsRptValue(domain: Domain): string | undefined {
  const uris = domain.tls_rpt ?? domain.dmarc?.rua?.map((a) => `mailto:${canon(a)}`);
  return uris?.length ? `v=TLSRPTv1; rua=${uris.join(",")}` : undefined;
}

/**
 * Domains of the org whose DMARC reports (rua or ruf) go to an address at `target`, another domain: each
 * needs `<domain>._report._dmarc.<target>` TXT `v=DMARC1` in target's zone (RFC 7489 section 7.1), or
 * receivers drop the reports. A domain and its parent or subdomain share an organisational domain and
 * need none.
 */
export function reportAuthorisedDomains(org: Org, target: Domain): string[] {
  const t = canon(target.name);
  const related = (d: string): boolean => d === t || d.endsWith(`.${t}`) || t.endsWith(`.${d}`);
  return org.domains
    .map((d) => ({ name: canon(d.name), to: [...(d.dmarc?.rua ?? []), ...(d.dmarc?.ruf ?? [])].map((a) => canon(a).split("@")[1]!) }))
    .filter((d) => !related(d.name) && d.to.includes(t))
    .map((d) => d.name)
    .sort();
}

export function bimiValue(domain: Domain): string | undefined {
  return domain.bimi_logo_url ? `v=BIMI1; l=${domain.bimi_logo_url}` : undefined;
}

/**
 * The records of one domain. `dkimTokens` are the identity's three tokens: Terraform expressions in
 * synthesis, DKIM_PLACEHOLDERS for `mailorg dns`.
 */
export function domainRecords(org: Org, domain: Domain, dkimTokens: readonly string[] = DKIM_PLACEHOLDERS): DnsRecord[] {
  const name = canon(domain.name);
  const region = org.organisation.region;
  const mailFrom = `${domain.mail_from ?? "mail"}.${name}`;
  const records: DnsRecord[] = [];
  const add = (n: string, type: RecordType, values: string[], purpose: string, stack: DnsRecord["stack"] = "domains"): void => {
    records.push({ name: n, type, ttl: DEFAULT_TTL, values, purpose, stack });
  };
  if (domain.receive !== false) add(name, "MX", [`10 inbound-smtp.${region}.amazonaws.com`], "inbound mail is delivered to SES", "inbound");
  add(name, "TXT", apexTxtValues(domain), domain.txt?.length ? "SPF (SES and the domain's other senders) and the apex TXT values kept" : "SPF: SES may send for the domain");
  dkimTokens.slice(0, DKIM_TOKEN_COUNT).forEach((t, i) =>
    add(`${t}._domainkey.${name}`, "CNAME", [`${t}.dkim.amazonses.com`], `DKIM key ${i + 1} of ${DKIM_TOKEN_COUNT} (Easy DKIM, RSA 2048)`),
  );
  add(mailFrom, "MX", [`10 feedback-smtp.${region}.amazonses.com`], "MAIL FROM: bounces return to SES");
  add(mailFrom, "TXT", [SPF_VALUE], "SPF for the MAIL FROM domain (SPF alignment)");
  add(`_dmarc.${name}`, "TXT", [dmarcValue(domain)], "DMARC policy and reports");
  const tls = tlsRptValue(domain);
  if (tls) add(`_smtp._tls.${name}`, "TXT", [tls], "TLS-RPT: reports of TLS failures delivering to us");
  const bimi = bimiValue(domain);
  if (bimi) add(`default._bimi.${name}`, "TXT", [bimi], "BIMI logo");
  for (const other of reportAuthorisedDomains(org, domain)) {
    add(`${other}._report._dmarc.${name}`, "TXT", ["v=DMARC1"], `DMARC: ${name} accepts the reports of ${other}`);
  }
  return records;
}

/** A readable Terraform output name per domain: `dkim_tokens_example_com` (`terraform output dkim_tokens_example_com`). */
export function outputName(what: string, domain: string): string {
  return `${what}_${domain.replace(/[.-]/g, "_")}`;
}

/** Splits a TXT value into strings of at most 255 characters (RFC 1035 character-strings). */
export function txtChunks(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += 255) out.push(value.slice(i, i + 255));
  return out.length ? out : [""];
}

/** A TXT value as Route53 wants it in Terraform: chunks joined by `""` (the provider's convention). */
export function route53TxtValue(value: string): string {
  return txtChunks(value).join('""');
}

const SPF_LOOKUP = /^(?:[+\-~?]?)(include:|a\b|a:|a\/|mx\b|mx:|mx\/|ptr\b|ptr:|exists:|redirect=)/i;

/** DNS-querying mechanisms and modifiers in an SPF record (RFC 7208 4.6.4 allows at most 10). */
export function spfLookupCount(value: string): number {
  return value
    .trim()
    .split(/\s+/)
    .slice(1)
    .filter((term) => SPF_LOOKUP.test(term)).length;
}

export const SPF_MAX_LOOKUPS = 10;

/**
 * Problems with a record set: more than one SPF record per name and TXT chunks over 255 (errors), SPF over
 * 10 lookups (a warning: the count is of this record's own terms, what the includes need comes on top).
 */
export function recordProblems(records: readonly DnsRecord[]): { name: string; message: string; severity: "error" | "warning" }[] {
  const problems: { name: string; message: string; severity: "error" | "warning" }[] = [];
  const spfByName = new Map<string, number>();
  for (const r of records) {
    if (r.type !== "TXT") continue;
    for (const v of r.values) {
      if (/^v=spf1\b/i.test(v)) {
        spfByName.set(r.name, (spfByName.get(r.name) ?? 0) + 1);
        const n = spfLookupCount(v);
        if (n > SPF_MAX_LOOKUPS) {
          problems.push({ name: r.name, severity: "warning", message: `SPF record of ${r.name} needs ${n} DNS lookups before its includes; receivers allow at most ${SPF_MAX_LOOKUPS} (replace includes with ip4/ip6 ranges)` });
        }
      }
      if (txtChunks(v).some((c) => c.length > 255)) problems.push({ name: r.name, severity: "error", message: `TXT record of ${r.name} has a string over 255 characters` });
    }
  }
  for (const [name, n] of spfByName) {
    if (n > 1) problems.push({ name, severity: "error", message: `${name} would have ${n} SPF records; receivers treat that as an error (merge them)` });
  }
  return problems;
}

/** The records as an RFC 1035 zone fragment for one domain, with comments. */
export function zoneFragment(org: Org, domain: Domain, records: readonly DnsRecord[]): string {
  const origin = canon(domain.name);
  const rel = (n: string): string => (n === origin ? "@" : n.endsWith(`.${origin}`) ? n.slice(0, -origin.length - 1) : `${n}.`);
  const placeholders = DKIM_PLACEHOLDERS.filter((p) => records.some((r) => r.name.includes(p) || r.values.some((v) => v.includes(p))));
  const lines = [
    `; mail records for ${origin}, generated by mailorg from the org (region ${org.organisation.region})`,
    ...(placeholders.length
      ? [
          `; placeholders: ${placeholders.join(", ")}`,
          `; <dkim-token-N> are placeholders: SES issues the three DKIM tokens when the identity is created;`,
          `; read them with 'terraform output ${outputName("dkim_tokens", origin)}' or the SES console and substitute them before loading this zone.`,
        ]
      : []),
    `$ORIGIN ${origin}.`,
    `$TTL ${DEFAULT_TTL}`,
  ];
  for (const r of records) {
    lines.push(`; ${r.purpose}`);
    for (const v of r.values) {
      const data =
        r.type === "TXT"
          ? txtChunks(v).map((c) => `"${c.replace(/(["\\])/g, "\\$1")}"`).join(" ")
          : r.type === "CNAME"
            ? `${v}.`
            : v.replace(/ (\S+)$/, " $1.");
      lines.push(`${rel(r.name)}\t${r.ttl}\tIN\t${r.type}\t${data}`);
    }
  }
  return lines.join("\n") + "\n";
}
