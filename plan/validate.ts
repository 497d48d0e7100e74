/**
 * The whole validation: the org (load, schema, org rules; model/validate.ts), then, when that passed, the
 * plan computed once and the rules on it (plan/rules/). What synthesis renders is this same plan.
 */
import { hasErrors, OrgInvalidError, sortDiagnostics, type Diagnostic } from "../model/diagnostics.ts";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import type { OrgSources } from "../model/sources.ts";
import { runRules, validateOrg, type ValidateOptions, type ValidationResult } from "../model/validate.ts";
import { planOrg, type MailPlan } from "./plan.ts";
import { PLAN_RULES } from "./rules/index.ts";
import type { PlanRule } from "./rules/types.ts";

export interface PlanValidationResult extends ValidationResult {
  /** Present when the org was valid enough to plan. */
  readonly plan?: MailPlan;
}

export interface PlanValidateOptions extends ValidateOptions {
  /** Plan rules to run; default every plan rule. */
  readonly planRules?: readonly PlanRule[];
}

export function validatePlan(dir: string, opts: PlanValidateOptions = {}): PlanValidationResult {
  const r = validateOrg(dir, opts);
  if (!r.index || hasErrors(r.diagnostics)) return r;
  const { today } = r;
  const plan = planOrg(r.org, r.index, { today });
  const ctx = { org: r.org, index: r.index, today, plan };
  const sorted = sortDiagnostics([...r.diagnostics, ...runRules(opts.planRules ?? PLAN_RULES, ctx, r.sources)]);
  return { ...r, plan, diagnostics: sorted, ok: !hasErrors(sorted) };
}

/** A valid org and its plan, or OrgInvalidError carrying every finding. */
export function loadValidPlan(dir: string, opts: PlanValidateOptions = {}): { org: Org; index: OrgIndex; plan: MailPlan; sources: OrgSources; diagnostics: Diagnostic[]; today: string } {
  const r = validatePlan(dir, opts);
  if (!r.ok || !r.index || !r.plan) throw new OrgInvalidError(r.diagnostics);
  return { org: r.org, index: r.index, plan: r.plan, sources: r.sources, diagnostics: r.diagnostics, today: r.today };
}
