import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "backup-name-unique",
  summary: "each backup rule has a unique name, and matches something",
  explanation: "A backup rule's name is its stable key in review and audit; a rule with no recipients and no senders would copy every message, which must be said explicitly (list the senders or recipients).",
  check({ org }) {
    const out: Finding[] = [];
    const seen = new Map<string, number>();
    org.backups.forEach((b, i) => {
      const first = seen.get(b.name);
      if (first === undefined) seen.set(b.name, i);
      else out.push({ pointer: pointer("backups", i, "name"), message: `backup rule name '${b.name}' is already used (backups #${first + 1}); rename one` });
      if (!b.match.recipients?.length && !b.match.senders?.length) {
        out.push({ pointer: pointer("backups", i, "match"), message: `backup rule ${b.name} matches every message; list recipients or senders under match` });
      }
    });
    return out;
  },
};
