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
      add({ section: "Departments", kind: b ? "delete" : "create", subject: id, before: b ? { parent: b.parent ?? null } : null, after: h ? { parent: h.parent ?? null } : null, departments: [id, ...(x.parent ? [x.parent] : [])], orgWide: !x.parent });
      continue;
    }
    field("Departments", id, "parent", b.parent ?? null, h.parent ?? null, { departments: [id, b.parent, h.parent].filter((p): p is string => !!p), orgWide: false });
    field("Departments", id, "name", b.name, h.name, { departments: [id], orgWide: false });
    field("Departments", id, "admins", [...(b.admins ?? [])].sort(), [...(h.admins ?? [])].sort(), { departments: [id], orgWide: true });
    rest("Departments", id, "", b, h, FIELDS.department, { departments: [id], orgWide: true });
  }
}
