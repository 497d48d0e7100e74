/** Located findings and their house-style formatting (see docs/org-format.md). */

export type Severity = "error" | "warning";

export interface Diagnostic {
  /** Path of the file, relative to the working directory, with forward slashes. */
  readonly file: string;
  /** 1-based line; 0 when the finding concerns no particular place in the file. */
  readonly line: number;
  /** 1-based column; 0 when line is 0. */
  readonly col: number;
  readonly severity: Severity;
  /** Stable kebab-case rule id, e.g. alias-limit, schema, yaml-syntax. */
  readonly rule: string;
  /** Lowercase, no trailing period: what was received, what is allowed, what to change. */
  readonly message: string;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.col - b.col || cmp(a.rule, b.rule) || cmp(a.message, b.message);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(compareDiagnostics);
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  return `${where}: ${d.severity} [${d.rule}] ${d.message}`;
}

/** The whole report: one line per finding, sorted, then a summary line. */
export function formatDiagnostics(diags: readonly Diagnostic[]): string {
  const sorted = sortDiagnostics(diags);
  const lines = sorted.map(formatDiagnostic);
  const errors = sorted.filter((d) => d.severity === "error");
  const warnings = sorted.length - errors.length;
  const files = new Set(sorted.map((d) => d.file)).size;
  const parts: string[] = [];
  if (errors.length) parts.push(`${errors.length} error${errors.length === 1 ? "" : "s"}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  if (parts.length) lines.push(`${parts.join(", ")} in ${files} file${files === 1 ? "" : "s"}`);
  return lines.join("\n");
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** Thrown when an org is invalid; carries every finding. Caught by the CLI and main.ts, never shown as a stack trace. */
export class OrgInvalidError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(formatDiagnostics(diagnostics));
    this.name = "OrgInvalidError";
  }
}
