import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "group-member-is-alias",
  summary: "an alias may not be a group member or a group sender",
  explanation:
    "Mail regulations forbid aliases inside mail groups: a group lists people by their primary address, so " +
    "that membership and permissions follow the person, not one of their spare addresses. List the member's " +
    "primary address instead.",
  check({ org, index }) {
    const out: Finding[] = [];
    org.groups.forEach((g, gi) => {
      const lists: [string, readonly string[]][] = [["members", g.members]];
      if (Array.isArray(g.senders)) lists.push(["senders", g.senders]);
      for (const [key, refs] of lists) {
        refs.forEach((ref, ri) => {
          const r = index.resolve(ref);
          if (r?.kind === "alias") {
            out.push({
              pointer: pointer("groups", gi, key, ri),
              message:
                key === "members"
                  ? `${g.address} lists ${ref}, an alias of ${r.member.address}; list the member's address instead`
                  : `${g.address} names ${ref} as a sender, an alias of ${r.member.address}; name the member's address instead`,
            });
          }
        });
      }
    });
    return out;
  },
};
