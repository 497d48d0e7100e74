import { canon } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

/** The org domain with a hosted zone that contains a host name (the longest, when domains nest); undefined when none does. */
export function mailboxHostZone<D extends { readonly name: string; readonly hosted_zone_id?: string }>(domains: readonly D[], hostname: string): D | undefined {
  const host = canon(hostname);
  return domains
    .filter((d) => d.hosted_zone_id !== undefined && host.endsWith(`.${canon(d.name)}`))
    .sort((a, b) => b.name.length - a.name.length)[0];
}

export const rule: Rule = {
  id: "mailbox-host-zone",
  summary: "mailbox_host.hostname lies inside an org domain that has a hosted_zone_id",
  explanation:
    "The mailbox host's A record, the RFC 6186 SRV records (_imaps._tcp, _submission._tcp) and certbot's " +
    "_acme-challenge TXT record are written into the Route 53 zone of the domain holding the host name, and the " +
    "host's role may change only that challenge record. A name outside the org's domains, the apex itself, or a " +
    "domain without hosted_zone_id leaves nowhere to write them: name a host such as mail.<domain> in a domain with a zone.",
  check({ org }) {
    const host = org.organisation.mailbox_host;
    if (!host) return [];
    const out: Finding[] = [];
    if (!mailboxHostZone(org.domains, host.hostname)) {
      const zoned = org.domains.filter((d) => d.hosted_zone_id).map((d) => canon(d.name));
      out.push({
        pointer: pointer("organisation", "mailbox_host", "hostname"),
        message: `mailbox_host.hostname is ${host.hostname}, which is not below a domain with a hosted_zone_id; ${zoned.length ? `name a host below ${zoned.join(", ")}` : "give one of the org's domains a hosted_zone_id"}`,
      });
    }
    return out;
  },
};
