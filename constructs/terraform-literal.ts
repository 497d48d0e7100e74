/**
 * The one boundary where literal text becomes Terraform text.
 *
 * Terraform reads every string in `*.tf.json` as a template: `${...}` interpolates and `%{...}` runs a
 * directive. Text from the org (an organisation name, a title, a signature, an IAM policy variable such as
 * `${aws:username}`) must reach AWS exactly as written, so every literal fragment of every string is
 * escaped here (`${` -> `$${`, `%{` -> `%%{`) just before cdktf resolves the stack. Only the references
 * the constructs create on purpose (cdktf tokens, which resolve to `${aws_x.y.z}`) stay live.
 *
 * MailOrgStack applies this to each of its elements' `toTerraform()` output, so no construct has to
 * remember it, and no literal can bypass it.
 */
import { TerraformElement } from "cdktn";
import type { IConstruct } from "constructs";

/** cdktf's string token marker (cdktf/lib/tokens/private/encoding.js: BEGIN_STRING_TOKEN_MARKER). */
const STRING_TOKEN = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

/** Escapes one literal fragment; `beforeToken` when a live reference follows it directly. */
export function escapeTemplateLiteral(text: string, beforeToken = false): string {
  let out = text.replace(/([$%])\{/g, "$1$1{");
  // A literal `$` or `%` right before a live `${...}` would turn it into the escape `$${`: spell that one
  // character as an interpolation of itself.
  if (beforeToken && (out.endsWith("$") || out.endsWith("%"))) out = `${out.slice(0, -1)}\${"${out.slice(-1)}"}`;
  return out;
}

function count(s: string, part: string): number {
  let n = 0;
  for (let i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length)) n++;
  return n;
}

/** Escapes the literal parts of a string that may hold cdktf tokens; the tokens are kept as they are. */
export function escapeString(s: string): string {
  // Fast path (most strings): no `%{`, and every `${` opens a token not preceded by `$` or `%`.
  if (!s.includes("%{") && count(s, "${") === count(s, "${TfToken[") && !/[$%]\$\{TfToken\[/.test(s)) return s;
  let out = "";
  let last = 0;
  for (const m of s.matchAll(STRING_TOKEN)) {
    out += escapeTemplateLiteral(s.slice(last, m.index), true) + m[0];
    last = m.index + m[0].length;
  }
  return out + escapeTemplateLiteral(s.slice(last));
}

/**
 * A JSON-like value with every string's literal parts escaped. Copy on write: an object or array is copied
 * only when something inside it changes, so the common case allocates nothing and shared objects (a
 * resource's overrides) are never modified. Keys are left alone.
 */
export function escapeLiterals<T>(value: T): T {
  if (typeof value === "string") return escapeString(value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = escapeLiterals(value[i]);
      if (v !== value[i]) (out ??= [...value])[i] = v;
    }
    return (out ?? value) as T;
  }
  if (value !== null && typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value; // a token object (IResolvable): resolved later
    const obj = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(obj)) {
      const v = escapeLiterals(obj[k]);
      if (v !== obj[k]) (out ??= { ...obj })[k] = v;
    }
    return (out ?? value) as T;
  }
  // Numbers, booleans, null: nothing literal to escape.
  return value;
}

const ESCAPED = Symbol.for("mailorg.terraform-literal.escaped");

/** Makes every Terraform element under `scope` emit escaped literals (idempotent). */
export function escapeElementLiterals(scope: IConstruct): void {
  for (const c of scope.node.findAll()) {
    if (!(c instanceof TerraformElement)) continue;
    const element = c as TerraformElement & { [ESCAPED]?: boolean };
    if (element[ESCAPED]) continue;
    element[ESCAPED] = true;
    const toTerraform = element.toTerraform.bind(element);
    element.toTerraform = () => escapeLiterals(toTerraform());
  }
}
