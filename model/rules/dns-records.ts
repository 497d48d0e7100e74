import { pointer } from "../pointer.ts";
import { domainRecords, recordProblems } from "../../plan/dns.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "dns-records",
  summary: "each domain's mail records are publishable: one SPF record within 10 DNS lookups, TXT strings split at 255 characters",
  explanation:
    "Receivers treat an SPF record needing more than 10 DNS lookups, or two SPF records on one name, as a " +
    "permanent error, and a DNS TXT string holds at most 255 characters. mailorg writes one SPF record " +
    "(include:amazonses.com) per name and splits long TXT values; this rule checks the computed records.",
  check({ org }) {
    // All domains together: a MAIL FROM subdomain may be another declared domain's apex.
    const owner = new Map<string, number>();
    const all = org.domains.flatMap((d, i) =>
      domainRecords(org, d).map((r) => {
        if (!owner.has(r.name)) owner.set(r.name, i);
        return r;
      }),
    );
    const out: Finding[] = recordProblems(all).map((p) => ({
      pointer: pointer("domains", owner.get(p.name) ?? 0, "name"),
      message: p.message.charAt(0).toLowerCase() + p.message.slice(1),
    }));
    return out;
  },
};
