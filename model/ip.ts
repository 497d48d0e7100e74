/**
 * IPv4/IPv6 addresses and CIDRs for the rules, the plan and the IAM evaluator: node:net decides what is a
 * valid address (strict dotted quads, no octal or short forms), ipaddr.js does the arithmetic.
 */
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export interface Cidr {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefix: number;
}

/** Parses "192.0.2.0/24", "2001:db8::/32" or a bare address (as /32 or /128); undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.split("/");
  if (addr === undefined || extra !== undefined) return undefined;
  const family = isIP(addr);
  if (family !== 4 && family !== 6) return undefined;
  const max = family === 4 ? 32 : 128;
  if (len === undefined) return { family, address: addr, prefix: max };
  if (!/^\d{1,3}$/.test(len) || Number(len) > max) return undefined;
  return { family, address: addr, prefix: Number(len) };
}

/** The network address of a CIDR with its host bits cleared, as "addr/prefix" (IPv6 in RFC 5952 form). */
export function networkOf(c: Cidr): string {
  const net = c.family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(`${c.address}/${c.prefix}`) : ipaddr.IPv6.networkAddressFromCIDR(`${c.address}/${c.prefix}`);
  return `${net.toString()}/${c.prefix}`;
}

/** Whether the CIDR has host bits set (e.g. 192.0.2.1/24). */
export function hasHostBits(c: Cidr): boolean {
  return networkOf(c) !== `${ipaddr.parse(c.address).toString()}/${c.prefix}`;
}

/** Whether an IP address lies in a CIDR. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) counts as IPv4. */
export function cidrContains(c: Cidr, ip: string): boolean {
  if (!isIP(ip)) return false;
  const addr = ipaddr.process(ip);
  const range = ipaddr.parse(c.address);
  return addr.kind() === range.kind() && addr.match(range, c.prefix);
}

/** Whether an inbound list entry looks like an IP or CIDR (rather than a domain or address). */
export function looksLikeIp(entry: string): boolean {
  return /^[0-9a-fA-F:.]+(\/\d+)?$/.test(entry) && (entry.includes(":") || /^\d+\.\d+\.\d+\.\d+/.test(entry));
}
