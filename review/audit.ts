/** What an auditor asks for: the access report of one org, and the history of one address across commits. */
import { canon, groupSenders, memberStatus, type Org } from "../model/org.ts";
import { OrgIndex } from "../model/org-index.ts";
import { addressesOf, diffOrgs, emptyOrg, type Change } from "./diff.ts";
import { orgAt, orgCommits, requireFullHistory, type OrgAt } from "./git.ts";

export interface GroupSenders {
  readonly group: string;
  /** How the group declares its senders. */
  readonly senders: "anyone" | "organisation" | "members" | "list";
  /** The references a `list` names (empty otherwise). */
  readonly listed: string[];
  /** Who may mail it, expanded; null when not limited to a list: anyone (senders: anyone) or every member (organisation). */
  readonly mayMail: string[] | null;
}

export interface AuditReport {
  readonly groups: GroupSenders[];
  readonly internalOnly: string[];
  readonly ipRestriction: { ranges: string[]; exempt: string[] } | null;
  readonly delegations: { mailbox: string; member: string; until: string | null }[];
  readonly disabled: string[];
  readonly departed: { member: string; forwardTo: string[] }[];
  /** Members whose mail is forwarded out of the company (their own forward), and whether their mailbox keeps a copy. */
  readonly forwards: { member: string; to: string[]; keepCopy: boolean }[];
  /** The mailbox server that receives every delivered copy; null: mail is only kept in the mail store. */
  readonly relay: { host: string; port: number; authSecret: string | null } | null;
  readonly backups: { name: string; to: string; senders: string[]; recipients: string[] }[];
}

export function auditReport(org: Org, index: OrgIndex): AuditReport {
  const internal = new Set(index.expand(org.sending.internal_only ?? []));
  for (const m of org.members) if (m.internal_only && memberStatus(m) !== "departed") internal.add(canon(m.address));
  return {
    groups: org.groups
      .map((g): GroupSenders => {
        const senders = Array.isArray(g.senders) ? "list" : (g.senders ?? "organisation");
        const listed = Array.isArray(g.senders) ? [...g.senders].map(canon).sort() : [];
        const who = groupSenders(g);
        const mayMail = who.mode === "list" ? index.expand(who.refs) : null;
        return { group: canon(g.address), senders, listed, mayMail };
      })
      .sort((a, b) => (a.group < b.group ? -1 : 1)),
    internalOnly: [...internal].sort(),
    ipRestriction: org.sending.allowed_ip_ranges?.length ? { ranges: [...org.sending.allowed_ip_ranges].sort(), exempt: index.expand(org.sending.exempt ?? []) } : null,
    delegations: org.mailboxes
      .flatMap((mb) => (mb.delegates ?? []).map((d) => ({ mailbox: canon(mb.address), member: canon(d.member), until: d.until ?? null })))
      .sort((a, b) => (a.mailbox + a.member < b.mailbox + b.member ? -1 : 1)),
    disabled: org.members.filter((m) => memberStatus(m) === "disabled").map((m) => canon(m.address)).sort(),
    departed: org.members
      .filter((m) => memberStatus(m) === "departed")
      .map((m) => ({ member: canon(m.address), forwardTo: (m.forward_to ?? []).map(canon).sort() }))
      .sort((a, b) => (a.member < b.member ? -1 : 1)),
    forwards: org.members
      .filter((m) => m.forward && memberStatus(m) !== "departed")
      .map((m) => ({ member: canon(m.address), to: m.forward!.to.map(canon).sort(), keepCopy: m.forward!.keep_copy ?? true }))
      .sort((a, b) => (a.member < b.member ? -1 : 1)),
    relay: org.organisation.delivery?.relay ? { host: org.organisation.delivery.relay.host.toLowerCase(), port: org.organisation.delivery.relay.port ?? 25, authSecret: org.organisation.delivery.relay.auth_secret ?? null } : null,
    backups: org.backups
      .map((b) => ({ name: b.name, to: canon(b.to), senders: (b.match.senders ?? []).map(canon).sort(), recipients: b.match.recipients ? index.expand(b.match.recipients, { includeDeparted: true }) : [] }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

export interface HistoryEntry {
  readonly commit: string;
  readonly author: string;
  readonly date: string;
  readonly subject: string;
  readonly changes: Change[];
}

/** Every commit that changed something about the address (it is the subject, or among the values), oldest first. */
export function addressHistory(orgDir: string, address: string, at: string | undefined, day: string): HistoryEntry[] {
  requireFullHistory(orgDir, "audit --address");
  const a = canon(address);
  const out: HistoryEntry[] = [];
  const cache = new Map<string, OrgAt>();
  const load = (ref: string): OrgAt => {
    let v = cache.get(ref);
    if (!v) {
      v = orgAt(orgDir, ref, day);
      cache.set(ref, v);
    }
    return v;
  };
  for (const c of orgCommits(orgDir, at ?? "HEAD")) {
    const head = load(c.sha);
    let base;
    try {
      base = c.parent ? load(c.parent) : undefined;
    } catch {
      base = undefined; // the parent had no (valid) org: treat this commit as the first
    }
    const from = base ?? { org: emptyOrg(head.org), index: new OrgIndex(emptyOrg(head.org)), label: "empty" };
    const changes = diffOrgs(from, head, { today: day }).filter((ch) => addressesOf(ch).has(a));
    if (changes.length) out.push({ commit: c.sha.slice(0, 12), author: c.author, date: c.date, subject: c.subject, changes });
  }
  return out;
}
