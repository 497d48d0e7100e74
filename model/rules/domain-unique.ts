import { canon } from "../org.ts";
import { pointer } from "../pointer.ts";
import { laterDuplicates } from "./duplicates.ts";
import type { Rule } from "./types.ts";

export const rule: Rule = {
  id: "domain-unique",
  summary: "each domain is declared once",
  explanation: "A domain is one SES identity and one set of DNS records; declaring it twice would fight over them. Merge the two entries.",
  check({ org }) {
    return laterDuplicates(org.domains, (d) => canon(d.name)).map(({ index, first, item }) => ({
      pointer: pointer("domains", index, "name"),
      message: `domain ${item.name} is already declared (domains #${first + 1}); merge the two entries`,
    }));
  },
};
