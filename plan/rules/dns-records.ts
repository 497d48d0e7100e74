import { pointer } from "../../model/pointer.ts";
import { canon } from "../../model/org.ts";
import type { Finding } from "../../model/rules/types.ts";
import { recordProblems } from "../dns.ts";
import type { PlanRule } from "./types.ts";

export const rule: PlanRule = {
  id: "dns-records",
  summary: "each domain's mail records are publishable: one SPF record per name, TXT strings split at 255 characters; a warning past 10 SPF lookups",
  explanation:
    "Receivers treat an SPF record needing more than 10 DNS lookups, or two SPF records on one name, as a " +
    "permanent error, and a DNS TXT string holds at most 255 characters. mailorg writes one SPF record per " +
    "name (include:amazonses.com and the domain's spf senders) and splits long TXT values; this rule checks " +
    "the computed records. The lookup count is a warning: it counts the record's own terms, and what each " +
    "include needs in turn is only known from DNS.",
  check({ org, plan }) {
    // All domains together: a MAIL FROM subdomain may be another declared domain's apex.
    const position = new Map(org.domains.map((d, i) => [canon(d.name), i]));
    const owner = new Map<string, number>();
    // In file order, so a clash is reported at the domain declared first.
    const inFileOrder = [...plan.domains].sort((a, b) => position.get(a.name)! - position.get(b.name)!);
    const all = inFileOrder.flatMap((d) =>
      d.records.map((r) => {
        if (!owner.has(r.name)) owner.set(r.name, position.get(d.name)!);
        return r;
      }),
    );
    const out: Finding[] = recordProblems(all).map((p) => ({
      pointer: pointer("domains", owner.get(p.name) ?? 0, "name"),
      // Lowercase the first word, not an acronym (SPF, TXT).
      message: /^[A-Z][a-z]/.test(p.message) ? p.message.charAt(0).toLowerCase() + p.message.slice(1) : p.message,
      severity: p.severity,
    }));
    return out;
  },
};
