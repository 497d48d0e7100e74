import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "group-empty",
  summary: "a group delivers to at least one active recipient (warning)",
  explanation: "A group whose members have all departed, or whose departments are empty, accepts mail that nobody receives. Add members or remove the group.",
  check({ org, index }) {
    const out: Finding[] = [];
    org.groups.forEach((g, i) => {
      if (index.groupIndex.get(g.address.toLowerCase()) !== i) return;
      if (index.expand([g.address]).length === 0) {
        out.push({ pointer: pointer("groups", i, "members"), severity: "warning", message: `group ${g.address} has no active recipients; add members or remove the group` });
      }
    });
    return out;
  },
};
