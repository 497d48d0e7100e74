/** The shape of a semantic rule: one file per rule under model/rules/, listed in model/rules/index.ts. */
import type { Severity } from "../diagnostics.ts";
import type { Org } from "../org.ts";
import type { OrgIndex } from "../org-index.ts";

export interface Finding {
  /** JSON pointer into the merged Org, e.g. /members/3/aliases. */
  readonly pointer: string;
  /** Lowercase, no trailing period: the value received, what is allowed, what to change. */
  readonly message: string;
  /** Default error. */
  readonly severity?: Severity;
  /** Point at the mapping key rather than its value (for "this key should not be here"). */
  readonly at?: "key";
  /** A 1-based line inside the (multi-line) string value the pointer names, e.g. a template's line. */
  readonly line?: number;
}

export interface RuleContext {
  readonly org: Org;
  readonly index: OrgIndex;
  /** Today, YYYY-MM-DD (MAILORG_TODAY when set). */
  readonly today: string;
}

export interface Rule {
  /** Stable kebab-case id; also the file name. */
  readonly id: string;
  /** One line: what the rule enforces. */
  readonly summary: string;
  /** Why: the regulation or AWS limit behind it, and how to comply. */
  readonly explanation: string;
  check(ctx: RuleContext): Finding[];
}
