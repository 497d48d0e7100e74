/**
 * The routing table: everything the router Lambda needs to deliver a message, computed once from the
 * Org at synth time and shipped inside the Lambda asset; `mailorg route` feeds the same table to the same
 * pure function (runtime/router/core.ts). Plain JSON, sorted, deterministic.
 */
import { canon, domainOf, groupSenders, memberStatus, type Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { looksLikeIp } from "../model/ip.ts";
import type { AlsoRoute, ForwardRoute, GroupSenders, RelayRoute, RouteEntry, RoutingTable } from "./contract.ts";
import { MAILHOST_RELAY_PORT, relaySecretName } from "./mailhost.ts";
import { orgSlug } from "./naming.ts";

export type { BackupRoute, ForwardRoute, GroupSenders, RelayRoute, RouteEntry, RoutingTable } from "./contract.ts";

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();
/** The record with its keys in sorted order: the table's JSON, and so the router's asset, must not depend on the order of the YAML. */
const sortedKeys = <T>(r: Readonly<Record<string, T>>): Record<string, T> => Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));

/** The From addresses a set of references stands for: each member's address and aliases, mailboxes. */
function senderAddresses(index: OrgIndex, refs: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of index.expand(refs)) {
    out.push(a);
    const m = index.members.get(a);
    if (m) for (const alias of m.aliases ?? []) out.push(canon(alias));
  }
  return sorted(out);
}

const tables = new WeakMap<Org, RoutingTable>();

/** The routing table of an org; computed once per Org object (validation and synthesis share it). */
export function buildRoutingTable(org: Org, index: OrgIndex): RoutingTable {
  let table = tables.get(org);
  if (!table) {
    table = computeRoutingTable(org, index);
    tables.set(org, table);
  }
  return table;
}

/**
 * The recipients of a group reached only through nested groups that limit their senders (not `anyone`), with
 * the sets of such groups on each way they are reached; a recipient with one way through no such group is
 * left out. Minimal sets only (a way through {a} makes {a, b} redundant), sorted. Cycle-safe.
 */
export function gates(index: OrgIndex, g: Org["groups"][number]): Record<string, string[][]> {
  // Every way through no limiting group (the common case: a group of departments and people) gates no one.
  if (!reachesLimitedGroup(index, g)) return {};
  const ways = new Map<string, Set<string>>();
  const visit = (ref: string, through: readonly string[], onPath: ReadonlySet<string>): void => {
    const r = index.resolve(ref);
    if (!r) return;
    if (r.kind !== "group") {
      const way = JSON.stringify([...through].sort()); // once per reference, not per address (a department holds thousands)
      for (const a of index.expand([ref])) {
        const set = ways.get(a);
        if (set) set.add(way);
        else ways.set(a, new Set([way]));
      }
      return;
    }
    if (onPath.has(r.address)) return;
    const limited = groupSenders(r.group).mode !== "anyone";
    const next = limited && !through.includes(r.address) ? [...through, r.address] : through;
    for (const m of r.group.members) visit(m, next, new Set([...onPath, r.address]));
  };
  for (const m of g.members) visit(m, [], new Set([canon(g.address)]));
  const out: Record<string, string[][]> = {};
  const parsed = new Map<string, string[]>();
  const parse = (s: string): string[] => {
    let p = parsed.get(s);
    if (!p) parsed.set(s, (p = JSON.parse(s) as string[]));
    return p;
  };
  for (const [a, set] of [...ways].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (set.has("[]")) continue; // one way through no limiting group
    if (set.size === 1) {
      out[a] = [[...parse(set.values().next().value!)]];
      continue;
    }
    const sets = [...set].map((s) => JSON.parse(s) as string[]);
    if (sets.some((s) => s.length === 0)) continue;
    const minimal = sets.filter((s) => !sets.some((t) => t !== s && t.length < s.length && t.every((x) => s.includes(x))));
    out[a] = [...new Set(minimal.map((s) => JSON.stringify(s)))].sort().map((s) => JSON.parse(s) as string[]);
  }
  return out;
}

/** Whether a group nests, at any depth, a group that limits its senders (not `anyone`): only then can gates() find a gate. Cycle-safe. */
function reachesLimitedGroup(index: OrgIndex, g: Org["groups"][number]): boolean {
  const seen = new Set<string>([canon(g.address)]);
  const queue = [...g.members];
  for (let i = 0; i < queue.length; i++) {
    const r = index.resolve(queue[i]!);
    if (r?.kind !== "group" || seen.has(r.address)) continue;
    if (groupSenders(r.group).mode !== "anyone") return true;
    seen.add(r.address);
    queue.push(...r.group.members);
  }
  return false;
}

function computeRoutingTable(org: Org, index: OrgIndex): RoutingTable {
  const entries: Record<string, RouteEntry> = {};
  for (const m of org.members) {
    const key = canon(m.address);
    const departed = memberStatus(m) === "departed";
    // A departed member's mail goes to their forwards; with none, it is kept in their own mailbox.
    const deliver = departed && m.forward_to?.length ? sorted(m.forward_to.map(canon)) : [key];
    entries[key] = departed ? { kind: "departed", deliver } : { kind: "member", deliver };
    for (const a of m.aliases ?? []) entries[canon(a)] = { kind: "alias", deliver };
  }
  for (const mb of org.mailboxes) entries[canon(mb.address)] = { kind: "mailbox", deliver: [canon(mb.address)] };
  for (const g of org.groups) {
    const who = groupSenders(g);
    const senders: GroupSenders = who.mode === "list" ? { mode: "list", allowed: senderAddresses(index, who.refs) } : who;
    const gated = gates(index, g);
    entries[canon(g.address)] = { kind: "group", deliver: index.expand([g.address]), senders, ...(Object.keys(gated).length ? { gated } : {}) };
  }
  const personalBlocks: Record<string, string[]> = {};
  for (const m of org.members) if (m.blocked_senders?.length) personalBlocks[canon(m.address)] = sorted(m.blocked_senders.map(canon));
  const forwards: Record<string, ForwardRoute> = {};
  for (const m of org.members) {
    if (m.forward && memberStatus(m) !== "departed") forwards[canon(m.address)] = { to: sorted(m.forward.to.map(canon)), keepCopy: m.forward.keep_copy ?? true };
  }
  const split = (list: readonly string[] | undefined) => ({
    ips: sorted((list ?? []).filter(looksLikeIp)),
    senders: sorted((list ?? []).filter((x) => !looksLikeIp(x)).map(canon)),
  });
  const blocked = split(org.inbound.blocked);
  const allowed = split(org.inbound.allowed);
  const table: RoutingTable = {
    version: 1,
    receivingDomains: sorted(org.domains.filter((d) => d.receive !== false).map((d) => canon(d.name))),
    orgDomains: sorted(org.domains.map((d) => canon(d.name))),
    ownDmarc: Object.fromEntries(
      org.domains.map((d) => [canon(d.name), d.dmarc?.policy === "reject" ? "reject" : "quarantine"] as const).sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
    catchAll: org.organisation.catch_all ? canon(org.organisation.catch_all) : null,
    maxMessageBytes: (org.organisation.max_message_size_mb ?? 40) * 1024 * 1024,
    entries: sortedKeys(entries),
    personalBlocks: sortedKeys(personalBlocks),
    blockedSenders: blocked.senders,
    allowedSenders: allowed.senders,
    blockedIps: blocked.ips,
    allowedIps: allowed.ips,
    backups: [...org.backups]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((b) => ({
        name: b.name,
        to: canon(b.to),
        recipients: b.match.recipients ? recipientForms(index, b.match.recipients) : [],
        senders: sorted((b.match.senders ?? []).map(canon)),
      })),
    forwards: sortedKeys(forwards),
    relay: relayRoute(org),
    // Only when declared, so that an org without it ships the same table as before.
    ...(org.organisation.delivery?.also ? { also: alsoRoute(org) } : {}),
  };
  // The inbound mode, a plan decision: past what SES's rule set can list, one rule per receiving domain and the router refuses.
  return recipientRuleCount(table) > SES_MAX_RULES_PER_RULE_SET ? { ...table, unknownRecipients: "router" } : table;
}

/** Dual delivery to the old provider (delivery.also), its members canonical and sorted. */
function alsoRoute(org: Org): AlsoRoute | null {
  const also = org.organisation.delivery?.also;
  if (!also) return null;
  return { host: also.host.toLowerCase(), port: also.port ?? 587, authSecret: also.auth_secret ?? null, members: sorted([...new Set(also.members.map(canon))]) };
}

/** The relay target: the org's mailbox host when declared (rule mailbox-host-relay keeps delivery.relay out), else delivery.relay. */
function relayRoute(org: Org): RelayRoute | null {
  const host = org.organisation.mailbox_host;
  if (host) return { host: canon(host.hostname), port: MAILHOST_RELAY_PORT, authSecret: relaySecretName(orgSlug(org)) };
  const relay = org.organisation.delivery?.relay;
  return relay ? { host: relay.host.toLowerCase(), port: relay.port ?? 25, authSecret: relay.auth_secret ?? null } : null;
}

/** Every envelope address that reaches the referenced mailboxes directly: addresses, aliases, and the groups named. */
function recipientForms(index: OrgIndex, refs: readonly string[]): string[] {
  const out = new Set<string>();
  for (const ref of refs) if (!ref.startsWith("department:")) out.add(canon(ref));
  for (const a of index.expand(refs, { includeDeparted: true })) {
    out.add(a);
    for (const alias of index.members.get(a)?.aliases ?? []) out.add(canon(alias));
  }
  return [...out].sort();
}

/** Addresses SES must accept (one receipt-rule recipient each), in receiving domains, sorted. */
export function deliverableAddresses(table: RoutingTable): string[] {
  const receiving = new Set(table.receivingDomains);
  return Object.keys(table.entries).filter((a) => receiving.has(domainOf(a)));
}

export const SES_MAX_RECIPIENTS_PER_RULE = 100;
export const SES_MAX_RULES_PER_RULE_SET = 200;
export const SES_MAX_RECEIPT_FILTERS = 100;

/**
 * A receiving domain as a name part: dots become underscores, dashes stay. Canonical domain names hold only
 * a-z, 0-9, dots and dashes, so this is one-to-one (a-b.example.com and a.b-example.com stay apart, which a
 * plain slug would merge), and the result is valid in SES rule names and Terraform resource names.
 */
export function domainKey(domain: string): string {
  return domain.replace(/\./g, "_");
}

export interface RecipientRule {
  /** Stable name: <domainKey>-<nn>. */
  readonly key: string;
  readonly domain: string;
  readonly recipients: readonly string[];
}

/**
 * Packs deliverable addresses into receipt rules: per domain, in sorted order, at most 100 per rule.
 * A rule's name depends on its domain and position, so an added address updates rules in place (no
 * rule is destroyed) and adds a rule only when a domain crosses a multiple of 100.
 */
export function packRecipientRules(table: RoutingTable, perRule = SES_MAX_RECIPIENTS_PER_RULE): RecipientRule[] {
  const byDomain = new Map<string, string[]>();
  for (const a of deliverableAddresses(table)) {
    const d = domainOf(a);
    const list = byDomain.get(d);
    if (list) list.push(a);
    else byDomain.set(d, [a]);
  }
  const rules: RecipientRule[] = [];
  for (const domain of [...byDomain.keys()].sort()) {
    const list = byDomain.get(domain)!;
    for (let i = 0; i < list.length; i += perRule) {
      rules.push({ key: `${domainKey(domain)}-${String(i / perRule + 1).padStart(2, "0")}`, domain, recipients: list.slice(i, i + perRule) });
    }
  }
  return rules;
}

/**
 * The rules the rule set holds, in order. Listing recipients (no `unknownRecipients`): recipient rules
 * (`rcpt-<domain>-NN`), then, when catch_all is set, one catch-all rule per receiving domain
 * (`catch-all-<domain>`). Past SES's limits (`unknownRecipients: "router"`): one domain-wide rule per receiving
 * domain (`domain-<domain>`), and the router refuses unknown recipients. Keys are construct ids.
 */
export function receiptRuleSpecs(table: RoutingTable): { key: string; recipients: string[]; catchAll: boolean }[] {
  if (table.unknownRecipients === "router") return table.receivingDomains.map((d) => ({ key: `domain-${domainKey(d)}`, recipients: [d], catchAll: table.catchAll !== null }));
  return [
    ...packRecipientRules(table).map((r) => ({ key: `rcpt-${r.key}`, recipients: [...r.recipients], catchAll: false })),
    ...(table.catchAll ? table.receivingDomains.map((d) => ({ key: `catch-all-${domainKey(d)}`, recipients: [d], catchAll: true })) : []),
  ];
}

/** How many rules the rule set will hold (receiptRuleSpecs). */
export function ruleCount(table: RoutingTable): number {
  return receiptRuleSpecs(table).length;
}

/** How many rules listing every deliverable address would take: recipient rules, plus one catch-all rule per receiving domain when catch_all is set. */
export function recipientRuleCount(table: RoutingTable): number {
  return packRecipientRules(table).length + (table.catchAll ? table.receivingDomains.length : 0);
}
