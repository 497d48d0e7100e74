/**
 * The IAM evaluator's decisions one operator at a time, each case checked against @cloud-copilot/iam-simulate
 * (the independent oracle) as well as against the decision written here: the operators mailorg's policies
 * do not use yet (StringEquals, StringNotEquals, DateGreaterThanEquals), missing keys and policy variables,
 * case rules for actions and resources.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import type { PolicyDocument, Statement } from "../plan/sending.ts";
import { evaluate } from "../plan/iam-eval.ts";

type Context = Record<string, string | string[] | undefined>;
type Decision = "Allow" | "Deny" | "ImplicitDeny";

const ACCOUNT = "123456789012";
const RESOURCE = `arn:aws:ses:eu-west-1:${ACCOUNT}:identity/example.com`;
const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const allowIf = (Condition: Statement["Condition"], extra: Partial<Statement> = {}): Statement => ({ Sid: "A", Effect: "Allow", Action: "ses:SendRawEmail", Resource: "*", ...(Condition ? { Condition } : {}), ...extra });

async function oracle(statements: Statement[], action: string, resource: string, context: Context): Promise<Decision> {
  const contextVariables: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(context)) if (v !== undefined) contextVariables[k] = v;
  const r = await runSimulation(
    {
      identityPolicies: [{ name: "p", policy: doc(...statements) as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: { action, principal: `arn:aws:iam::${ACCOUNT}:user/u@example.com`, resource: { accountId: ACCOUNT, resource }, contextVariables },
    } as never,
    {},
  );
  if (r.resultType === "error") throw new Error(`iam-simulate refused the case: ${JSON.stringify(r.errors).slice(0, 300)}`);
  const overall = (r as { overallResult: string }).overallResult;
  return overall === "Allowed" ? "Allow" : overall === "ExplicitlyDenied" ? "Deny" : "ImplicitDeny";
}

/** mailorg's decision, asserted to be `expected` and to be what iam-simulate decides. */
async function decides(expected: Decision, statements: Statement[], context: Context, action = "ses:SendRawEmail", resource = RESOURCE): Promise<void> {
  const ctx = { "aws:username": "u@example.com", ...context };
  expect(evaluate([{ name: "p", document: doc(...statements) }], { action, resource, context: ctx }).decision).toBe(expected);
  expect(await oracle(statements, action, resource, ctx)).toBe(expected);
}

describe("IAM evaluator, operator by operator (agreeing with iam-simulate)", () => {
  it("StringEquals is exact and case-sensitive; StringNotEquals its negation", async () => {
    await decides("Allow", [allowIf({ StringEquals: { "ses:FromAddress": "a@example.com" } })], { "ses:FromAddress": "a@example.com" });
    await decides("ImplicitDeny", [allowIf({ StringEquals: { "ses:FromAddress": "a@example.com" } })], { "ses:FromAddress": "A@example.com" });
    await decides("ImplicitDeny", [allowIf({ StringEquals: { "ses:FromAddress": "a*" } })], { "ses:FromAddress": "a@example.com" });
    await decides("ImplicitDeny", [allowIf({ StringNotEquals: { "ses:FromAddress": "a@example.com" } })], { "ses:FromAddress": "a@example.com" });
    await decides("Allow", [allowIf({ StringNotEquals: { "ses:FromAddress": "a@example.com" } })], { "ses:FromAddress": "A@example.com" });
  });

  it("StringNotEqualsIgnoreCase ignores case; StringNotLike negates a wildcard match", async () => {
    await decides("ImplicitDeny", [allowIf({ StringNotEqualsIgnoreCase: { "ses:FromAddress": "a@example.com" } })], { "ses:FromAddress": "A@EXAMPLE.com" });
    await decides("Allow", [allowIf({ StringNotEqualsIgnoreCase: { "ses:FromAddress": "a@example.com" } })], { "ses:FromAddress": "b@example.com" });
    await decides("ImplicitDeny", [allowIf({ StringNotLike: { "ses:FromAddress": "*@example.com" } })], { "ses:FromAddress": "b@example.com" });
    await decides("Allow", [allowIf({ StringNotLike: { "ses:FromAddress": "*@example.com" } })], { "ses:FromAddress": "b@example.net" });
  });

  it("StringLike: * and ? are wildcards, every other character (. + ^ $ ( ) [ ] |) is literal", async () => {
    await decides("Allow", [allowIf({ StringLike: { "ses:FromAddress": "a?c@ex*.com" } })], { "ses:FromAddress": "abc@example.com" });
    await decides("ImplicitDeny", [allowIf({ StringLike: { "ses:FromAddress": "a?c@ex*.com" } })], { "ses:FromAddress": "abbc@example.com" });
    await decides("ImplicitDeny", [allowIf({ StringLike: { "ses:FromAddress": "a.c@example.com" } })], { "ses:FromAddress": "abc@example.com" });
    await decides("Allow", [allowIf({ StringLike: { "ses:FromAddress": "a+(b)|[c]^$@example.com" } })], { "ses:FromAddress": "a+(b)|[c]^$@example.com" });
  });

  it("IpAddress: a range or a bare address; an entry that is not a CIDR matches nothing", async () => {
    await decides("Allow", [allowIf({ IpAddress: { "aws:SourceIp": ["not-a-cidr", "192.0.2.0/24"] } })], { "aws:SourceIp": "192.0.2.9" });
    await decides("ImplicitDeny", [allowIf({ IpAddress: { "aws:SourceIp": ["not-a-cidr"] } })], { "aws:SourceIp": "192.0.2.9" });
    await decides("Allow", [allowIf({ IpAddress: { "aws:SourceIp": "192.0.2.1" } })], { "aws:SourceIp": "192.0.2.1" });
    await decides("ImplicitDeny", [allowIf({ IpAddress: { "aws:SourceIp": "192.0.2.1" } })], { "aws:SourceIp": "192.0.2.2" });
  });

  it("DateLessThan is strict; DateGreaterThanEquals includes the instant; several values are alternatives", async () => {
    const limit = "2026-07-01T00:00:00Z";
    await decides("ImplicitDeny", [allowIf({ DateLessThan: { "aws:CurrentTime": limit } })], { "aws:CurrentTime": limit });
    await decides("Allow", [allowIf({ DateLessThan: { "aws:CurrentTime": ["2026-06-01T00:00:00Z", "2026-08-01T00:00:00Z"] } })], { "aws:CurrentTime": limit });
    await decides("Allow", [allowIf({ DateGreaterThanEquals: { "aws:CurrentTime": limit } })], { "aws:CurrentTime": limit });
    await decides("Allow", [allowIf({ DateGreaterThanEquals: { "aws:CurrentTime": limit } })], { "aws:CurrentTime": "2026-07-01T00:00:01Z" });
    await decides("ImplicitDeny", [allowIf({ DateGreaterThanEquals: { "aws:CurrentTime": limit } })], { "aws:CurrentTime": "2026-06-30T23:59:59Z" });
    await decides("Allow", [allowIf({ DateGreaterThanEquals: { "aws:CurrentTime": ["2026-08-01T00:00:00Z", "2026-06-01T00:00:00Z"] } })], { "aws:CurrentTime": limit });
  });

  it("a missing key: a positive operator is false, a negated one true, ForAnyValue false, ForAllValues true", async () => {
    await decides("ImplicitDeny", [allowIf({ StringLike: { "ses:FromAddress": "*" } })], {});
    await decides("ImplicitDeny", [allowIf({ StringEquals: { "ses:FromAddress": "undefined" } })], {});
    await decides("Allow", [allowIf({ StringNotEquals: { "ses:FromAddress": "a@example.com" } })], {});
    await decides("ImplicitDeny", [allowIf({ "ForAnyValue:StringLike": { "ses:Recipients": "*" } })], {});
    await decides("Allow", [allowIf({ "ForAllValues:StringLike": { "ses:Recipients": "*@example.com" } })], {});
  });

  it("ForAnyValue needs one value to match, ForAllValues every value", async () => {
    const to = { "ses:Recipients": ["a@example.com", "b@example.net"] };
    await decides("Allow", [allowIf({ "ForAnyValue:StringEquals": { "ses:Recipients": "b@example.net" } })], to);
    await decides("ImplicitDeny", [allowIf({ "ForAllValues:StringEquals": { "ses:Recipients": "b@example.net" } })], to);
    await decides("Allow", [allowIf({ "ForAllValues:StringEquals": { "ses:Recipients": ["b@example.net", "a@example.com"] } })], to);
  });

  it("a single-valued operator never matches a multivalued key (it needs ForAnyValue or ForAllValues)", async () => {
    await decides("ImplicitDeny", [allowIf({ StringEquals: { "ses:Recipients": "a@example.com" } })], { "ses:Recipients": ["a@example.com"] });
    await decides("ImplicitDeny", [allowIf({ StringNotEquals: { "ses:Recipients": "z@example.com" } })], { "ses:Recipients": ["a@example.com", "b@example.com"] });
  });

  it("a policy variable missing from the request matches nothing, whatever the operator", async () => {
    await decides("ImplicitDeny", [allowIf({ StringLike: { "ses:FromAddress": "${aws:missing}*" } })], { "ses:FromAddress": "a@example.com" });
    await decides("ImplicitDeny", [allowIf({ StringEquals: { "ses:FromAddress": "${aws:missing}" } })], { "ses:FromAddress": "" });
    await decides("ImplicitDeny", [allowIf({ StringNotEquals: { "ses:FromAddress": "${aws:missing}" } })], { "ses:FromAddress": "a@example.com" });
    await decides("Allow", [allowIf({ StringEquals: { "ses:FromAddress": ["${aws:missing}", "a@example.com"] } })], { "ses:FromAddress": "a@example.com" });
    await decides("Allow", [allowIf({ StringEqualsIgnoreCase: { "ses:FromAddress": "${aws:username}" } })], { "ses:FromAddress": "U@Example.com" });
    await decides("ImplicitDeny", [allowIf(undefined, { Resource: `arn:aws:ses:*:*:identity/\${aws:missing}*` })], {});
  });

  it("actions compare case-insensitively, resources case-sensitively, and a statement needs both to apply", async () => {
    await decides("Allow", [allowIf(undefined, { Action: "SES:sendrawemail" })], {});
    await decides("ImplicitDeny", [allowIf(undefined, { Action: "ses:SendEmail" })], {});
    await decides("ImplicitDeny", [allowIf(undefined, { Action: ["ses:SendEmail", "ses:SendTemplatedEmail"] })], {});
    await decides("ImplicitDeny", [allowIf(undefined, { Resource: `arn:aws:ses:eu-west-1:${ACCOUNT}:identity/Example.com` })], {});
    await decides("ImplicitDeny", [allowIf(undefined, { Resource: `arn:aws:ses:eu-west-1:${ACCOUNT}:identity/example_com` })], {}, "ses:SendRawEmail", `arn:aws:ses:eu-west-1:${ACCOUNT}:identity/example.com`);
    await decides("ImplicitDeny", [{ ...allowIf(undefined), Effect: "Deny", Action: "ses:SendEmail" }, allowIf(undefined, { Sid: "B", Resource: "arn:aws:ses:*:*:identity/example.net" })], {});
  });

  it("names the deciding statement: the first Allow, or the Deny that overrides it", () => {
    const policies = [
      { name: "p", document: doc(allowIf(undefined, { Sid: "First" }), allowIf(undefined, { Sid: "Second" })) },
      { name: "q", document: doc(allowIf({ StringEquals: { "ses:FromAddress": "x@example.com" } }, { Sid: "NoX", Effect: "Deny" })) },
    ];
    const req = (from: string) => ({ action: "ses:SendRawEmail", resource: RESOURCE, context: { "ses:FromAddress": from } });
    expect(evaluate(policies, req("a@example.com"))).toEqual({ decision: "Allow", statement: "p: First" });
    expect(evaluate(policies, req("x@example.com"))).toEqual({ decision: "Deny", statement: "q: NoX" });
    expect(evaluate([], req("a@example.com"))).toEqual({ decision: "ImplicitDeny", statement: null });
  });

  it("a wildcard also spans a line break (IAM: any combination of characters); iam-simulate differs here", () => {
    const p = [{ name: "p", document: doc(allowIf({ StringLike: { "ses:FromAddress": "a*b" } })) }];
    expect(evaluate(p, { action: "ses:SendRawEmail", resource: RESOURCE, context: { "ses:FromAddress": "a\nb" } }).decision).toBe("Allow");
  });

  it("refuses an operator it does not implement instead of guessing", () => {
    const p = [{ name: "p", document: doc(allowIf({ NumericLessThan: { "s3:max-keys": "10" } })) }];
    expect(() => evaluate(p, { action: "ses:SendRawEmail", resource: RESOURCE, context: { "s3:max-keys": "5" } })).toThrow("condition operator NumericLessThan is not supported by the evaluator");
  });
});
