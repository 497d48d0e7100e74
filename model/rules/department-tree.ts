import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const MAX_DEPARTMENT_DEPTH = 10;

export const rule: Rule = {
  id: "department-tree",
  summary: `departments form a tree (no cycles) at most ${MAX_DEPARTMENT_DEPTH} levels deep`,
  explanation:
    "Mail regulations allow at most ten levels of departments; a parent cycle would make department:<id> " +
    "references and approvals endless. Fix the parent so every chain ends at a top department within ten levels.",
  check({ org, index }) {
    const out: Finding[] = [];
    const depth = new Map<string, number>();
    org.departments.forEach((d, i) => {
      if (index.departmentIndex.get(d.id) !== i) return;
      // Walk up; memoised depths make the whole check linear.
      const chain: string[] = [];
      const onChain = new Set<string>();
      let cur: string | undefined = d.id;
      let base = 0;
      while (cur !== undefined) {
        const known = depth.get(cur);
        if (known !== undefined) {
          base = known;
          break;
        }
        if (onChain.has(cur)) {
          const cycle = [...chain.slice(chain.indexOf(cur)), cur];
          // Reported once per cycle, at the department where the walk entered it.
          out.push({
            pointer: pointer("departments", index.departmentIndex.get(cur)!, "parent"),
            message: `department ${cur} is its own ancestor: ${cycle.join(" -> ")}; change one parent to break the cycle`,
          });
          base = Number.POSITIVE_INFINITY;
          break;
        }
        chain.push(cur);
        onChain.add(cur);
        const dep = index.departments.get(cur);
        cur = dep?.parent !== undefined && index.departments.has(dep.parent) ? dep.parent : undefined;
      }
      for (let k = chain.length - 1; k >= 0; k--) {
        base = base + 1;
        depth.set(chain[k]!, base);
      }
      const level = depth.get(d.id)!;
      if (Number.isFinite(level) && level > MAX_DEPARTMENT_DEPTH) {
        out.push({
          pointer: pointer("departments", i, "parent"),
          message: `department ${d.id} is at level ${level}; at most ${MAX_DEPARTMENT_DEPTH} levels are allowed (attach it higher in the tree)`,
        });
      }
    });
    return out;
  },
};
