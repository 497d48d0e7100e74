/**
 * The router's decision, as a pure function of the routing table and one message: used by the Lambda
 * handler (handler.ts) and by `mailorg route`. No AWS, no I/O.
 */
import { isIP } from "node:net";
import { cidrContains, parseCidr, type DmarcPolicy, type GroupSenders, type RouteEntry, type RoutingTable } from "../../plan/contract.ts";

export type Verdict = "PASS" | "FAIL" | "GRAY" | "PROCESSING_FAILED" | "DISABLED";

export interface InboundMessage {
  /** The From header address (what DMARC aligns); used for sender lists and group permissions. */
  readonly from: string;
  /** Envelope recipients this invocation is for (SES receipt.recipients). Never the To/Cc headers. */
  readonly recipients: readonly string[];
  /**
   * The TCP peer's IP, when known (SES enforces IP blocks with receipt filters before the router runs). Only
   * the peer counts: the handler takes it from the Received header SES itself added (connectingIp), never
   * from headers the sender wrote.
   */
  readonly ip?: string;
  readonly spam?: Verdict;
  readonly virus?: Verdict;
  readonly dmarc?: Verdict;
  /** The From domain's published DMARC policy, as SES reports it when DMARC fails (receipt.dmarcPolicy). */
  readonly dmarcPolicy?: DmarcPolicy;
  /** Every author in the From header (authorOf); default [from]. Any of them in an org domain makes the org's DMARC policy apply. */
  readonly authors?: readonly string[];
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
  /** Spam, virus or a DMARC reject: kept under quarantine/ in the store, delivered to no one. */
  readonly quarantined: boolean;
  /** Why every delivery goes to the member's Junk (DMARC failed under p=quarantine), or null. */
  readonly junk: string | null;
}

const lc = (s: string): string => s.toLowerCase();
const domainOf = (a: string): string => lc(a.slice(a.lastIndexOf("@") + 1));

/** Whether a group's sender rule admits `from` (orgSender: the sender claims one of our domains and DMARC passed). */
export function admits(s: GroupSenders, from: string, orgSender: boolean): boolean {
  return s.mode === "anyone" || (s.mode === "organisation" ? orgSender : orgSender && s.allowed.includes(from));
}

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
  return receiving && (Object.hasOwn(table.entries, r) || table.catchAll !== null);
}

/**
 * The routing entry for an envelope recipient, case-insensitively: the address itself, or for `user+tag@domain`
 * (plus addressing) the entry of `user@domain` when that is a member, alias, departed member or mailbox and
 * `user+tag` is not itself declared. Groups are not reached by plus addressing, so a `+tag` cannot route
 * around a group's sender list. SES lists only exact addresses in receipt rules, so a `+tag` address reaches
 * the router through the domain-wide rule, which exists when catch_all is set.
 */
export function lookupRecipient(table: RoutingTable, recipient: string): { address: string; entry: RouteEntry } | undefined {
  const r = lc(recipient);
  if (Object.hasOwn(table.entries, r)) return { address: r, entry: table.entries[r]! };
  const at = r.lastIndexOf("@");
  const plus = r.indexOf("+");
  if (plus <= 0 || plus > at) return undefined;
  const base = r.slice(0, plus) + r.slice(at);
  const entry = Object.hasOwn(table.entries, base) ? table.entries[base] : undefined;
  return entry && entry.kind !== "group" ? { address: base, entry } : undefined;
}

/**
 * The author the router decides on, from the From header's addresses (message.ts parseAddresses): the first.
 * A message with several authors (several addresses, or several From fields) has no single RFC 5322.From
 * for DMARC to vouch for, so a PASS verdict is not trusted for it (it reads as GRAY).
 */
export function authorOf(authors: readonly string[], fallback: string, verdict: Verdict | undefined): { from: string; authors: string[]; dmarc: Verdict | undefined } {
  const distinct = [...new Set(authors.map(lc))];
  return { from: distinct[0] ?? lc(fallback), authors: distinct.length ? distinct : [lc(fallback)], dmarc: distinct.length > 1 && verdict === "PASS" ? "GRAY" : verdict };
}

/**
 * What DMARC asks of a message, as receivers honour it: nothing when DMARC did not fail (or no policy is
 * known), otherwise the policy the From domain publishes (SES reports it as receipt.dmarcPolicy). For the
 * org's own domains (and their subdomains) the router does not depend on that report: it applies the
 * org's own policy, at least quarantine, whenever the verdict is anything but PASS and any author
 * (`authors`, default the From address) claims one of them.
 */
export function dmarcDisposition(table: RoutingTable, from: string, verdict: Verdict | undefined, published: DmarcPolicy | undefined, authors: readonly string[] = [from]): { policy: "quarantine" | "reject"; reason: string } | null {
  const ownOf = (a: string) => {
    const domain = domainOf(a);
    const own = table.orgDomains.find((d) => domain === d || domain.endsWith(`.${d}`));
    return own === undefined ? undefined : { own, domain };
  };
  const claimed = authors.map(ownOf).find((x) => x !== undefined);
  const domain = claimed?.domain ?? domainOf(from);
  const own = claimed?.own;
  if (own !== undefined && verdict !== undefined && verdict !== "PASS") {
    const policy = table.ownDmarc?.[own] === "reject" ? "reject" : "quarantine";
    return { policy, reason: `DMARC ${verdict} for ${domain}, an organisation domain (policy ${policy})` };
  }
  if (verdict !== "FAIL" || published === undefined || published === "none") return null;
  return { policy: published, reason: `DMARC FAIL for ${domain}, which publishes p=${published}` };
}

/**
 * The TCP peer of the SMTP session, from the topmost Received header, which SES's inbound endpoint adds
 * itself ("from host (host [203.0.113.5]) by inbound-smtp.<region>.amazonaws.com ..."). Undefined when that
 * header is missing or was not written by SES: headers below it are the sender's and prove nothing.
 */
export function connectingIp(headers: readonly { readonly name: string; readonly value: string }[]): string | undefined {
  const top = headers.find((h) => h.name.toLowerCase() === "received");
  if (!top || !/\bby inbound-smtp\.[a-z0-9-]+\.amazonaws\.com\b/i.test(top.value)) return undefined;
  const from = top.value.split(/\bby\b/i)[0]!;
  const m = /\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]/.exec(from);
  return m && isIP(m[1]!) !== 0 ? m[1]!.toLowerCase() : undefined;
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
    junk: null,
  });

  // SMTP time: receipt filters, then recipients no rule matches.
  const ipAllowed = ipIn(msg.ip, table.allowedIps);
  if (receiptFilterBlocks(table, msg.ip)) return none(`sending IP ${msg.ip} is blocked by a receipt filter (inbound.blocked)`, [], false, false);
  const accepted = recipients.filter((r) => sesAccepts(table, r));
  const smtpDropped: Dropped[] = recipients
    .filter((r) => !accepted.includes(r))
    .map((r) => ({
      recipient: r,
      reason: table.receivingDomains.includes(domainOf(r)) ? "unknown recipient: rejected by SES at SMTP time (no catch_all)" : "not a receiving domain of the org: rejected by SES at SMTP time",
    }));
  if (accepted.length === 0) return none("no recipient is accepted by the receipt rules", smtpDropped, false, false);

  // inbound.allowed: an IP range matches the TCP peer, which cannot be forged; a sender address or domain
  // matches the From header, which can, so it counts only when SES's DMARC verdict passed.
  const allowedSender = ipAllowed || (msg.dmarc === "PASS" && table.allowedSenders.some((p) => senderMatches(from, p)));
  const dropAll = (reason: string, quarantined = false): RouteDecision =>
    none(null, [...smtpDropped, ...accepted.map((r) => ({ recipient: r, reason }))], quarantined);

  if (msg.virus === "FAIL") return dropAll("virus detected: quarantined, never delivered", true);
  const dmarc = allowedSender ? null : dmarcDisposition(table, from, msg.dmarc, msg.dmarcPolicy, msg.authors ?? [from]);
  if (dmarc?.policy === "reject") {
    return none(`${dmarc.reason}: refused (kept under quarantine/, delivered to no one)`, [...smtpDropped, ...accepted.map((r) => ({ recipient: r, reason: `${dmarc.reason}: refused` }))], true, false);
  }
  if (!allowedSender && table.blockedSenders.some((p) => senderMatches(from, p))) return dropAll(`sender ${from} is blocked by inbound.blocked`);
  if (msg.spam === "FAIL" && !allowedSender) return dropAll("spam verdict FAIL: quarantined", true);
  if (msg.sizeBytes !== undefined && msg.sizeBytes > table.maxMessageBytes) {
    return dropAll(`message of ${(msg.sizeBytes / 1048576).toFixed(1)} MB exceeds max_message_size_mb ${table.maxMessageBytes / 1048576}`);
  }

  // A sender claiming one of our domains counts as the organisation only when DMARC passed.
  const orgSender = table.orgDomains.includes(domainOf(from)) && msg.dmarc === "PASS";
  const deliveries = new Set<string>();
  /** Every address a delivered copy answered to: the envelope recipient and the final mailbox (for backups). */
  const deliveredAs = new Set<string>();
  const dropped: Dropped[] = [...smtpDropped];
  for (const r of accepted) {
    const found = lookupRecipient(table, r);
    const entry = found?.entry;
    let targets: readonly string[];
    if (!entry) {
      targets = [table.catchAll!];
    } else if (entry.kind === "group") {
      const s = entry.senders;
      if (!admits(s, from, orgSender)) {
        dropped.push({
          recipient: r,
          reason:
            s.mode === "organisation"
              ? `group ${r} accepts mail from the organisation only; ${from} is not a verified org sender`
              : `${from} may not send to group ${r}${table.orgDomains.includes(domainOf(from)) && msg.dmarc !== "PASS" ? " (DMARC did not pass)" : ""}`,
        });
        continue;
      }
      // A restricted group reached through this one keeps its own sender rules (the plan's gated sets).
      const gated = entry.gated ?? {};
      const inner = (g: string): boolean => {
        const e = Object.hasOwn(table.entries, g) ? table.entries[g] : undefined;
        return e?.kind === "group" && admits(e.senders, from, orgSender);
      };
      targets = entry.deliver.filter((t) => {
        const ways = Object.hasOwn(gated, t) ? gated[t]! : undefined;
        if (!ways || ways.some((w) => w.every(inner))) return true;
        dropped.push({ recipient: t, reason: `${from} may not send to group ${ways[0]!.find((g) => !inner(g))}, through which ${r} reaches ${t}` });
        return false;
      });
      if (entry.deliver.length === 0) {
        // Every member has departed (or the group's departments are empty): say where the mail goes.
        targets = table.catchAll ? [table.catchAll] : [];
        dropped.push({ recipient: r, reason: `group ${r} has no active recipients${table.catchAll ? `: delivered to the catch-all ${table.catchAll} instead` : ": nothing is delivered (add members, or set catch_all)"}` });
      }
    } else {
      targets = entry.deliver;
    }
    for (const t of targets) {
      const blocks = Object.hasOwn(table.personalBlocks, t) ? table.personalBlocks[t]! : [];
      if (blocks.some((p) => senderMatches(from, p))) dropped.push({ recipient: t, reason: `${t} blocks mail from ${from} (blocked_senders)` });
      else {
        deliveries.add(t);
        deliveredAs.add(r).add(found?.address ?? r).add(t);
      }
    }
  }

  // A backup copies mail actually delivered to a matching recipient: the envelope address it was sent to, or
  // the final mailbox (so members reached through a group are covered); never mail refused for them.
  const backups = new Set<string>();
  for (const b of table.backups) {
    const rcptOk = b.recipients.length === 0 ? deliveries.size > 0 : b.recipients.some((x) => deliveredAs.has(x));
    const senderOk = b.senders.length === 0 || b.senders.some((p) => senderMatches(from, p));
    if (rcptOk && senderOk) backups.add(b.to);
  }
  return {
    accepted: true,
    rejected_reason: null,
    deliveries: [...deliveries].sort(),
    dropped: dropped.sort((a, b) => (a.recipient < b.recipient ? -1 : a.recipient > b.recipient ? 1 : a.reason < b.reason ? -1 : 1)),
    backups: [...backups].sort(),
    quarantined: false,
    junk: dmarc ? `${dmarc.reason}: delivered to Junk` : null,
  };
}
