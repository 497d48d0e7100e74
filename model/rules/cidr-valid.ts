import { pointer } from "../pointer.ts";
import { hasHostBits, looksLikeIp, networkOf, parseCidr } from "../ip.ts";
import type { Finding, Rule } from "./types.ts";

const SENDER = /^(?:[A-Za-z0-9._%+-]+@)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

function checkIp(entry: string, at: string, what: string, out: Finding[]): void {
  const c = parseCidr(entry);
  if (!c) {
    out.push({ pointer: at, message: `${what} has '${entry}', which is not a valid IPv4/IPv6 address or CIDR (e.g. 192.0.2.0/24, 2001:db8::/32)` });
  } else if (hasHostBits(c)) {
    out.push({ pointer: at, message: `${what} has '${entry}', a CIDR with host bits set; write the network ${networkOf(c)}` });
  }
}

export const rule: Rule = {
  id: "cidr-valid",
  summary: "IP ranges, the IP entries of inbound lists and a domain's SPF ip4/ip6 are valid addresses or CIDRs of their family",
  explanation:
    "IP ranges become IAM aws:SourceIp conditions and SES receipt filters; AWS rejects malformed CIDRs at " +
    "apply time, and a CIDR with host bits set usually hides a typo. Inbound list entries must each be a " +
    "domain, an address, or an IP/CIDR. A domain's spf.ip4 holds IPv4 and spf.ip6 IPv6 entries only, as SPF's " +
    "ip4: and ip6: mechanisms do.",
  check({ org }) {
    const out: Finding[] = [];
    for (const [name, list] of Object.entries(org.ip_ranges)) {
      list.forEach((entry, i) => checkIp(entry, pointer("ip_ranges", name, i), `ip range ${name}`, out));
    }
    for (const key of ["blocked", "allowed"] as const) {
      (org.inbound[key] ?? []).forEach((entry, i) => {
        const at = pointer("inbound", key, i);
        if (looksLikeIp(entry)) checkIp(entry, at, `inbound.${key}`, out);
        else if (!SENDER.test(entry)) {
          out.push({ pointer: at, message: `inbound.${key} has '${entry}', which is neither a domain, an address nor an IP/CIDR` });
        }
      });
    }
    org.domains.forEach((d, i) => {
      for (const [key, family] of [["ip4", 4], ["ip6", 6]] as const) {
        (d.spf?.[key] ?? []).forEach((entry, j) => {
          const at = pointer("domains", i, "spf", key, j);
          const c = parseCidr(entry);
          if (c && c.family !== family) out.push({ pointer: at, message: `spf.${key} of ${d.name} has '${entry}', an IPv${c.family} entry; list it under spf.ip${c.family}` });
          else checkIp(entry, at, `spf.${key} of ${d.name}`, out);
        });
      }
    });
    return out;
  },
};
