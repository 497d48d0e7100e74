import { pointer } from "../pointer.ts";
import type { Rule } from "./types.ts";

export const MAX_ALIASES = 5;

export const rule: Rule = {
  id: "alias-limit",
  summary: `a member has at most ${MAX_ALIASES} aliases`,
  explanation:
    "Mail regulations allow a member several addresses, but at most five aliases beside the primary address. " +
    "Remove aliases past the fifth, or give the role its own shared mailbox.",
  check({ org }) {
    return org.members.flatMap((m, i) => {
      const n = m.aliases?.length ?? 0;
      return n > MAX_ALIASES
        ? [
            {
              pointer: pointer("members", i, "aliases"),
              message: `member ${m.address} has ${n} aliases; at most ${MAX_ALIASES} are allowed (remove ${n - MAX_ALIASES})`,
            },
          ]
        : [];
    });
  },
};
