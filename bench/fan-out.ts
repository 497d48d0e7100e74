/** A routing table with one group, all@example.com, of n members open to anyone: the router's largest fan-out (benchmark and tests). */
import type { RoutingTable } from "../plan/routing.ts";

export function fanOutTable(n: number): RoutingTable {
  const members = Array.from({ length: n }, (_, i) => `m${String(i).padStart(5, "0")}@example.com`);
  const entries: Record<string, RoutingTable["entries"][string]> = { "all@example.com": { kind: "group", deliver: members, senders: { mode: "anyone" } } };
  for (const m of members) entries[m] = { kind: "member", deliver: [m] };
  return {
    version: 1,
    receivingDomains: ["example.com"],
    orgDomains: ["example.com"],
    ownDmarc: { "example.com": "quarantine" },
    catchAll: null,
    maxMessageBytes: 40 * 1048576,
    entries,
    personalBlocks: {},
    blockedSenders: [],
    allowedSenders: [],
    blockedIps: [],
    allowedIps: [],
    backups: [],
    forwards: {},
    relay: null,
  };
}
