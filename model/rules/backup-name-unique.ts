import { pointer } from "../pointer.ts";
import { laterDuplicates } from "./duplicates.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "backup-name-unique",
  summary: "each backup rule has a unique name, and matches something",
  explanation: "A backup rule's name is its stable key in review and audit; a rule with no recipients and no senders would copy every message, which must be said explicitly (list the senders or recipients).",
  check({ org }) {
    const out: Finding[] = laterDuplicates(org.backups, (b) => b.name).map(({ index, first, item }) => ({
      pointer: pointer("backups", index, "name"),
      message: `backup rule name '${item.name}' is already used (backups #${first + 1}); rename one`,
    }));
    org.backups.forEach((b, i) => {
      if (!b.match.recipients?.length && !b.match.senders?.length) {
        out.push({ pointer: pointer("backups", i, "match"), message: `backup rule ${b.name} matches every message; list recipients or senders under match` });
      }
    });
    return out;
  },
};
