/** Departments: the tree (parents), names and admins (authority: the organisation owners approve). */
import { byKey, keys, type DiffContext } from "./context.ts";

export const FIELDS = {
  department: ["id", "name", "parent", "admins"],
} as const;

export function diffDepartments(ctx: DiffContext): void {
  const { base, head, add, field, rest } = ctx;
  const bdp = byKey(base.org.departments, (d) => d.id);
  const hdp = byKey(head.org.departments, (d) => d.id);
  for (const id of keys(bdp, hdp)) {
    const b = bdp.get(id);
    const h = hdp.get(id);
    const x = (b ?? h)!;
    if (!b || !h) {
      // A department's admins approve everything in it from then on: new ones are named, and approved by the
      // parent's admins and the organisation owners.
      const value = (d: typeof x) => ({ parent: d.parent ?? null, ...(d.admins?.length ? { admins: [...d.admins].sort() } : {}) });
      add({ section: "Departments", kind: b ? "delete" : "create", subject: id, before: b ? value(b) : null, after: h ? value(h) : null, departments: [id, ...(x.parent ? [x.parent] : [])], orgWide: !x.parent || (h?.admins?.length ?? 0) > 0 });
      continue;
    }
    field("Departments", id, "parent", b.parent ?? null, h.parent ?? null, { departments: [id, b.parent, h.parent].filter((p): p is string => !!p), orgWide: false });
    field("Departments", id, "name", b.name, h.name, { departments: [id], orgWide: false });
    // New admins are approved by those above them: the parent's admins and the organisation owners.
    field("Departments", id, "admins", [...(b.admins ?? [])].sort(), [...(h.admins ?? [])].sort(), { departments: [id, ...(b.parent ? [b.parent] : [])].sort(), orgWide: true });
    rest("Departments", id, "", b, h, FIELDS.department, { departments: [id], orgWide: true });
  }
}
