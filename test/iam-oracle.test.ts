/**
 * An independent oracle: @cloud-copilot/iam-simulate evaluates the very policy documents mailorg synthesises
 * for generated requests (senders, recipients in mixed case, IPv4/IPv6 and bare addresses, delegations with
 * dates in a time zone), and mailorg's evaluator and `can-send` must agree with it on every case.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { validateOrg } from "../model/validate.ts";
import { canSend, canSendRequest, SIMULATION_CONTEXT } from "../simulate/can-send.ts";
import { evaluate, type IamRequest } from "../plan/iam-eval.ts";
import { orgSlug } from "../plan/naming.ts";
import { buildSendingModel, memberPolicies, type PolicyDocument } from "../plan/sending.ts";
import { caseArb, ORG } from "./fixtures-sending.ts";
import { writeOrg } from "./helpers.ts";

let org: Org;
let index: OrgIndex;
beforeAll(() => {
  const r = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
  org = r.org;
  index = r.index!;
});

async function oracle(policies: { name: string; document: PolicyDocument }[], req: IamRequest): Promise<"Allow" | "Deny" | "ImplicitDeny"> {
  const contextVariables: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.context)) if (v !== undefined && k !== "aws:username") contextVariables[k] = typeof v === "string" ? v : [...v];
  const response = await runSimulation(
    {
      identityPolicies: policies.map((p) => ({ name: p.name, policy: p.document as never })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: req.action,
        principal: `arn:aws:iam::${SIMULATION_CONTEXT.accountId}:user/${req.context["aws:username"] as string}`,
        resource: { accountId: SIMULATION_CONTEXT.accountId, resource: req.resource },
        contextVariables: { ...contextVariables, "aws:username": req.context["aws:username"] as string },
      },
    } as never,
    {},
  );
  if (response.resultType === "error") throw new Error(`iam-simulate refused the case: ${JSON.stringify(response.errors).slice(0, 400)}`);
  const overall = (response as { overallResult: string }).overallResult;
  return overall === "Allowed" ? "Allow" : overall === "ExplicitlyDenied" ? "Deny" : "ImplicitDeny";
}

describe("IAM oracle (@cloud-copilot/iam-simulate)", () => {
  it("agrees with mailorg's evaluator and can-send on every generated case", async () => {
    const disagreements: string[] = [];
    const outcomes = new Map<string, number>();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const model = buildSendingModel(org, index, c.today, { region: org.organisation.region, accountId: SIMULATION_CONTEXT.accountId }, orgSlug(org));
        const policies = memberPolicies(model, c.as)!;
        const base = canSendRequest(org, c.as, { ...c });
        const at = new Date(`${c.today}T00:00:00Z`).getTime() + c.hour * 3600_000;
        const req: IamRequest = { ...base, context: { ...base.context, "aws:CurrentTime": new Date(at).toISOString().replace(".000Z", "Z") } };
        const ours = evaluate(policies, req).decision;
        const theirs = await oracle(policies, req);
        cases++;
        outcomes.set(theirs, (outcomes.get(theirs) ?? 0) + 1);
        if (ours !== theirs) disagreements.push(`${JSON.stringify({ ...c })}: mailorg ${ours}, iam-simulate ${theirs}`);
        // can-send itself (noon local time) must say what IAM says at that instant.
        const said = canSend(org, index, { ...c });
        const truth = await oracle(policies, base);
        if (said.allowed !== (truth === "Allow")) disagreements.push(`can-send ${JSON.stringify({ ...c })}: ${said.allowed}, iam-simulate ${truth}`);
      }),
      { numRuns: 300, seed: 12 },
    );
    expect(cases).toBe(300);
    // The cases exercise every outcome, not only denials.
    expect([...outcomes.keys()].sort()).toEqual(["Allow", "Deny", "ImplicitDeny"]);
    expect(disagreements).toEqual([]);
  }, 120_000);

  it("writes bare addresses of ip_ranges as /32 and /128 in the IP condition", () => {
    const model = buildSendingModel(org, index, "2026-06-01", { region: org.organisation.region, accountId: SIMULATION_CONTEXT.accountId }, orgSlug(org));
    const ipGroup = model.groups.find((g) => g.name.endsWith("-office-ip-only"))!;
    expect(ipGroup.policy.Statement[0]!.Condition).toEqual({ NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "198.51.100.7/32", "2001:db8:100::/48", "2001:db8:ffff::1/128"] } });
  });

  it("the policies in force deny every case variant of a restricted group and of an outside domain", async () => {
    const model = buildSendingModel(org, index, "2026-06-01", { region: org.organisation.region, accountId: SIMULATION_CONTEXT.accountId }, orgSlug(org));
    for (const to of ["ALL@example.com", "All@Example.Com", "all@EXAMPLE.COM"]) {
      const req = canSendRequest(org, "dev@example.com", { as: "dev@example.com", from: "dev@example.com", to: [to], ip: "192.0.2.10", today: "2026-06-01" });
      expect(await oracle(memberPolicies(model, "dev@example.com")!, req)).toBe("Deny");
    }
    for (const to of ["x@partner.example", "x@PARTNER.example", "x@send-only.example", "x@Send-Only.Example"]) {
      const req = canSendRequest(org, "intern@example.com", { as: "intern@example.com", from: "intern@example.com", to: [to], ip: "192.0.2.10", today: "2026-06-01" });
      expect(await oracle(memberPolicies(model, "intern@example.com")!, req)).toBe("Deny");
    }
  });
});
