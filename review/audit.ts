/** The access report an auditor asks for, computed from one org. */
import { canon, memberStatus, type Org } from "../model/org.ts";
import type { OrgIndex } from "../model/views/org-index.ts";

export interface AuditReport {
  readonly restrictedGroups: { group: string; senders: string; mayMail: string[] }[];
  readonly internalOnly: string[];
  readonly ipRestriction: { ranges: string[]; exempt: string[] } | null;
  readonly delegations: { mailbox: string; member: string; until: string | null }[];
  readonly disabled: string[];
  readonly departed: { member: string; forwardTo: string[] }[];
  readonly backups: { name: string; to: string; senders: string[]; recipients: string[] }[];
}

export function auditReport(org: Org, index: OrgIndex): AuditReport {
  const internal = new Set(index.expand(org.sending.internal_only ?? []));
  for (const m of org.members) if (m.internal_only && memberStatus(m) !== "departed") internal.add(canon(m.address));
  return {
    restrictedGroups: org.groups
      .filter((g) => g.senders !== "anyone")
      .map((g) => ({
        group: canon(g.address),
        senders: Array.isArray(g.senders) ? g.senders.join(", ") : (g.senders ?? "organisation"),
        mayMail:
          g.senders === "organisation" || g.senders === undefined
            ? ["(every member)"]
            : index.expand(g.senders === "members" ? g.members : (g.senders as string[])),
      }))
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
    backups: org.backups
      .map((b) => ({ name: b.name, to: canon(b.to), senders: (b.match.senders ?? []).map(canon).sort(), recipients: b.match.recipients ? index.expand(b.match.recipients, { includeDeparted: true }) : [] }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}
