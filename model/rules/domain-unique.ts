import { canon } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "domain-unique",
  summary: "each domain is declared once",
  explanation: "A domain is one SES identity and one set of DNS records; declaring it twice would fight over them. Merge the two entries.",
  check({ org }) {
    const seen = new Map<string, number>();
    const out: Finding[] = [];
    org.domains.forEach((d, i) => {
      const key = canon(d.name);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else out.push({ pointer: pointer("domains", i, "name"), message: `domain ${d.name} is already declared (domains #${first + 1}); merge the two entries` });
    });
    return out;
  },
};
