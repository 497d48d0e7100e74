/** IPv4/IPv6 address and CIDR parsing on node:net, shared by rules, the IAM evaluator and the router. */
import { isIP } from "node:net";

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

/** The address as a bigint. */
export function ipToBigInt(address: string): bigint {
  if (isIP(address) === 4) return address.split(".").reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
  // IPv6, possibly with an embedded IPv4 tail and '::'.
  let text = address;
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const n = ipToBigInt(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + ((n >> 16n).toString(16) + ":" + (n & 0xffffn).toString(16));
  }
  const [head, tail] = text.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bigIntToIp(n: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join(".");
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run (2 or more) of zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

/** The network address of a CIDR with its host bits cleared, as "addr/prefix". */
export function networkOf(c: Cidr): string {
  const bits = BigInt(c.family === 4 ? 32 : 128);
  const mask = ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(c.prefix))) - 1n);
  return `${bigIntToIp(ipToBigInt(c.address) & mask, c.family)}/${c.prefix}`;
}

/** Whether the CIDR has host bits set (e.g. 192.0.2.1/24). */
export function hasHostBits(c: Cidr): boolean {
  const bits = BigInt(c.family === 4 ? 32 : 128);
  const hostMask = (1n << (bits - BigInt(c.prefix))) - 1n;
  return (ipToBigInt(c.address) & hostMask) !== 0n;
}

/** Whether an IP address lies in a CIDR. */
export function cidrContains(c: Cidr, ip: string): boolean {
  const family = isIP(ip);
  if (family !== c.family) return false;
  const bits = BigInt(family === 4 ? 32 : 128);
  const shift = bits - BigInt(c.prefix);
  return ipToBigInt(ip) >> shift === ipToBigInt(c.address) >> shift;
}

/** Whether an inbound list entry looks like an IP or CIDR (rather than a domain or address). */
export function looksLikeIp(entry: string): boolean {
  return /^[0-9a-fA-F:.]+(\/\d+)?$/.test(entry) && (entry.includes(":") || /^\d+\.\d+\.\d+\.\d+/.test(entry));
}
