/**
 * A small IAM policy evaluator for the statements mailorg writes: explicit Deny wins, then Allow,
 * otherwise the implicit deny. Supports Action/Resource wildcards, policy variables (${aws:username}),
 * String(Not)Equals(IgnoreCase), String(Not)Like, IpAddress/NotIpAddress (IPv4 and IPv6), Date
 * comparisons, and the ForAnyValue:/ForAllValues: set operators on multi-valued keys. As IAM (and the test
 * oracle, @cloud-copilot/iam-simulate) decide: a policy variable missing from the request matches nothing, and
 * a multi-valued key compared without a set operator does not match.
 */
import { cidrContains, parseCidr } from "../model/ip.ts";
import type { PolicyDocument, Statement } from "./sending.ts";

export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys: single values as strings, multi-valued keys (ses:Recipients) as arrays. */
  readonly context: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface IamDecision {
  readonly decision: "Allow" | "Deny" | "ImplicitDeny";
  /** The deciding statement as "<policy name>: <Sid>", or null for the implicit deny. */
  readonly statement: string | null;
}

const asList = <T>(x: T | readonly T[]): readonly T[] => (Array.isArray(x) ? (x as readonly T[]) : [x as T]);

function globToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
}

/** The value with its policy variables replaced, or undefined when one is missing from the request (IAM: it then matches nothing). */
function substitute(value: string, ctx: IamRequest["context"]): string | undefined {
  const variable = /\$\{([^}]+)\}/g;
  if ([...value.matchAll(variable)].some(([, key]) => typeof ctx[key!] !== "string")) return undefined;
  return value.replace(variable, (_, key: string) => ctx[key] as string);
}

/** One operator applied to one request value against the condition's values (OR across them). */
function matchOne(op: string, value: string, expected: readonly string[]): boolean {
  switch (op) {
    case "StringEquals":
      return expected.includes(value);
    case "StringEqualsIgnoreCase":
      return expected.some((e) => e.toLowerCase() === value.toLowerCase());
    case "StringLike":
      return expected.some((e) => globToRegExp(e, false).test(value));
    case "IpAddress":
      return expected.some((e) => {
        const c = parseCidr(e);
        return c !== undefined && cidrContains(c, value);
      });
    case "DateLessThan":
      return expected.some((e) => Date.parse(value) < Date.parse(e));
    case "DateGreaterThanEquals":
      return expected.some((e) => Date.parse(value) >= Date.parse(e));
    default:
      throw new Error(`condition operator ${op} is not supported by the evaluator`);
  }
}

const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  NotIpAddress: "IpAddress",
};

function conditionHolds(opFull: string, key: string, expectedRaw: string | string[], ctx: IamRequest["context"]): boolean {
  const [setOp, op] = opFull.includes(":") ? (opFull.split(":") as [string, string]) : [undefined, opFull];
  const expected = asList(expectedRaw).flatMap((e) => substitute(e, ctx) ?? []);
  if (expected.length === 0) return false;
  const base = NEGATED[op] ?? op;
  const negate = base !== op;
  const test = (v: string): boolean => (negate ? !matchOne(base, v, expected) : matchOne(base, v, expected));
  const actual = ctx[key];
  if (setOp === "ForAnyValue") return actual !== undefined && asList(actual).some(test);
  if (setOp === "ForAllValues") return actual === undefined || asList(actual).every(test);
  // Single-valued: a missing key makes a positive operator false and a negated one true (IAM's rule for Not operators).
  // A multivalued key (an array) needs a set operator: without one the condition does not match.
  if (actual === undefined) return negate;
  return typeof actual === "string" && test(actual);
}

function statementApplies(s: Statement, req: IamRequest): boolean {
  if (!asList(s.Action).some((a) => globToRegExp(a, true).test(req.action))) return false;
  if (!asList(s.Resource).some((r) => {
    const pattern = substitute(r, req.context);
    return pattern !== undefined && globToRegExp(pattern, false).test(req.resource);
  })) return false;
  for (const [op, byKey] of Object.entries(s.Condition ?? {})) {
    for (const [key, expected] of Object.entries(byKey)) if (!conditionHolds(op, key, expected, req.context)) return false;
  }
  return true;
}

export function evaluate(policies: readonly { name: string; document: PolicyDocument }[], req: IamRequest): IamDecision {
  let allow: string | null = null;
  for (const p of policies) {
    for (const s of p.document.Statement) {
      if (!statementApplies(s, req)) continue;
      if (s.Effect === "Deny") return { decision: "Deny", statement: `${p.name}: ${s.Sid}` };
      allow ??= `${p.name}: ${s.Sid}`;
    }
  }
  return allow ? { decision: "Allow", statement: allow } : { decision: "ImplicitDeny", statement: null };
}
