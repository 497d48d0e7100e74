/** Groups: declared members, effective recipients (with how each is reached), and who may mail them. */
import { canon, groupSenders, memberDepartments, type Group, type Org } from "../../model/org.ts";
import type { OrgIndex } from "../../model/org-index.ts";
import { setDiff, type OrgSide, type Value } from "./change.ts";
import { byKey, keys, list, sameList, type DiffContext } from "./context.ts";

export const FIELDS = {
  group: ["address", "name", "description", "members", "senders"],
} as const;

/**
 * The departments a group's listed members belong to (departments listed, members' departments, mailboxes'
 * departments), through nested groups at any depth: a group that lists another reaches its departments too.
 */
export function groupDepartments(org: Org, index: OrgIndex, g: Group): string[] {
  const s = new Set<string>();
  const seen = new Set<string>([canon(g.address)]);
  const visit = (ref: string): void => {
    const r = index.resolve(ref);
    if (r?.kind === "department") s.add(r.id);
    else if (r?.kind === "member" || r?.kind === "alias") for (const d of memberDepartments(org, r.member)) s.add(d);
    else if (r?.kind === "mailbox" && r.mailbox.department) s.add(r.mailbox.department);
    else if (r?.kind === "group" && !seen.has(r.address)) {
      seen.add(r.address);
      for (const m of r.group.members) visit(m);
    }
  };
  for (const ref of g.members) visit(ref);
  return [...s].sort();
}

/** The groups that limit their senders (not `anyone`) which a group reaches through nesting, at any depth; sorted. */
export function restrictedReached(index: OrgIndex, g: Group): string[] {
  const out = new Set<string>();
  const seen = new Set<string>([canon(g.address)]);
  const visit = (ref: string): void => {
    const r = index.resolve(ref);
    if (r?.kind !== "group" || seen.has(r.address)) return;
    seen.add(r.address);
    if (groupSenders(r.group).mode !== "anyone") out.add(r.address);
    for (const m of r.group.members) visit(m);
  };
  for (const m of g.members) visit(m);
  return [...out].sort();
}

/**
 * A group that newly reaches restricted groups (or reaches them with other senders of its own) opens them to
 * its senders: the router keeps each inner group's sender rules, and each inner group's owners approve (its
 * department's admins, or the organisation owners for a group spanning several departments or none).
 */
function opensRestricted(ctx: DiffContext, a: string, b: Group | undefined, h: Group, sendersChanged: boolean): void {
  const before = b ? restrictedReached(ctx.base.index, b) : [];
  const after = restrictedReached(ctx.head.index, h);
  const opened = sendersChanged ? after : after.filter((x) => !before.includes(x));
  if (opened.length === 0) return;
  // The owners of each inner group, read from the base side where it exists.
  const owners = opened.map((x) => {
    const side = ctx.base.index.groups.has(x) ? ctx.base : ctx.head;
    return groupDepartments(side.org, side.index, side.index.groups.get(x)!);
  });
  const departments = [...new Set(owners.filter((d) => d.length === 1).flat())].sort();
  ctx.add({ section: "Group senders", kind: "modify", subject: a, field: "reaches restricted groups", before, after, departments, orgWide: owners.some((d) => d.length !== 1) });
}

export function diffGroups(ctx: DiffContext): void {
  const { base, head, add, field, rest } = ctx;
  const bg = byKey(base.org.groups, (g) => canon(g.address));
  const hg = byKey(head.org.groups, (g) => canon(g.address));
  const groupDeps = (side: OrgSide, g: Group): string[] => groupDepartments(side.org, side.index, g);
  const senders = (g: Group): Value => (Array.isArray(g.senders) ? list(g.senders) : (g.senders ?? "organisation"));
  /** Who may mail a group, expanded; undefined when it is not limited to a list (anyone, every member). */
  const effectiveSenders = (side: OrgSide, g: Group): string[] | undefined => {
    const who = groupSenders(g);
    return who.mode === "list" ? side.index.expand(who.refs) : undefined;
  };
  for (const a of keys(bg, hg)) {
    const b = bg.get(a);
    const h = hg.get(a);
    if (!b && h) {
      add({ section: "Groups", kind: "create", subject: a, before: null, after: { members: list(h.members), recipients: head.index.expand([a]), senders: senders(h) }, departments: groupDeps(head, h), orgWide: false });
      opensRestricted(ctx, a, undefined, h, false);
      continue;
    }
    if (b && !h) {
      const n = base.index.expand([a]).length;
      add({
        section: "Groups",
        kind: "delete",
        subject: a,
        before: { members: list(b.members), recipients: base.index.expand([a]), senders: senders(b) },
        after: null,
        departments: groupDeps(base, b),
        orgWide: false,
        reason: `group ${a} is removed: mail to it will ${head.org.organisation.catch_all ? `go to the catch-all ${canon(head.org.organisation.catch_all)}` : "be rejected at SMTP time"} instead of reaching its ${n} recipient${n === 1 ? "" : "s"} (keep the group, or remove it after telling its senders)`,
      });
      continue;
    }
    if (!b || !h) continue;
    const own = { departments: [...new Set([...groupDeps(base, b), ...groupDeps(head, h)])].sort(), orgWide: false };
    field("Groups", a, "members", list(b.members), list(h.members), own);
    field("Groups", a, "name", b.name, h.name, own);
    field("Groups", a, "description", b.description ?? "", h.description ?? "", own);
    rest("Groups", a, "", b, h, FIELDS.group, own);
    const rb = base.index.expand([a]);
    const rh = head.index.expand([a]);
    if (!sameList(rb, rh)) {
      const eff = setDiff(rb, rh);
      add({ section: "Group recipients", kind: "modify", subject: a, field: "recipients", before: rb, after: rh, via: ctx.viaLabels(b.members, h.members, eff.added, eff.removed), ...own });
    }
    field("Group senders", a, "senders", senders(b), senders(h), own);
    opensRestricted(ctx, a, b, h, JSON.stringify(senders(b)) !== JSON.stringify(senders(h)));
    const sb = effectiveSenders(base, b);
    const sh = effectiveSenders(head, h);
    // A switch to or from anyone / every member is the `senders` change above; a list is compared to a list.
    if (sb && sh && !sameList(sb, sh)) {
      const es = setDiff(sb, sh);
      const refs = (g: Group) => {
        const who = groupSenders(g);
        return who.mode === "list" ? who.refs : [];
      };
      add({ section: "Group senders", kind: "modify", subject: a, field: "may mail", before: sb, after: sh, via: ctx.viaLabels(refs(b), refs(h), es.added, es.removed), ...own });
    }
  }
}
