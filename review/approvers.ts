/**
 * Who must approve a change: for every affected department one of its admins (both sides of a move), and one
 * of the organisation owners for organisation-wide sections and destructive changes. CODEOWNERS cannot say
 * this (any one listed owner of a file approves it), so CI checks it with `mailorg approvers --check`.
 */
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import type { Change } from "./diff.ts";
import { describe } from "./render.ts";

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

/** The approvals a set of changes needs, departments first (sorted by id), then the organisation owners. */
export function requiredApprovals(changes: readonly Change[], sides: readonly { org: Org; index: OrgIndex }[]): Requirement[] {
  const head = sides[sides.length - 1]!;
  const reqs = new Map<string, { anyOf: string[]; reasons: Set<string> }>();
  const need = (scope: string, anyOf: readonly string[], why: string): void => {
    const r = reqs.get(scope) ?? { anyOf: [...anyOf].sort(), reasons: new Set<string>() };
    r.reasons.add(why);
    reqs.set(scope, r);
  };
  for (const c of changes) {
    const why = `${c.section}: ${c.subject} ${describe(c)}`;
    for (const d of c.departments) {
      // The department may exist on one side only (created or removed): ask that side.
      const side = sides.find((s) => s.index.departments.has(d)) ?? head;
      need(`department ${d}`, departmentAdmins(side.org, side.index, d), why);
    }
    if (c.orgWide || c.departments.length === 0 || c.destructive) need("organisation owners", head.org.organisation.owners ?? [], why);
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
