import { canon } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "group-cycle",
  summary: "groups may contain groups, but never themselves (directly or through others)",
  explanation:
    "A group that contains itself through nested groups has no well-defined set of recipients. Remove one " +
    "of the nested group references on the cycle.",
  check({ org, index }) {
    const out: Finding[] = [];
    const state = new Map<string, 1 | 2>(); // 1 visiting, 2 done
    const stack: string[] = [];
    const visit = (g: string): void => {
      state.set(g, 1);
      stack.push(g);
      const gi = index.groupIndex.get(g)!;
      org.groups[gi]!.members.forEach((ref, ri) => {
        const key = canon(ref);
        if (!index.groups.has(key) || index.addresses.get(key)?.kind !== "group") return;
        const s = state.get(key);
        if (s === 1) {
          const cycle = [...stack.slice(stack.indexOf(key)), key];
          out.push({
            pointer: pointer("groups", gi, "members", ri),
            message: `group ${org.groups[gi]!.address} contains itself: ${cycle.join(" -> ")}; remove one nested group from the cycle`,
          });
        } else if (s === undefined) visit(key);
      });
      stack.pop();
      state.set(g, 2);
    };
    for (const g of index.groups.keys()) if (!state.has(g)) visit(g);
    return out;
  },
};
