import { closest } from "../schema.ts";
import { pointer } from "../pointer.ts";
import { laterDuplicates } from "./duplicates.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "signature-exists",
  summary: "signature ids are unique, and a member's signature names a declared template",
  explanation: "Every member's signature is rendered from one enterprise template; a name that matches none would leave them without one, and two templates with one id would be ambiguous.",
  check({ org }) {
    const out: Finding[] = laterDuplicates(org.signatures, (s) => s.id).map(({ index, first, item }) => ({
      pointer: pointer("signatures", index, "id"),
      message: `signature id '${item.id}' is already declared (signatures #${first + 1}); rename one`,
    }));
    const ids = new Set(org.signatures.map((s) => s.id));
    org.members.forEach((m, i) => {
      if (m.signature !== undefined && !ids.has(m.signature)) {
        const guess = closest(m.signature, [...ids.keys()]);
        out.push({
          pointer: pointer("members", i, "signature"),
          message: `member ${m.address} uses signature '${m.signature}', which is not declared${guess ? `; did you mean '${guess}'?` : "; declare it under signatures"}`,
        });
      }
    });
    return out;
  },
};
