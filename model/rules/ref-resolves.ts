import { closest } from "../schema.ts";
import { pointer } from "../pointer.ts";
import type { Org } from "../org.ts";
import type { OrgIndex } from "../org-index.ts";
import type { Finding, Rule } from "./types.ts";

/** Every reference list in the org, with its pointer. */
export function referenceLists(org: Org): { pointer: string; refs: readonly string[]; owner: string }[] {
  const lists: { pointer: string; refs: readonly string[]; owner: string }[] = [];
  org.groups.forEach((g, i) => {
    lists.push({ pointer: pointer("groups", i, "members"), refs: g.members, owner: `group ${g.address}` });
    if (Array.isArray(g.senders)) lists.push({ pointer: pointer("groups", i, "senders"), refs: g.senders, owner: `senders of group ${g.address}` });
  });
  if (org.sending.exempt) lists.push({ pointer: pointer("sending", "exempt"), refs: org.sending.exempt, owner: "sending.exempt" });
  if (org.sending.internal_only)
    lists.push({ pointer: pointer("sending", "internal_only"), refs: org.sending.internal_only, owner: "sending.internal_only" });
  if (org.organisation.address_book?.hide) lists.push({ pointer: pointer("organisation", "address_book", "hide"), refs: org.organisation.address_book.hide, owner: "organisation.address_book.hide" });
  org.backups.forEach((b, i) => {
    if (b.match.recipients) lists.push({ pointer: pointer("backups", i, "match", "recipients"), refs: b.match.recipients, owner: `backup rule ${b.name}` });
  });
  org.signatures.forEach((s, i) => {
    if (s.applies_to) lists.push({ pointer: pointer("signatures", i, "applies_to"), refs: s.applies_to, owner: `signature ${s.id}` });
  });
  return lists;
}

function suggestion(ref: string, index: OrgIndex): string {
  if (ref.startsWith("department:")) {
    const guess = closest(ref.slice("department:".length), [...index.departments.keys()]);
    return guess ? `; did you mean department:${guess}?` : "; declare the department or fix the id";
  }
  const guess = closest(ref.toLowerCase(), [...index.addresses.keys()]);
  return guess ? `; did you mean ${guess}?` : "; declare it as a member, group or mailbox, or fix the address";
}

export const rule: Rule = {
  id: "ref-resolves",
  summary: "every reference names a declared member, group, mailbox or department",
  explanation:
    "References (addresses and department:<id>) in groups, senders, sending lists, backup rules and signature " +
    "scopes must name something the org declares, or the policy they express would silently cover nobody.",
  check({ org, index }) {
    const out: Finding[] = [];
    for (const list of referenceLists(org)) {
      list.refs.forEach((ref, i) => {
        if (!index.resolve(ref)) {
          const what = ref.startsWith("department:") ? "an unknown department" : "an unknown address";
          out.push({ pointer: `${list.pointer}/${i}`, message: `${list.owner} refers to ${ref}, ${what}${suggestion(ref, index)}` });
        }
      });
    }
    return out;
  },
};
