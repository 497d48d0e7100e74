/**
 * What every section comparer shares: both sides with their plans (computed once per diff), the list of
 * changes being built, and the small helpers that compare a field, the fields without a named comparison,
 * and address lists (with how each address is reached).
 */
import { canon, memberStatus } from "../../model/org.ts";
import type { OrgIndex } from "../../model/org-index.ts";
import { planOrg, type MailPlan } from "../../plan/plan.ts";
import { setDiff, type Change, type OrgSide, type Section, type Value } from "./change.ts";

/** Who owns a change: the departments whose admins approve it, whether the owners do, and whose mail it reroutes. */
export type Own = { readonly departments: readonly string[]; readonly orgWide: boolean; readonly reroutes?: readonly string[] };

export const ORG_WIDE: Own = { departments: [], orgWide: true };

type Plain = object | undefined | null;

/** The fields of two versions of an entity that `known` does not name: [field, before, after] for each that differs (absent: null). */
export function otherFields(b: Plain, h: Plain, known: readonly string[]): [string, Value, Value][] {
  const out: [string, Value, Value][] = [];
  const get = (o: Plain, k: string): Value => ((o as Record<string, Value> | null | undefined)?.[k] ?? null);
  const names = [...new Set([...Object.keys(b ?? {}), ...Object.keys(h ?? {})])].filter((k) => !known.includes(k)).sort();
  for (const k of names) {
    const x = get(b, k);
    const y = get(h, k);
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push([k, x, y]);
  }
  return out;
}

/** A list of addresses as compared: canonical, without duplicates, sorted. */
export const list = (xs: readonly string[] | undefined): string[] => [...new Set((xs ?? []).map(canon))].sort();
export const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
export const union = (...xs: readonly string[][]): string[] => [...new Set(xs.flat())].sort();

/** Entries by stable key (the first entry of a key wins; validation refuses duplicates). */
export function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const i of items) if (!m.has(key(i))) m.set(key(i), i);
  return m;
}

/** The keys of both maps, sorted. */
export function keys<T>(a: Map<string, T>, b: Map<string, T>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

/** Every address a side delivers mail to (members who have not departed, mailboxes): whose mail a relay carries. */
export const delivered = (plan: MailPlan): string[] => Object.entries(plan.inbound.table.entries).filter(([, e]) => e.kind === "member" || e.kind === "mailbox").map(([a]) => a);
/** Every address of each receiving domain, as `*@domain`. */
export const anyAddress = (plan: MailPlan): string[] => plan.inbound.table.receivingDomains.map((d) => `*@${d}`);

/**
 * How each recipient of `refs` is reached, keyed by the addresses index.expand(refs) returns: "listed",
 * "listed as alias x", "through department d", "through group g, department d" (outermost reference first).
 */
export function recipientPaths(index: OrgIndex, refs: readonly string[], opts: { includeDeparted?: boolean } = {}): Map<string, string> {
  const reached = new Set(index.expand(refs, opts));
  const out = new Map<string, string>();
  const seenGroups = new Set<string>();
  const visit = (ref: string, path: readonly string[]): void => {
    const r = index.resolve(ref);
    if (!r) return;
    const through = r.kind === "department" ? [...path, `department ${r.id}`] : path;
    const reach = (address: string, leaf = "listed"): void => {
      if (reached.has(address) && !out.has(address)) out.set(address, through.length ? `through ${through.join(", ")}` : leaf);
    };
    if (r.kind === "member") reach(canon(r.member.address));
    else if (r.kind === "alias") reach(canon(r.member.address), `listed as alias ${r.address}`);
    else if (r.kind === "mailbox") reach(r.address);
    else if (r.kind === "department") {
      for (const m of index.departmentMembers(r.id)) reach(m);
    } else if (!seenGroups.has(r.address)) {
      seenGroups.add(r.address);
      for (const m of r.group.members) visit(m, [...path, `group ${r.address}`]);
    }
  };
  for (const ref of refs) visit(ref, []);
  return out;
}

/** The diff being built: both sides, their plans, and the helpers that add changes. */
export interface DiffContext {
  readonly base: OrgSide;
  readonly head: OrgSide;
  readonly basePlan: MailPlan;
  readonly headPlan: MailPlan;
  readonly today: string;
  /** Adds a change; destructive when it gives a reason, unless said otherwise. */
  add(c: Omit<Change, "destructive"> & { destructive?: boolean }): void;
  /** A change of one field of a subject, when the values differ. */
  field(section: Section, subject: string, name: string, before: Value, after: Value, own: Own, reason?: string): void;
  /** Fields of an entity without a named comparison (see DIFF_FIELDS), compared as they are written. */
  rest(section: Section, subject: string, prefix: string, b: Plain, h: Plain, known: readonly string[], own: Own): void;
  /** Labels for the addresses gained (how head reaches them) and lost (why base's path no longer holds) by a list of references. */
  viaLabels(refsBase: readonly string[], refsHead: readonly string[], added: readonly string[], removed: readonly string[], opts?: { includeDeparted?: boolean }): Record<string, string>;
}

/** A context for comparing two sides; `out` receives the changes in the order the comparers add them. */
export function diffContext(base: OrgSide, head: OrgSide, opts: { today: string }, out: Change[]): DiffContext {
  const add: DiffContext["add"] = (c) => {
    const { reason, reroutes, ...rest } = c;
    out.push({ ...rest, destructive: c.destructive ?? reason !== undefined, ...(reason !== undefined ? { reason } : {}), ...(reroutes ? { reroutes } : {}) });
  };
  const field: DiffContext["field"] = (section, subject, name, before, after, own, reason) => {
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    add({ section, subject, kind: "modify", field: name, before, after, ...own, reason });
  };
  return {
    base,
    head,
    // Planned on first read (and kept by planOrg): a comparer run on its own, as on the review's other thread, plans nothing it does not read.
    get basePlan() {
      return planOrg(base.org, base.index, opts);
    },
    get headPlan() {
      return planOrg(head.org, head.index, opts);
    },
    today: opts.today,
    add,
    field,
    rest(section, subject, prefix, b, h, known, own) {
      for (const [k, x, y] of otherFields(b, h, known)) field(section, subject, `${prefix}${k}`, x, y, own);
    },
    viaLabels(refsBase, refsHead, added, removed, o = {}) {
      const via: Record<string, string> = {};
      if (added.length) {
        const paths = recipientPaths(head.index, refsHead, o);
        for (const a of added) via[a] = paths.get(a) ?? "listed";
      }
      if (removed.length) {
        const paths = recipientPaths(base.index, refsBase, o);
        for (const a of removed) {
          const m = head.index.members.get(a);
          if (m && memberStatus(m) === "departed") via[a] = "departed";
          else if (!head.index.addresses.has(a)) via[a] = "no longer in the org";
          else via[a] = `no longer ${paths.get(a) ?? "listed"}`;
        }
      }
      return via;
    },
  };
}

/**
 * An organisation-wide list setting (sending restrictions, IP ranges, inbound lists): the list as declared,
 * and, for lists of references (`expand`), the addresses it covers with how each is reached.
 */
export function listSetting(ctx: DiffContext, s: Section, subject: string, a: readonly string[] | undefined, b: readonly string[] | undefined, expand: boolean): void {
  ctx.field(s, subject, "list", list(a), list(b), ORG_WIDE);
  if (!expand) return;
  const ea = ctx.base.index.expand(a ?? []);
  const eb = ctx.head.index.expand(b ?? []);
  if (sameList(ea, eb)) return;
  const d = setDiff(ea, eb);
  ctx.add({ section: s, kind: "modify", subject, field: "covers", before: ea, after: eb, via: ctx.viaLabels(a ?? [], b ?? [], d.added, d.removed), ...ORG_WIDE });
}

export { setDiff };
