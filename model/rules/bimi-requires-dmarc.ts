import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "bimi-requires-dmarc",
  summary: "a BIMI logo requires DMARC quarantine or reject at pct 100",
  explanation:
    "Mailbox providers show a BIMI logo only for domains whose DMARC policy is enforced (p=quarantine or " +
    "p=reject) on all mail (pct=100). Publishing BIMI without it does nothing; strengthen dmarc or remove bimi_logo_url.",
  check({ org }) {
    const out: Finding[] = [];
    org.domains.forEach((d, i) => {
      if (!d.bimi_logo_url) return;
      const policy = d.dmarc?.policy ?? "quarantine";
      const pct = d.dmarc?.pct ?? 100;
      if (policy === "none" || pct !== 100) {
        out.push({
          pointer: pointer("domains", i, "bimi_logo_url"),
          message: `domain ${d.name} publishes a BIMI logo but its DMARC is p=${policy} pct=${pct}; BIMI needs quarantine or reject at pct 100`,
        });
      }
    });
    return out;
  },
};
