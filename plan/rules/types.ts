/** A rule on the MailPlan: an org rule (model/rules/types.ts) that also reads the plan's derived facts. */
import type { Finding, Rule, RuleContext } from "../../model/rules/types.ts";
import type { MailPlan } from "../plan.ts";

export interface PlanRuleContext extends RuleContext {
  /** The plan synthesis renders: the same object, computed once. */
  readonly plan: MailPlan;
}

export interface PlanRule extends Omit<Rule, "check"> {
  check(ctx: PlanRuleContext): Finding[];
}
