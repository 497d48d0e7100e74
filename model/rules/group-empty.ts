import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "group-empty",
  summary: "a group delivers to at least one active recipient (warning)",
  explanation:
    "A group whose members have all departed, or whose departments are empty, would accept mail that nobody receives. The router " +
    "delivers such mail to the catch-all when there is one and says so (`mailorg route` shows it); add members or remove the group.",
  check({ org, index }) {
    const out: Finding[] = [];
    org.groups.forEach((g, i) => {
      if (index.groupIndex.get(g.address.toLowerCase()) !== i) return;
      if (index.expand([g.address]).length === 0) {
        const catchAll = org.organisation.catch_all;
        out.push({
          pointer: pointer("groups", i, "members"),
          severity: "warning",
          message: `group ${g.address} has no active recipients, so its mail ${catchAll ? `goes to the catch-all ${catchAll.toLowerCase()}` : "is delivered to nobody"}; add members or remove the group`,
        });
      }
    });
    return out;
  },
};
