import { pointer } from "../../model/pointer.ts";
import { SES_MAX_RULES_PER_RULE_SET, SES_MAX_RECIPIENTS_PER_RULE } from "../routing.ts";
import type { PlanRule } from "./types.ts";

export const rule: PlanRule = {
  id: "receipt-rule-quota",
  summary: `the receipt rule set fits SES's limits: at most ${SES_MAX_RECIPIENTS_PER_RULE} recipients per rule and ${SES_MAX_RULES_PER_RULE_SET} rules per rule set`,
  explanation:
    "SES rejects unknown recipients at SMTP time only if every deliverable address is listed in a receipt " +
    "rule; mailorg packs them 100 to a rule, and a rule set holds at most 200 rules (hard SES limits), one of " +
    "which per receiving domain is the catch-all rule. Past that the plan switches to one rule per receiving " +
    "domain and the router refuses unknown recipients itself (docs/inbound.md), so only an org with more than " +
    "200 receiving domains fails this rule.",
  check({ plan }) {
    // Listing recipients is chosen only while it fits (plan/routing.ts), so only domain-wide rules can exceed the limit.
    if (plan.inbound.rules.length <= SES_MAX_RULES_PER_RULE_SET) return [];
    return [
      {
        pointer: pointer("domains"),
        message: `${plan.inbound.table.receivingDomains.length} receiving domains need one receipt rule each; SES allows ${SES_MAX_RULES_PER_RULE_SET} per rule set (set receive: false on domains that take no mail, or split the org across accounts)`,
      },
    ];
  },
};
