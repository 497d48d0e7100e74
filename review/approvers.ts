/**
 * Who must approve a change: for every affected department one of its admins (both sides of a move), and one
 * of the organisation owners for organisation-wide sections, rerouted mail and destructive changes; both read
 * from the base side. CODEOWNERS cannot say
 * this (any one listed owner of a file approves it), so CI checks it with `mailorg approvers --check`.
 */
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import type { Change } from "./diff.ts";
import { describe, oneLine } from "./render.ts";

/** A department's admins, or the nearest ancestor's, or the organisation owners. */
export function departmentAdmins(org: Org, index: OrgIndex, id: string): string[] {
  const seen = new Set<string>();
  let cur: string | undefined = id;
  while (cur !== undefined && !seen.has(cur)) {
    seen.add(cur);
    const d = index.departments.get(cur);
    if (d?.admins?.length) return [...d.admins].sort();
    cur = d?.parent;
  }
  return [...(org.organisation.owners ?? [])].sort();
}

/** One approval needed: from any one of `anyOf`. */
export interface Requirement {
  /** "department sales" or "organisation owners". */
  readonly scope: string;
  readonly anyOf: string[];
  /** The changes that need it, one line each. */
  readonly reasons: string[];
}

/** The two sides of a change; either may have no org (a first commit, a removed org directory). */
export interface Sides {
  readonly base?: { org: Org; index: OrgIndex };
  readonly head?: { org: Org; index: OrgIndex };
}

/**
 * Who approves for a department, read from the base side: the department's admins there (or its nearest
 * ancestor's, or the base's organisation owners). A department the change creates has no admins yet: its
 * nearest ancestor that exists on the base side answers for it, else the base's owners. Only when the base has
 * no org at all (the first commit) does the head side name them.
 */
export function authorityFor(sides: Sides, id: string): string[] {
  const { base, head } = sides;
  if (!base) return head ? departmentAdmins(head.org, head.index, id) : [];
  const seen = new Set<string>();
  let cur: string | undefined = id;
  while (cur !== undefined && !seen.has(cur)) {
    seen.add(cur);
    if (base.index.departments.has(cur)) return departmentAdmins(base.org, base.index, cur);
    cur = head?.index.departments.get(cur)?.parent;
  }
  return [...(base.org.organisation.owners ?? [])].sort();
}

/**
 * The approvals a set of changes needs, departments first (sorted by id), then the organisation owners.
 * Authority is the base side's: its owners and admins approve, whatever the change proposes for them, so a
 * change to `owners` or `admins` is approved by those it would replace.
 */
export function requiredApprovals(changes: readonly Change[], sides: Sides): Requirement[] {
  const authority = sides.base ?? sides.head;
  const owners = [...(authority?.org.organisation.owners ?? [])];
  const reqs = new Map<string, { anyOf: string[]; reasons: Set<string> }>();
  const need = (scope: string, anyOf: readonly string[], why: string): void => {
    const r = reqs.get(scope) ?? { anyOf: [...anyOf].sort(), reasons: new Set<string>() };
    r.reasons.add(why);
    reqs.set(scope, r);
  };
  for (const c of changes) {
    const why = `${c.section}: ${oneLine(c.subject)} ${describe(c)}`;
    for (const d of c.departments) need(`department ${d}`, authorityFor(sides, d), why);
    if (c.orgWide || c.departments.length === 0 || c.destructive || c.reroutes) need("organisation owners", owners, why);
  }
  const order = (s: string) => (s === "organisation owners" ? "\uffff" : s);
  return [...reqs.entries()].sort(([a], [b]) => (order(a) < order(b) ? -1 : 1)).map(([scope, r]) => ({ scope, anyOf: r.anyOf, reasons: [...r.reasons].sort() }));
}

/** A GitHub handle or team as written in the org or on the command line, compared case-insensitively with or without '@'. */
const handle = (s: string): string => s.trim().replace(/^@/, "").toLowerCase();

/** The requirements that no one in `approvedBy` satisfies. */
export function missingApprovals(reqs: readonly Requirement[], approvedBy: readonly string[]): Requirement[] {
  const got = new Set(approvedBy.map(handle).filter(Boolean));
  return reqs.filter((r) => !r.anyOf.some((o) => got.has(handle(o))));
}
