import { canon } from "../org.ts";
import { pointer } from "../pointer.ts";
import { laterDuplicates } from "./duplicates.ts";
import type { Finding, Rule } from "./types.ts";

/** A list of identities in the org: where it is, what it belongs to, and its entries (as written). */
interface IdentityList {
  readonly at: readonly (string | number)[];
  readonly what: string;
  readonly entries: readonly string[];
}

/** Every list whose entries name a person, group, mailbox, department or owner, with the key each entry is compared by. */
function identityLists(ctx: Parameters<Rule["check"]>[0]): IdentityList[] {
  const { org } = ctx;
  const out: IdentityList[] = [];
  const push = (at: (string | number)[], what: string, entries: readonly string[] | undefined): void => {
    if (entries?.length) out.push({ at, what, entries });
  };
  push(["organisation", "owners"], "organisation.owners", org.organisation.owners);
  org.departments.forEach((d, i) => push(["departments", i, "admins"], `department ${d.id}'s admins`, d.admins));
  org.members.forEach((m, i) => {
    push(["members", i, "aliases"], `member ${m.address}'s aliases`, m.aliases);
    push(["members", i, "departments"], `member ${m.address}'s departments`, m.departments);
    push(["members", i, "forward_to"], `member ${m.address}'s forward_to`, m.forward_to);
    push(["members", i, "blocked_senders"], `member ${m.address}'s blocked_senders`, m.blocked_senders);
    push(["members", i, "forward", "to"], `member ${m.address}'s forward.to`, m.forward?.to);
  });
  org.groups.forEach((g, i) => {
    push(["groups", i, "members"], `group ${g.address}'s members`, g.members);
    if (Array.isArray(g.senders)) push(["groups", i, "senders"], `group ${g.address}'s senders`, g.senders);
  });
  org.mailboxes.forEach((mb, i) => push(["mailboxes", i, "delegates"], `mailbox ${mb.address}'s delegates`, (mb.delegates ?? []).map((d) => d.member)));
  push(["sending", "exempt"], "sending.exempt", org.sending.exempt);
  push(["sending", "internal_only"], "sending.internal_only", org.sending.internal_only);
  push(["inbound", "blocked"], "inbound.blocked", org.inbound.blocked);
  push(["inbound", "allowed"], "inbound.allowed", org.inbound.allowed);
  org.backups.forEach((b, i) => {
    push(["backups", i, "match", "recipients"], `backup ${b.name}'s recipients`, b.match.recipients);
    push(["backups", i, "match", "senders"], `backup ${b.name}'s senders`, b.match.senders);
  });
  org.signatures.forEach((s, i) => push(["signatures", i, "applies_to"], `signature ${s.id}'s applies_to`, s.applies_to));
  return out;
}

/** Owners and admins are code-host handles: compared without case and without the leading '@'. */
const key = (entry: string): string => canon(entry.trim().replace(/^@/, ""));

export const rule: Rule = {
  id: "duplicate-identities",
  summary: "a list of people, groups, mailboxes, departments or owners names each one once (case-insensitively)",
  explanation:
    "A second entry for the same identity carries meaning no review sees: a second delegate entry without " +
    "until makes a dated delegation permanent, and diff compares entries by identity, so it would only show " +
    "one of them. Each list (delegates, group members and senders, aliases, departments, forwards, signature " +
    "scopes, sending and inbound lists, backup matches, owners, admins) names an identity once; remove the " +
    "later entry, or merge the two (one delegate entry with the until that is meant).",
  check(ctx) {
    const out: Finding[] = [];
    for (const l of identityLists(ctx)) {
      // Delegates: the entry is an object; point at its member field.
      const tail = l.at.at(-1) === "delegates" ? ["member"] : [];
      for (const d of laterDuplicates(l.entries, key)) {
        out.push({
          pointer: pointer(...l.at, d.index, ...tail),
          message: `${l.what} list ${d.item} twice (entries ${d.first + 1} and ${d.index + 1}); name each once (remove the later entry${tail.length ? ", or merge the two into one with the until that is meant" : ""})`,
        });
      }
    }
    return out;
  },
};
