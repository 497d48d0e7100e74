/**
 * The router's decision, as a pure function of the routing table and one message: used by the Lambda
 * handler (handler.ts) and by `mailorg route`. No AWS, no I/O.
 */
import type { RoutingTable } from "../../model/views/routing.ts";
import { cidrContains, parseCidr } from "../../model/views/ip.ts";

export type Verdict = "PASS" | "FAIL" | "GRAY" | "PROCESSING_FAILED" | "DISABLED";

export interface InboundMessage {
  /** The From header address (what DMARC aligns); used for sender lists and group permissions. */
  readonly from: string;
  /** Envelope recipients this invocation is for (SES receipt.recipients). Never the To/Cc headers. */
  readonly recipients: readonly string[];
  /** Connecting IP, when known (SES enforces IP blocks with receipt filters before the router runs). */
  readonly ip?: string;
  readonly spam?: Verdict;
  readonly virus?: Verdict;
  readonly dmarc?: Verdict;
  readonly sizeBytes?: number;
}

export interface Dropped {
  readonly recipient: string;
  readonly reason: string;
}

/** The `mailorg route` contract. */
export interface RouteDecision {
  readonly accepted: boolean;
  readonly rejected_reason: string | null;
  readonly deliveries: string[];
  readonly dropped: Dropped[];
  readonly backups: string[];
  readonly quarantined: boolean;
}

const lc = (s: string): string => s.toLowerCase();
const domainOf = (a: string): string => lc(a.slice(a.lastIndexOf("@") + 1));

/** A sender pattern matches an exact address, or a domain and its subdomains. */
export function senderMatches(sender: string, pattern: string): boolean {
  const s = lc(sender);
  const p = lc(pattern);
  if (p.includes("@")) return s === p;
  const d = domainOf(s);
  return d === p || d.endsWith(`.${p}`);
}

function ipIn(ip: string | undefined, cidrs: readonly string[]): boolean {
  if (!ip) return false;
  return cidrs.some((c) => {
    const parsed = parseCidr(c);
    return parsed !== undefined && cidrContains(parsed, ip);
  });
}

/** Whether SES's receipt filters refuse a connection from this IP (inbound.blocked CIDRs, unless in inbound.allowed). */
export function receiptFilterBlocks(table: RoutingTable, ip: string | undefined): boolean {
  return !ipIn(ip, table.allowedIps) && ipIn(ip, table.blockedIps);
}

/** Whether SES itself accepts a recipient at SMTP time (a receipt rule lists it, or a catch-all rule covers its domain). */
export function sesAccepts(table: RoutingTable, recipient: string): boolean {
  const r = lc(recipient);
  const receiving = table.receivingDomains.includes(domainOf(r));
  return receiving && (r in table.entries || table.catchAll !== null);
}

export function decide(table: RoutingTable, msg: InboundMessage): RouteDecision {
  const from = lc(msg.from);
  const recipients = [...new Set(msg.recipients.map(lc))];
  const none = (reason: string | null, dropped: Dropped[] = [], quarantined = false, accepted = true): RouteDecision => ({
    accepted,
    rejected_reason: reason,
    deliveries: [],
    dropped,
    backups: [],
    quarantined,
  });

  // SMTP time: receipt filters, then recipients no rule matches.
  if (receiptFilterBlocks(table, msg.ip)) return none(`sending IP ${msg.ip} is blocked by a receipt filter (inbound.blocked)`, [], false, false);
  const accepted = recipients.filter((r) => sesAccepts(table, r));
  const smtpDropped: Dropped[] = recipients
    .filter((r) => !accepted.includes(r))
    .map((r) => ({
      recipient: r,
      reason: table.receivingDomains.includes(domainOf(r)) ? "unknown recipient: rejected by SES at SMTP time (no catch_all)" : "not a receiving domain of the org: rejected by SES at SMTP time",
    }));
  if (accepted.length === 0) return none("no recipient is accepted by the receipt rules", smtpDropped, false, false);

  const allowedSender = table.allowedSenders.some((p) => senderMatches(from, p));
  const dropAll = (reason: string, quarantined = false): RouteDecision =>
    none(null, [...smtpDropped, ...accepted.map((r) => ({ recipient: r, reason }))], quarantined);

  if (msg.virus === "FAIL") return dropAll("virus detected: quarantined, never delivered", true);
  if (!allowedSender && table.blockedSenders.some((p) => senderMatches(from, p))) return dropAll(`sender ${from} is blocked by inbound.blocked`);
  if (msg.spam === "FAIL" && !allowedSender) return dropAll("spam verdict FAIL: quarantined", true);
  if (msg.sizeBytes !== undefined && msg.sizeBytes > table.maxMessageBytes) {
    return dropAll(`message of ${(msg.sizeBytes / 1048576).toFixed(1)} MB exceeds max_message_size_mb ${table.maxMessageBytes / 1048576}`);
  }

  // A sender claiming one of our domains counts as the organisation only when DMARC passed.
  const orgSender = table.orgDomains.includes(domainOf(from)) && msg.dmarc === "PASS";
  const deliveries = new Set<string>();
  const dropped: Dropped[] = [...smtpDropped];
  for (const r of accepted) {
    const entry = table.entries[r];
    let targets: readonly string[];
    if (!entry) {
      targets = [table.catchAll!];
    } else if (entry.kind === "group") {
      const s = entry.senders;
      const ok = s.mode === "anyone" || (s.mode === "organisation" ? orgSender : orgSender && s.allowed.includes(from));
      if (!ok) {
        dropped.push({
          recipient: r,
          reason:
            s.mode === "organisation"
              ? `group ${r} accepts mail from the organisation only; ${from} is not a verified org sender`
              : `${from} may not send to group ${r}${table.orgDomains.includes(domainOf(from)) && msg.dmarc !== "PASS" ? " (DMARC did not pass)" : ""}`,
        });
        continue;
      }
      targets = entry.deliver;
    } else {
      targets = entry.deliver;
    }
    for (const t of targets) {
      const blocks = table.personalBlocks[t] ?? [];
      if (blocks.some((p) => senderMatches(from, p))) dropped.push({ recipient: t, reason: `${t} blocks mail from ${from} (blocked_senders)` });
      else deliveries.add(t);
    }
  }

  const backups = new Set<string>();
  for (const b of table.backups) {
    const rcptOk = b.recipients.length === 0 || accepted.some((r) => b.recipients.includes(r));
    const senderOk = b.senders.length === 0 || b.senders.some((p) => senderMatches(from, p));
    if (rcptOk && senderOk && deliveries.size > 0) backups.add(b.to);
  }
  return {
    accepted: true,
    rejected_reason: null,
    deliveries: [...deliveries].sort(),
    dropped: dropped.sort((a, b) => (a.recipient < b.recipient ? -1 : a.recipient > b.recipient ? 1 : a.reason < b.reason ? -1 : 1)),
    backups: [...backups].sort(),
    quarantined: false,
  };
}
