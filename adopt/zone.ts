/**
 * `mailorg import dns`: reads an existing BIND zone (dnsz), takes out what mailorg must keep (the apex TXT
 * values and the other senders of the apex SPF record), and says, for every existing record at a name
 * mailorg manages, what the first apply does to it. Pure: text in, data out; the CLI writes the org.
 */
import { parseZone } from "dnsz";
import { isMap } from "yaml";
import { canon, type Domain, type Org } from "../model/org.ts";
import { DKIM_PLACEHOLDERS, type DnsRecord } from "../plan/dns.ts";
import { ADDRESS, TLS_RPT_URI } from "./directory.ts";
import { addToList, findItem, orgDocuments, saveDocument } from "./yaml-edit.ts";

export interface ZoneRecord {
  /** Fully qualified, lowercase, no trailing dot. */
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  /** As written in the zone, except TXT: the character-strings decoded and joined. */
  readonly value: string;
}

/** Every record of a zone file, names made absolute against `origin`. Throws on what dnsz cannot parse. */
export function readZone(text: string, origin: string): ZoneRecord[] {
  const data = parseZone(text, { replaceOrigin: canon(origin), defaultTTL: 3600 });
  return data.records.map((r) => ({
    name: canon(r.name.replace(/\.$/, "")),
    type: r.type.toUpperCase(),
    ttl: r.ttl,
    value: r.type.toUpperCase() === "TXT" ? txtText(r.content) : r.content,
  }));
}

/** A TXT record's RDATA (one or more character-strings, quoted or not) as the one string it stands for. */
export function txtText(rdata: string): string {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of rdata.matchAll(re)) {
    const s = m[1] ?? m[2]!;
    if (s === "(" || s === ")") continue;
    out.push(s.replace(/\\(\d{3}|.)/g, (_, e: string) => (/^\d{3}$/.test(e) ? String.fromCharCode(Number(e)) : e)));
  }
  return out.join("");
}

/** An existing SPF record split into what the org's `spf` can say and what it cannot. */
export interface ParsedSpf {
  readonly include: string[];
  readonly ip4: string[];
  readonly ip6: string[];
  readonly all?: "softfail" | "fail";
  /** Terms with no place in `spf` (a, mx, ptr, exists, redirect, +all...): listed for a person to rewrite. */
  readonly dropped: string[];
}

export function parseSpf(value: string): ParsedSpf {
  const spf: { include: string[]; ip4: string[]; ip6: string[]; all?: "softfail" | "fail"; dropped: string[] } = { include: [], ip4: [], ip6: [], dropped: [] };
  for (const term of value.trim().split(/\s+/).slice(1)) {
    const m = /^([+]?)(include|ip4|ip6):(.+)$/i.exec(term);
    if (m) {
      const kind = m[2]!.toLowerCase() as "include" | "ip4" | "ip6";
      const v = kind === "include" ? canon(m[3]!) : m[3]!;
      if (!(kind === "include" && v === "amazonses.com")) spf[kind].push(v);
    } else if (/^-all$/i.test(term)) spf.all = "fail";
    else if (/^~all$/i.test(term)) spf.all = "softfail";
    else spf.dropped.push(term);
  }
  return spf;
}

/** What the first apply does to an existing record. */
export type Effect = "kept" | "replaced" | "needs terraform import";

export interface RecordEffect {
  readonly record: ZoneRecord;
  readonly effect: Effect;
  /** Why, and what to do, in a few words. */
  readonly detail: string;
  /** With a hosted zone: the id `terraform import` takes (<zone>_<name>_<type>) and the stack holding the record. */
  readonly importId?: string;
  readonly stack?: DnsRecord["stack"];
}

export interface DnsImport {
  /** The values to keep, as the org's domain fields: apex TXT values other than SPF, and the SPF record's other senders. */
  readonly txt: string[];
  readonly spf: ParsedSpf;
  /** Every existing record at a name mailorg manages, in zone order. */
  readonly effects: RecordEffect[];
}

const norm = (type: string, v: string): string => (type === "TXT" ? v : v.toLowerCase().replace(/\.$/, "").replace(/\s+/g, " "));

/**
 * Reads the zone of `domain` against the records mailorg will write for it (`planned`: the plan's records
 * as they would be once the kept values are in the org).
 */
export function importDns(zone: readonly ZoneRecord[], domain: Domain, planned: readonly DnsRecord[]): DnsImport {
  const apex = canon(domain.name);
  const apexTxt = zone.filter((r) => r.name === apex && r.type === "TXT");
  const spfRecords = apexTxt.filter((r) => /^v=spf1(\s|$)/i.test(r.value));
  const spf = spfRecords.map((r) => parseSpf(r.value)).reduce<ParsedSpf>(
    (a, b) => ({ include: [...a.include, ...b.include], ip4: [...a.ip4, ...b.ip4], ip6: [...a.ip6, ...b.ip6], all: a.all ?? b.all, dropped: [...a.dropped, ...b.dropped] }),
    { include: [], ip4: [], ip6: [], dropped: [] },
  );
  const txt = [...new Set(apexTxt.filter((r) => !spfRecords.includes(r)).map((r) => r.value))];
  const dkimName = (n: string) => n.endsWith(`._domainkey.${apex}`);
  const managed = planned.filter((r) => !DKIM_PLACEHOLDERS.some((p) => r.name.includes(p)));
  const zoneId = domain.hosted_zone_id;
  const effects: RecordEffect[] = [];
  for (const record of zone) {
    const atName = managed.filter((p) => p.name === record.name);
    if (dkimName(record.name)) {
      effects.push({ record, effect: "kept", detail: "another DKIM selector: SES publishes three new ones beside it; remove it once the old provider no longer signs" });
      continue;
    }
    if (atName.length === 0) continue;
    const same = atName.find((p) => p.type === record.type);
    if (!same) {
      if (record.type === "CNAME") {
        effects.push({ record, effect: "replaced", detail: `a CNAME cannot coexist with mailorg's ${atName.map((p) => p.type).join(" and ")} at this name; delete it just before the apply` });
      } else {
        effects.push({ record, effect: "kept", detail: `mailorg writes only ${[...new Set(atName.map((p) => p.type))].join(" and ")} here` });
      }
      continue;
    }
    const keptValue = same.values.some((v) => norm(same.type, v) === norm(record.type, record.value));
    const after = same.values.join(" | ");
    if (zoneId) {
      effects.push({
        record,
        effect: "needs terraform import",
        detail: `Route53 refuses to create a record set that exists; import it, then the apply ${keptValue ? "keeps this value" : "replaces it"} (record set after: ${after})`,
        importId: `${zoneId}_${record.name}_${record.type}`,
        stack: same.stack,
      });
    } else {
      effects.push({
        record,
        effect: keptValue ? "kept" : "replaced",
        detail: keptValue
          ? "the same value is in mailorg's records (mailorg dns); it stays at your DNS host"
          : `replace it at your DNS host with mailorg's record set: ${after}`,
      });
    }
  }
  return { txt, spf, effects };
}

/** The domain as it will be once the kept values are in the org: used to compute the planned records. */
export function domainWithKept(domain: Domain, kept: Pick<DnsImport, "txt" | "spf">): Domain {
  const s = domain.spf ?? {};
  const union = (a: readonly string[] | undefined, b: readonly string[]): string[] | undefined => {
    const all = [...new Set([...(a ?? []), ...b])];
    return all.length ? all : undefined;
  };
  const spf = {
    ...(union(s.include, kept.spf.include) ? { include: union(s.include, kept.spf.include) } : {}),
    ...(union(s.ip4, kept.spf.ip4) ? { ip4: union(s.ip4, kept.spf.ip4) } : {}),
    ...(union(s.ip6, kept.spf.ip6) ? { ip6: union(s.ip6, kept.spf.ip6) } : {}),
    ...((s.all ?? kept.spf.all) === "fail" ? { all: "fail" as const } : s.all ? { all: s.all } : {}),
  };
  const txt = union(domain.txt, kept.txt);
  return { ...domain, ...(Object.keys(spf).length ? { spf } : {}), ...(txt ? { txt } : {}) };
}

/** The org with one domain replaced (the plan of what the first apply writes). */
export function orgWithDomain(org: Org, domain: Domain): Org {
  return { ...org, domains: org.domains.map((d) => (canon(d.name) === canon(domain.name) ? domain : d)) };
}

/**
 * Writes the kept values into the org's entry for the domain (spf include/ip4/ip6/all, txt), adding only what
 * is missing and keeping every comment. Returns the fields it added to, e.g. ["spf.include", "txt"].
 */
export function writeKept(dir: string, domainName: string, kept: Pick<DnsImport, "txt" | "spf">): string[] {
  const docs = orgDocuments(dir);
  const found = findItem(docs, "domains", "name", domainName);
  if (!found) throw new Error(`domain ${domainName} is not in the org`);
  const { d, item } = found;
  const changed: string[] = [];
  for (const key of ["include", "ip4", "ip6"] as const) {
    if (addToList(d.doc, item, ["spf", key], kept.spf[key]).length) changed.push(`spf.${key}`);
  }
  if (kept.spf.all === "fail" && item.getIn(["spf", "all"]) === undefined) {
    if (!isMap(item.get("spf", true))) item.set("spf", d.doc.createNode({}, { flow: true }));
    item.setIn(["spf", "all"], "fail");
    changed.push("spf.all");
  }
  if (addToList(d.doc, item, ["txt"], kept.txt).length) changed.push("txt");
  if (changed.length) saveDocument(d);
  return changed;
}

/** The DMARC record of a zone, tag by tag (RFC 7489 section 6.3). */
export interface ZoneDmarc {
  readonly policy: "none" | "quarantine" | "reject";
  readonly sp?: "none" | "quarantine" | "reject";
  readonly pct?: number;
  readonly adkim?: "r" | "s";
  readonly aspf?: "r" | "s";
  readonly fo?: string;
  /** mailto: addresses (a size limit `!10m` dropped). */
  readonly rua: string[];
  readonly ruf: string[];
  /** Tags or report URIs the org cannot say (a non-mailto URI, ri, rf), as written. */
  readonly unkept: string[];
}

/** What a zone publishes about mail protection and where mail goes: the records an import must not weaken. */
export interface ZonePolicies {
  readonly dmarc?: ZoneDmarc;
  /** The TLS-RPT record's rua URIs. */
  readonly tlsRpt?: string[];
  readonly bimi?: { readonly logo?: string; readonly authority?: string };
  /** The _mta-sts TXT record's id, when the zone publishes MTA-STS. */
  readonly mtaSts?: { readonly id: string; readonly record: string };
  /** Apex MX hosts that are not SES's: another provider receives the domain's mail. */
  readonly otherMx: string[];
}

const STRENGTH = { none: 0, quarantine: 1, reject: 2 } as const;
type Policy = keyof typeof STRENGTH;
const isPolicy = (v: string | undefined): v is Policy => v === "none" || v === "quarantine" || v === "reject";
/** SES's inbound endpoints: inbound-smtp.<region>.amazonaws.com (and the FIPS ones). */
export const SES_MX = /^inbound-smtp(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com\.?$/i;

/** Tag=value pairs of a DMARC, TLS-RPT, BIMI or MTA-STS record, tag names lowercase. */
function tags(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.split(";")) {
    const m = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(part);
    if (m) out.set(m[1]!.toLowerCase(), m[2]!);
  }
  return out;
}

export function parseDmarc(value: string): ZoneDmarc | undefined {
  const t = tags(value);
  if (!/^DMARC1$/i.test(t.get("v") ?? "")) return undefined;
  const unkept: string[] = [];
  const uris = (tag: string): string[] =>
    (t.get(tag) ?? "")
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean)
      .flatMap((u) => {
        const m = /^mailto:([^!]+)(?:!\d+[kmgt]?)?$/i.exec(u);
        if (m) return [canon(decodeURIComponent(m[1]!))];
        unkept.push(`${tag}=${u}`);
        return [];
      });
  const p = t.get("p")?.toLowerCase();
  const sp = t.get("sp")?.toLowerCase();
  const pct = t.get("pct") !== undefined ? Number(t.get("pct")) : undefined;
  const align = (k: string): "r" | "s" | undefined => (t.get(k)?.toLowerCase() === "s" ? "s" : t.get(k)?.toLowerCase() === "r" ? "r" : undefined);
  for (const k of ["ri", "rf"]) if (t.has(k)) unkept.push(`${k}=${t.get(k)}`);
  return {
    policy: isPolicy(p) ? p : "none",
    ...(isPolicy(sp) ? { sp } : {}),
    ...(pct !== undefined && Number.isInteger(pct) && pct >= 0 && pct <= 100 ? { pct } : {}),
    ...(align("adkim") ? { adkim: align("adkim") } : {}),
    ...(align("aspf") ? { aspf: align("aspf") } : {}),
    ...(t.get("fo") && /^[01ds](?::[01ds])*$/.test(t.get("fo")!) ? { fo: t.get("fo") } : {}),
    rua: uris("rua"),
    ruf: uris("ruf"),
    unkept,
  };
}

/** The zone's DMARC, TLS-RPT, BIMI and MTA-STS records and its MX, for `domain`. */
export function readPolicies(zone: readonly ZoneRecord[], domain: string): ZonePolicies {
  const apex = canon(domain);
  const txt = (name: string, v: RegExp) => zone.find((r) => r.name === name && r.type === "TXT" && v.test(r.value))?.value;
  const dmarc = txt(`_dmarc.${apex}`, /^\s*v\s*=\s*DMARC1/i);
  const tls = txt(`_smtp._tls.${apex}`, /^\s*v\s*=\s*TLSRPTv1/i);
  const bimi = txt(`default._bimi.${apex}`, /^\s*v\s*=\s*BIMI1/i);
  const sts = txt(`_mta-sts.${apex}`, /^\s*v\s*=\s*STSv1/i);
  const bimiTags = bimi ? tags(bimi) : undefined;
  return {
    ...(dmarc && parseDmarc(dmarc) ? { dmarc: parseDmarc(dmarc) } : {}),
    ...(tls ? { tlsRpt: (tags(tls).get("rua") ?? "").split(",").map((u) => u.trim()).filter(Boolean) } : {}),
    ...(bimiTags ? { bimi: { ...(bimiTags.get("l") ? { logo: bimiTags.get("l") } : {}), ...(bimiTags.get("a") ? { authority: bimiTags.get("a") } : {}) } } : {}),
    ...(sts ? { mtaSts: { id: tags(sts).get("id") ?? "", record: sts } } : {}),
    otherMx: zone
      .filter((r) => r.name === apex && r.type === "MX")
      .map((r) => r.value.trim().split(/\s+/).pop()!.replace(/\.$/, "").toLowerCase())
      .filter((h) => !SES_MX.test(h)),
  };
}

const stronger = (a: Policy, b: Policy): Policy => (STRENGTH[a] >= STRENGTH[b] ? a : b);
const union = (a: readonly string[] | undefined, b: readonly string[]): string[] => [...new Set([...(a ?? []).map(canon), ...b])];

/**
 * The domain as it will be with the zone's protection kept: the stronger DMARC policy (and sp) of org and
 * zone, the report addresses of both, strict alignment where either is strict, the zone's fo, TLS-RPT URIs
 * and BIMI logo, and receive: false while another provider's MX is live.
 */
export function domainWithPolicies(domain: Domain, z: ZonePolicies, opts: { readonly receiveSet?: boolean } = {}): Domain {
  let out: Domain = domain;
  if (z.dmarc) {
    const o = domain.dmarc ?? {};
    const policy = stronger(o.policy ?? "quarantine", z.dmarc.policy);
    const fromZone = STRENGTH[z.dmarc.policy] > STRENGTH[o.policy ?? "quarantine"];
    const pct = fromZone ? z.dmarc.pct ?? 100 : z.dmarc.policy === policy ? Math.max(o.pct ?? 100, z.dmarc.pct ?? 100) : o.pct ?? 100;
    const sp = z.dmarc.sp || o.sp ? stronger(o.sp ?? policy, z.dmarc.sp ?? policy) : undefined;
    const strict = (k: "adkim" | "aspf") => (o[k] === "s" || z.dmarc![k] === "s" ? "s" : o[k] ?? z.dmarc![k]);
    // Only what the schema takes: an address it refuses stays out, and weakerThanZone names it.
    const rua = union(o.rua, z.dmarc.rua.filter((a) => ADDRESS.test(a)));
    const ruf = union(o.ruf, z.dmarc.ruf.filter((a) => ADDRESS.test(a)));
    out = {
      ...out,
      dmarc: {
        ...o,
        policy,
        ...(pct !== 100 || o.pct !== undefined ? { pct } : {}),
        ...(sp && sp !== policy ? { sp } : { sp: undefined }),
        ...(strict("adkim") ? { adkim: strict("adkim") } : {}),
        ...(strict("aspf") ? { aspf: strict("aspf") } : {}),
        ...(o.fo ?? z.dmarc.fo ? { fo: o.fo ?? z.dmarc.fo } : {}),
        ...(rua.length ? { rua } : {}),
        ...(ruf.length ? { ruf } : {}),
      },
    };
    out = { ...out, dmarc: Object.fromEntries(Object.entries(out.dmarc!).filter(([, v]) => v !== undefined)) };
  }
  const tls = (z.tlsRpt ?? []).filter((u) => TLS_RPT_URI.test(u));
  if (tls.length) out = { ...out, tls_rpt: [...new Set([...(domain.tls_rpt ?? []), ...tls])] as [string, ...string[]] };
  if (z.bimi?.logo && !domain.bimi_logo_url) out = { ...out, bimi_logo_url: z.bimi.logo };
  // An org that says receive: true itself is switching the MX: the import leaves that alone.
  if (z.otherMx.length && domain.receive !== false && !opts.receiveSet) out = { ...out, receive: false };
  return out;
}

/**
 * What the org would publish for the domain that is weaker than the zone's records: a lower DMARC policy,
 * pct or sp, relaxed alignment where the zone is strict, a report address or URI left out, a BIMI tag left
 * out. Empty when nothing weakens.
 */
export function weakerThanZone(after: Domain, z: ZonePolicies): string[] {
  const out: string[] = [];
  const d = after.dmarc ?? {};
  if (z.dmarc) {
    const policy = d.policy ?? "quarantine";
    if (STRENGTH[policy] < STRENGTH[z.dmarc.policy]) out.push(`DMARC p=${policy} where the zone has p=${z.dmarc.policy}`);
    if (policy === z.dmarc.policy && (d.pct ?? 100) < (z.dmarc.pct ?? 100)) out.push(`DMARC pct=${d.pct ?? 100} where the zone has pct=${z.dmarc.pct ?? 100}`);
    const sp = d.sp ?? policy;
    const zsp = z.dmarc.sp ?? z.dmarc.policy;
    if (STRENGTH[sp] < STRENGTH[zsp]) out.push(`DMARC sp=${sp} where the zone has sp=${zsp}`);
    for (const k of ["adkim", "aspf"] as const) if (z.dmarc[k] === "s" && d[k] !== "s") out.push(`DMARC ${k}=r where the zone has ${k}=s`);
    for (const k of ["rua", "ruf"] as const) {
      const have = new Set((d[k] ?? []).map(canon));
      for (const a of z.dmarc[k]) if (!have.has(a)) out.push(`DMARC ${k} without mailto:${a}, which the zone has`);
    }
    if (z.dmarc.fo && z.dmarc.fo !== "0" && !d.fo) out.push(`DMARC without fo=${z.dmarc.fo}, which the zone has`);
    for (const u of z.dmarc.unkept) if (!/^(ri|rf)=/.test(u)) out.push(`DMARC ${u}: the org can only publish mailto: report addresses`);
  }
  const tls = after.tls_rpt ?? d.rua?.map((a) => `mailto:${canon(a)}`) ?? [];
  for (const u of z.tlsRpt ?? []) if (!tls.includes(u)) out.push(`TLS-RPT without ${u}, which the zone has`);
  if (z.bimi?.logo && after.bimi_logo_url !== z.bimi.logo) out.push(`BIMI logo ${after.bimi_logo_url ?? "(none)"} where the zone has ${z.bimi.logo}`);
  if (z.bimi?.authority) out.push(`BIMI a=${z.bimi.authority} (the mark certificate): the org publishes no a= tag yet; keep the BIMI record at your DNS host, or leave bimi_logo_url out`);
  return out;
}

/**
 * Writes the zone's protection into the org's entry for the domain (the result of domainWithPolicies),
 * keeping comments. Returns the fields it set, e.g. ["dmarc.policy", "tls_rpt", "receive"].
 */
export function writePolicies(dir: string, domainName: string, before: Domain, after: Domain): string[] {
  const docs = orgDocuments(dir);
  const found = findItem(docs, "domains", "name", domainName);
  if (!found) throw new Error(`domain ${domainName} is not in the org`);
  const { d, item } = found;
  const changed: string[] = [];
  const a = (after.dmarc ?? {}) as Record<string, unknown>;
  const b = (before.dmarc ?? {}) as Record<string, unknown>;
  for (const key of ["policy", "sp", "pct", "adkim", "aspf", "fo"]) {
    const dflt: Record<string, unknown> = { pct: 100, policy: "quarantine" };
    // The merge only ever strengthens: a value it leaves out is the default, or one the org already has.
    if (a[key] === undefined || (a[key] ?? dflt[key]) === (b[key] ?? dflt[key])) continue;
    if (!isMap(item.get("dmarc", true))) item.set("dmarc", d.doc.createNode({}, { flow: true }));
    item.setIn(["dmarc", key], a[key]);
    changed.push(`dmarc.${key}`);
  }
  for (const key of ["rua", "ruf"] as const) {
    if (!isMap(item.get("dmarc", true)) && after.dmarc?.[key]?.length) item.set("dmarc", d.doc.createNode({}, { flow: true }));
    if (addToList(d.doc, item, ["dmarc", key], after.dmarc?.[key] ?? []).length) changed.push(`dmarc.${key}`);
  }
  if (addToList(d.doc, item, ["tls_rpt"], after.tls_rpt ?? []).length) changed.push("tls_rpt");
  if (after.bimi_logo_url !== before.bimi_logo_url && after.bimi_logo_url) {
    item.set("bimi_logo_url", after.bimi_logo_url);
    changed.push("bimi_logo_url");
  }
  if (after.receive === false && before.receive !== false) {
    item.set("receive", false);
    changed.push("receive");
  }
  if (changed.length) saveDocument(d);
  return changed;
}

/** Whether the org's entry for the domain says `receive` itself (true or false), rather than taking the default. */
export function receiveSet(dir: string, domainName: string): boolean {
  return findItem(orgDocuments(dir), "domains", "name", domainName)?.item.has("receive") ?? false;
}
