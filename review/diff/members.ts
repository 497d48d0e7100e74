/** Members: arrivals and removals, aliases, forwards and successors (rerouting), status, departments, settings. */
import { canon, memberDepartments, memberStatus, type Member } from "../../model/org.ts";
import type { OrgSide, Value } from "./change.ts";
import { byKey, keys, list, setDiff, type DiffContext } from "./context.ts";

export const FIELDS = {
  member: ["address", "name", "departments", "title", "phone", "aliases", "status", "forward_to", "internal_only", "blocked_senders", "signature", "forward", "quota_mb", "auto_reply"],
  forward: ["to", "keep_copy"],
  autoReply: ["subject", "body", "until"],
} as const;

/** Removing more than this share of the members at once is destructive. */
export const MAX_REMOVED_SHARE = 0.3;

export function diffMembers(ctx: DiffContext): void {
  const { base, head, add, field, rest } = ctx;
  const deps = (side: OrgSide, m: Member): string[] => memberDepartments(side.org, m);
  const bm = byKey(base.org.members, (m) => canon(m.address));
  const hm = byKey(head.org.members, (m) => canon(m.address));
  let removed = 0;
  // A member read from a file both sides share is the same object on both (model/load.ts, shared): every
  // comparison below is of that object with itself, except its departments, which fall back to the side's
  // default department; so it can change nothing unless the default department changed.
  const sameDefault = base.org.organisation.default_department === head.org.organisation.default_department;
  for (const a of keys(bm, hm)) {
    const b = bm.get(a);
    const h = hm.get(a);
    if (b === h && sameDefault) continue;
    if (!b && h) {
      add({ section: "Members", kind: "create", subject: a, before: null, after: { departments: deps(head, h), status: memberStatus(h) }, departments: deps(head, h), orgWide: false });
    } else if (b && !h) {
      removed++;
      const departed = memberStatus(b) === "departed";
      add({
        section: "Members",
        kind: "delete",
        subject: a,
        before: { departments: deps(base, b), status: memberStatus(b) },
        after: null,
        departments: deps(base, b),
        orgWide: false,
        reason: departed ? undefined : `member ${a} is removed without having been departed first (set status: departed and forward_to in an earlier change)`,
      });
    }
    const own = { departments: [...new Set([...(b ? deps(base, b) : []), ...(h ? deps(head, h) : [])])].sort(), orgWide: false };
    // Aliases are addresses in their own right: each one gained or lost is a change of its own.
    const al = setDiff(list(b?.aliases), list(h?.aliases));
    for (const x of al.added) add({ section: "Aliases", kind: "create", subject: x, before: null, after: a, ...own });
    for (const x of al.removed) add({ section: "Aliases", kind: "delete", subject: x, before: a, after: null, ...own });
    // A member's own forward sends their mail out of the company: rerouting, so the organisation owners approve
    // it too, also for a member who arrives with one.
    const forward = (m: Member | undefined): Value => (m?.forward ? { to: list(m.forward.to), keep_copy: m.forward.keep_copy ?? true } : null);
    if (h) field("Members", a, "forward", forward(b), forward(h), { ...own, orgWide: true, reroutes: [a] });
    if (b && h) rest("Members", a, "forward.", b.forward, h.forward, FIELDS.forward, { ...own, orgWide: true, reroutes: [a] });
    if (!b || !h) continue;
    field("Members", a, "status", memberStatus(b), memberStatus(h), own);
    field("Members", a, "departments", deps(base, b), deps(head, h), own);
    // A departed member's successor receives their mail.
    field("Members", a, "forward_to", list(b.forward_to), list(h.forward_to), { ...own, orgWide: true, reroutes: [a] });
    field("Internal only", a, "internal_only", b.internal_only ?? false, h.internal_only ?? false, own);
    field("Blocked senders", a, "blocked_senders", list(b.blocked_senders), list(h.blocked_senders), own);
    for (const f of ["name", "title", "phone", "signature"] as const) field("Members", a, f, b[f] ?? "", h[f] ?? "", own);
    field("Members", a, "quota_mb", b.quota_mb ?? null, h.quota_mb ?? null, own);
    // The org's out-of-office reply for the member: what the host answers in their name, to whom and until when.
    const reply = (m: Member): Value => (m.auto_reply ? { subject: m.auto_reply.subject, body: m.auto_reply.body, until: m.auto_reply.until ?? null } : null);
    field("Members", a, "auto_reply", reply(b), reply(h), own);
    rest("Members", a, "", b, h, FIELDS.member, own);
  }
  if (bm.size > 0 && removed / bm.size > MAX_REMOVED_SHARE) {
    add({
      section: "Members",
      kind: "delete",
      subject: "members",
      field: "count",
      before: bm.size,
      after: bm.size - removed,
      departments: [],
      orgWide: true,
      reason: `${removed} of ${bm.size} members (${Math.round((removed / bm.size) * 100)}%) are removed at once; more than ${MAX_REMOVED_SHARE * 100}% needs --allow-destructive`,
    });
  }
}
