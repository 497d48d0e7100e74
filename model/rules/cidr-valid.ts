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
  summary: "IP ranges and the IP entries of inbound lists are valid IPv4/IPv6 addresses or CIDRs",
  explanation:
    "IP ranges become IAM aws:SourceIp conditions and SES receipt filters; AWS rejects malformed CIDRs at " +
    "apply time, and a CIDR with host bits set usually hides a typo. Inbound list entries must each be a " +
    "domain, an address, or an IP/CIDR.",
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
    return out;
  },
};
