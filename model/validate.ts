/** The whole validation: load + schema, then (when the shape is valid) every semantic rule. */
import { hasErrors, OrgInvalidError, sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
import { loadOrg } from "./load.ts";
import type { Org } from "./org.ts";
import { RULES } from "./rules/index.ts";
import type { Finding, Rule } from "./rules/types.ts";
import type { OrgSources } from "./sources.ts";
import { today as todayOf } from "./today.ts";
import { OrgIndex } from "./org-index.ts";

export interface ValidationResult {
  readonly org: Org;
  /** Present when the shape was valid and the rules ran. */
  readonly index?: OrgIndex;
  readonly sources: OrgSources;
  /** Sorted by file, line, column. */
  readonly diagnostics: Diagnostic[];
  readonly ok: boolean;
  /** The day the rules ran for: opts.today, MAILORG_TODAY, or today in organisation.timezone. */
  readonly today: string;
}

export interface ValidateOptions {
  /** YYYY-MM-DD; default today (or MAILORG_TODAY). */
  readonly today?: string;
  /** Rules to run; default every rule. */
  readonly rules?: readonly Rule[];
  /** How file paths are shown (see LoadOptions.displayAs). */
  readonly displayAs?: string;
  /** Data of files already read, by their text (see LoadOptions.shared). */
  readonly shared?: Map<string, unknown>;
}

export function validateOrg(dir: string, opts: ValidateOptions = {}): ValidationResult {
  return withRules(loadIndexed(dir, opts), opts.rules);
}

/** A loaded org (loadIndexed) with the rules run on it: what validateOrg returns. */
export function withRules(loaded: ValidationResult, rules: readonly Rule[] = RULES): ValidationResult {
  if (!loaded.index) return loaded;
  const { org, index, sources, diagnostics, today } = loaded;
  const sorted = sortDiagnostics([...diagnostics, ...runRules(rules, { org, index, today }, sources)]);
  return { org, index, sources, diagnostics: sorted, ok: !hasErrors(sorted), today };
}

/**
 * What validateOrg does before the rules: load and schema, then the index when the shape is valid (`index`
 * absent, and `ok` false, when it is not). A review plans from it while another thread runs the rules.
 */
export function loadIndexed(dir: string, opts: ValidateOptions = {}): ValidationResult {
  const { org, sources, diagnostics } = loadOrg(dir, { displayAs: opts.displayAs, shared: opts.shared });
  const today = opts.today ?? todayOf(org);
  if (hasErrors(diagnostics)) {
    return { org, sources, diagnostics: sortDiagnostics(diagnostics), ok: false, today };
  }
  return { org, index: new OrgIndex(org), sources, diagnostics, ok: true, today };
}

/** Runs rules (org rules here, plan rules in plan/validate.ts) and places each finding at its file, line and column. */
export function runRules<C>(rules: readonly { readonly id: string; check(ctx: C): Finding[] }[], ctx: C, sources: OrgSources): Diagnostic[] {
  return rules.flatMap((rule) =>
    rule.check(ctx).map((f) => ({ ...sources.locate(f.pointer, f.at ?? "auto", f.line), severity: f.severity ?? "error", rule: rule.id, message: f.message })),
  );
}

/** A valid org and its index, or OrgInvalidError carrying every finding. */
export function loadValidOrg(dir: string, opts: ValidateOptions = {}): { org: Org; index: OrgIndex; sources: OrgSources; diagnostics: Diagnostic[] } {
  const r = validateOrg(dir, opts);
  if (!r.ok || !r.index) throw new OrgInvalidError(r.diagnostics);
  return { org: r.org, index: r.index, sources: r.sources, diagnostics: r.diagnostics };
}
