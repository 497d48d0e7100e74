import { pointer } from "../../model/pointer.ts";
import { deliverableAddresses, SES_MAX_RULES_PER_RULE_SET, SES_MAX_RECIPIENTS_PER_RULE } from "../routing.ts";
import type { PlanRule } from "./types.ts";

export const rule: PlanRule = {
  id: "receipt-rule-quota",
  summary: `the receipt rule set fits SES's limits: at most ${SES_MAX_RECIPIENTS_PER_RULE} recipients per rule and ${SES_MAX_RULES_PER_RULE_SET} rules per rule set`,
  explanation:
    "SES rejects unknown recipients at SMTP time only if every deliverable address is listed in a receipt " +
    "rule; mailorg packs them 100 to a rule, and a rule set holds at most 200 rules (hard SES limits), one of " +
    "which per receiving domain is the catch-all rule. Past that the org needs a second account or region.",
  check({ plan }) {
    const { table } = plan.inbound;
    const catchAll = plan.inbound.rules.filter((r) => r.catchAll).length;
    const rules = plan.inbound.rules.length - catchAll;
    if (rules + catchAll <= SES_MAX_RULES_PER_RULE_SET) return [];
    const addresses = deliverableAddresses(table).length;
    return [
      {
        pointer: pointer("organisation", "name"),
        message: `${addresses} deliverable addresses need ${rules} receipt rules (${SES_MAX_RECIPIENTS_PER_RULE} each)${catchAll ? ` plus ${catchAll} catch-all rules` : ""}; SES allows ${SES_MAX_RULES_PER_RULE_SET} per rule set (remove addresses or split the org across accounts)`,
      },
    ];
  },
};
