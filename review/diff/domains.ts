/** Domains (settings: DMARC, SPF, receiving, zones) and the DNS records the plan derives from them. */
import { canon, type Domain } from "../../model/org.ts";
import type { MailPlan } from "../../plan/plan.ts";
import { byKey, keys, list, ORG_WIDE, type DiffContext } from "./context.ts";

export const FIELDS = {
  domain: ["name", "hosted_zone_id", "receive", "mail_from", "dmarc", "bimi_logo_url", "spf", "txt"],
  dmarc: ["policy", "rua", "ruf", "pct"],
  spf: ["include", "ip4", "ip6", "all"],
} as const;

const DMARC_STRENGTH: Record<string, number> = { none: 0, quarantine: 1, reject: 2 };

export function diffDomains(ctx: DiffContext): void {
  const { base, head, add, field, rest } = ctx;
  const orgWide = ORG_WIDE;
  const bdm = byKey(base.org.domains, (d) => canon(d.name));
  const hdm = byKey(head.org.domains, (d) => canon(d.name));
  const dmarc = (d: Domain) => ({ policy: d.dmarc?.policy ?? "quarantine", pct: d.dmarc?.pct ?? 100, rua: list(d.dmarc?.rua), ruf: list(d.dmarc?.ruf) });
  for (const n of keys(bdm, hdm)) {
    const b = bdm.get(n);
    const h = hdm.get(n);
    if (!b && h) add({ section: "Domains", kind: "create", subject: n, before: null, after: { receive: h.receive !== false }, ...orgWide });
    else if (b && !h) add({ section: "Domains", kind: "delete", subject: n, before: { receive: b.receive !== false }, after: null, ...orgWide, reason: `domain ${n} is removed (its identity and DNS records would be deleted)` });
    if (!b || !h) continue;
    const x = dmarc(b);
    const y = dmarc(h);
    const weaker = DMARC_STRENGTH[y.policy]! < DMARC_STRENGTH[x.policy]! || (y.policy === x.policy && y.pct < x.pct);
    field("Domains", n, "dmarc", x, y, orgWide, weaker ? `DMARC of ${n} is weakened (p=${x.policy} pct=${x.pct} -> p=${y.policy} pct=${y.pct})` : undefined);
    rest("Domains", n, "dmarc.", b.dmarc, h.dmarc, FIELDS.dmarc, orgWide);
    // Who else may send as the domain (its SPF record) and the other apex TXT values kept beside it.
    const spf = (d: Domain) => ({ include: list(d.spf?.include), ip4: [...(d.spf?.ip4 ?? [])].sort(), ip6: [...(d.spf?.ip6 ?? [])].sort(), all: d.spf?.all ?? "softfail" });
    field("Domains", n, "spf", spf(b), spf(h), orgWide);
    rest("Domains", n, "spf.", b.spf, h.spf, FIELDS.spf, orgWide);
    field("Domains", n, "txt", [...(b.txt ?? [])].sort(), [...(h.txt ?? [])].sort(), orgWide);
    rest("Domains", n, "", b, h, FIELDS.domain, orgWide);
    const off = h.receive === false;
    field("Domains", n, "receive", b.receive !== false, h.receive !== false, orgWide, off ? `receive is turned off for ${n}: its MX record and receipt rules are removed, so mail to every address @${n} stops being delivered (point the MX at another provider first, then pass --allow-destructive)` : undefined);
    for (const f of ["mail_from", "hosted_zone_id", "bimi_logo_url"] as const) {
      const zoneLost = f === "hosted_zone_id" && b.hosted_zone_id !== undefined;
      field("Domains", n, f, b[f] ?? null, h[f] ?? null, orgWide,
        zoneLost
          ? `hosted_zone_id of ${n} is ${h.hosted_zone_id ? `changed from ${b.hosted_zone_id} to ${h.hosted_zone_id}` : `removed (was ${b.hosted_zone_id})`}: every mail record of ${n} in zone ${b.hosted_zone_id} (MX, SPF, DKIM, MAIL FROM, DMARC) is destroyed, which prevent_destroy does not stop for a removed block, and mail to and from ${n} fails until they exist again (create the records elsewhere first, then pass --allow-destructive)`
          : undefined);
    }
  }
  const records = (plan: MailPlan) => new Map(plan.domains.flatMap((d) => d.records).map((r) => [`${r.name} ${r.type}`, r.values]));
  const br = records(ctx.basePlan);
  const hr = records(ctx.headPlan);
  for (const k of keys(br, hr)) {
    const b = br.get(k);
    const h = hr.get(k);
    if (!b || !h) add({ section: "DNS", kind: b ? "delete" : "create", subject: k, before: b ?? null, after: h ?? null, ...orgWide });
    else field("DNS", k, "values", b, h, orgWide);
  }
}
