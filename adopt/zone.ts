/**
 * `mailorg import dns`: reads an existing BIND zone (dnsz), takes out what mailorg must keep (the apex TXT
 * values and the other senders of the apex SPF record), and says, for every existing record at a name
 * mailorg manages, what the first apply does to it. Pure: text in, data out; the CLI writes the org.
 */
import { parseZone } from "dnsz";
import { isMap } from "yaml";
import { canon, type Domain, type Org } from "../model/org.ts";
import { DKIM_PLACEHOLDERS, type DnsRecord } from "../plan/dns.ts";
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
