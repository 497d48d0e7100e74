import { describe, expect, it } from "vitest";
import { evaluate } from "../plan/iam-eval.ts";
import type { PolicyDocument } from "../plan/sending.ts";

const doc = (...Statement: PolicyDocument["Statement"]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const req = (context: Record<string, string | string[] | undefined>, action = "ses:SendRawEmail", resource = "arn:aws:ses:eu-west-1:1:identity/example.com") => ({ action, resource, context });

describe("IAM evaluator", () => {
  const allow = doc({ Sid: "A", Effect: "Allow", Action: "ses:Send*", Resource: "arn:aws:ses:*:*:identity/*", Condition: { StringEqualsIgnoreCase: { "ses:FromAddress": "${aws:username}" } } });
  it("allows with a policy variable, implicitly denies otherwise", () => {
    expect(evaluate([{ name: "p", document: allow }], req({ "aws:username": "a@example.com", "ses:FromAddress": "A@Example.com" }))).toEqual({ decision: "Allow", statement: "p: A" });
    expect(evaluate([{ name: "p", document: allow }], req({ "aws:username": "a@example.com", "ses:FromAddress": "b@example.com" }))).toEqual({ decision: "ImplicitDeny", statement: null });
    expect(evaluate([{ name: "p", document: allow }], req({ "aws:username": "a@example.com", "ses:FromAddress": "a@example.com" }, "ses:SendEmail", "arn:aws:s3:::x"))).toEqual({ decision: "ImplicitDeny", statement: null });
  });
  it("an explicit deny wins over any allow", () => {
    const deny = doc({ Sid: "D", Effect: "Deny", Action: ["ses:SendEmail", "ses:SendRawEmail"], Resource: "*", Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"] } } });
    const policies = [{ name: "p", document: allow }, { name: "q", document: deny }];
    const base = { "aws:username": "a@example.com", "ses:FromAddress": "a@example.com" };
    expect(evaluate(policies, req({ ...base, "aws:SourceIp": "198.51.100.1" }))).toEqual({ decision: "Deny", statement: "q: D" });
    expect(evaluate(policies, req({ ...base, "aws:SourceIp": "192.0.2.77" })).decision).toBe("Allow");
    expect(evaluate(policies, req({ ...base, "aws:SourceIp": "2001:db8:1::9" })).decision).toBe("Allow");
    expect(evaluate(policies, req({ ...base, "aws:SourceIp": "2001:db9::1" })).decision).toBe("Deny");
  });
  it("ForAnyValue:StringNotLike denies when any recipient matches none of the patterns; ForAllValues when all match", () => {
    const internal = doc({ Sid: "I", Effect: "Deny", Action: "ses:*", Resource: "*", Condition: { "ForAnyValue:StringNotLike": { "ses:Recipients": ["*@example.com", "*@example.net"] } } });
    const p = [{ name: "i", document: internal }];
    expect(evaluate(p, req({ "ses:Recipients": ["a@example.com", "b@example.net"] })).decision).toBe("ImplicitDeny");
    expect(evaluate(p, req({ "ses:Recipients": ["a@example.com", "x@gmail.example"] })).decision).toBe("Deny");
    const all = doc({ Sid: "All", Effect: "Allow", Action: "ses:*", Resource: "*", Condition: { "ForAllValues:StringLike": { "ses:Recipients": ["*@example.com"] } } });
    expect(evaluate([{ name: "a", document: all }], req({ "ses:Recipients": ["a@example.com", "b@example.com"] })).decision).toBe("Allow");
    expect(evaluate([{ name: "a", document: all }], req({ "ses:Recipients": ["a@example.com", "b@example.org"] })).decision).toBe("ImplicitDeny");
  });
  it("compares dates for expiring statements", () => {
    const until = doc({ Sid: "U", Effect: "Allow", Action: "ses:*", Resource: "*", Condition: { DateLessThan: { "aws:CurrentTime": "2026-07-01T00:00:00Z" } } });
    expect(evaluate([{ name: "u", document: until }], req({ "aws:CurrentTime": "2026-06-30T12:00:00Z" })).decision).toBe("Allow");
    expect(evaluate([{ name: "u", document: until }], req({ "aws:CurrentTime": "2026-07-01T12:00:00Z" })).decision).toBe("ImplicitDeny");
  });
});
