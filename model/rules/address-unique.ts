import { canon } from "../org.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "address-unique",
  summary: "every address is used once across members, aliases, groups and mailboxes (case-insensitively)",
  explanation:
    "An address delivers to exactly one place; two declarations of the same address (in any letter case) " +
    "would make routing ambiguous. Rename or remove one of them.",
  check({ index }) {
    const first = new Map<string, (typeof index.declarations)[number]>();
    const out: Finding[] = [];
    for (const d of index.declarations) {
      const key = canon(d.address);
      const prev = first.get(key);
      if (!prev) {
        first.set(key, d);
        continue;
      }
      out.push({
        pointer: d.pointer,
        message: `${d.address} (${d.kind}) is already used by ${prev.kind === "alias" ? `an alias of ${prev.target}` : `${prev.kind} ${prev.address}`}; each address may be declared once (rename or remove one)`,
      });
    }
    return out;
  },
};
