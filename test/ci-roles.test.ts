/**
 * The CI roles, checked with an independent IAM engine (@cloud-copilot/iam-simulate) on the very documents
 * `mailorg bootstrap-ci` synthesises: the plan role is denied every write an apply makes and allowed the
 * reads a plan makes; the apply role is allowed every call an apply of the example org makes, on the
 * example org's own resources, and nothing on anyone else's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import { APPLY_ROLE, ciRoles, isReadAction, PLAN_ROLE, stackGrants } from "../plan/ci-roles.ts";
import { withAccount } from "../plan/plan.ts";
import type { PolicyDocument } from "../plan/sending.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { ROOT, runCli, writeOrg } from "./helpers.ts";
import { synthOrg, type StackJson } from "./synth-helpers.ts";
import { readStacks, stackStringProblems, terraformMissing } from "./terraform.ts";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

/** mailorg's KMS keys delegate to IAM (constructs/ses-key.ts): KMS needs the key policy to allow too. */
const KEY_POLICY = { Version: "2012-10-17", Statement: [{ Sid: "AccountAdministersTheKeyThroughIam", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] };

async function decide(policy: PolicyDocument, action: string, resource: string, context: Record<string, string> = {}, opts: { skipInapplicable?: boolean } = {}): Promise<string> {
  const r = await runSimulation(
    {
      identityPolicies: [{ name: "p", policy: JSON.parse(withAccount(JSON.stringify(policy), ACCOUNT)) }],
      ...(/^arn:aws:kms:[^:]+:[^:]+:key\//.test(resource) ? { resourcePolicy: KEY_POLICY } : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: { action, principal: `arn:aws:iam::${ACCOUNT}:role/ci`, resource: { accountId: ACCOUNT, resource }, contextVariables: context },
    } as never,
    {},
  );
  if (r.resultType === "error" && opts.skipInapplicable && JSON.stringify(r.errors).includes("no.resource.types")) return "inapplicable";
  if (r.resultType === "error") throw new Error(`iam-simulate refused ${action} on ${resource}: ${JSON.stringify(r.errors).slice(0, 300)}`);
  return (r as { overallResult: string }).overallResult;
}

/** Every call an apply of the example org makes, per resource type: [action, resource ARN, context]. */
function applyCalls(stacks: Record<string, StackJson>, prefix: string): Map<string, [string, string, Record<string, string>?][]> {
  const names = (type: string, field: string): string[] =>
    Object.values(stacks).flatMap((s) => Object.values(s.resource?.[type] ?? {}).map((r) => String((r as Record<string, unknown>)[field])));
  const bucket = names("aws_s3_bucket", "bucket")[0]!.replace(/\$\{data\.aws_caller_identity\.account\.account_id\}/, ACCOUNT);
  const zones = [...new Set(names("aws_route53_record", "zone_id"))];
  const identity = names("aws_sesv2_email_identity", "email_identity");
  const user = names("aws_iam_user", "name")[0]!;
  const group = names("aws_iam_group", "name")[0]!;
  const fn = names("aws_lambda_function", "function_name")[0]!;
  const queue = names("aws_sqs_queue", "name")[0]!;
  const topic = names("aws_sns_topic", "name")[0]!;
  const alarm = names("aws_cloudwatch_metric_alarm", "alarm_name")[0]!;
  const logGroup = names("aws_cloudwatch_log_group", "name")[0]!;
  const role = names("aws_iam_role", "name")[0]!;
  const alias = names("aws_kms_alias", "name")[0]!;
  const ses = (r: string) => `arn:aws:ses:${REGION}:${ACCOUNT}:${r}`;
  const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const tagged = { "aws:ResourceTag/ManagedBy": "mailorg" };
  const iam = (r: string) => `arn:aws:iam::${ACCOUNT}:${r}`;
  const t = new Map<string, [string, string, Record<string, string>?][]>();
  t.set("aws_sesv2_email_identity", identity.flatMap((d) => ["ses:CreateEmailIdentity", "ses:GetEmailIdentity", "ses:PutEmailIdentityDkimSigningAttributes", "ses:TagResource"].map((a): [string, string] => [a, ses(`identity/${d}`)])));
  t.set("aws_sesv2_email_identity_mail_from_attributes", identity.map((d): [string, string] => ["ses:PutEmailIdentityMailFromAttributes", ses(`identity/${d}`)]));
  t.set("aws_sesv2_configuration_set", ["ses:CreateConfigurationSet", "ses:GetConfigurationSet", "ses:PutConfigurationSetDeliveryOptions", "ses:PutConfigurationSetReputationOptions", "ses:PutConfigurationSetSuppressionOptions"].map((a) => [a, ses(`configuration-set/${prefix}`)]));
  t.set("aws_sesv2_configuration_set_event_destination", [["ses:CreateConfigurationSetEventDestination", ses(`configuration-set/${prefix}`)], ["ses:GetConfigurationSetEventDestinations", ses(`configuration-set/${prefix}`)]]);
  t.set("aws_sesv2_account_suppression_attributes", [["ses:PutAccountSuppressionAttributes", "*"], ["ses:GetAccount", "*"]]);
  t.set("aws_ses_receipt_rule_set", [["ses:CreateReceiptRuleSet", "*"], ["ses:DescribeReceiptRuleSet", "*"]]);
  t.set("aws_ses_receipt_rule", [["ses:CreateReceiptRule", "*"], ["ses:UpdateReceiptRule", "*"], ["ses:DescribeReceiptRule", "*"]]);
  t.set("aws_ses_active_receipt_rule_set", [["ses:SetActiveReceiptRuleSet", "*"], ["ses:DescribeActiveReceiptRuleSet", "*"]]);
  t.set("aws_ses_receipt_filter", [["ses:CreateReceiptFilter", "*"], ["ses:ListReceiptFilters", "*"]]);
  t.set("aws_ses_template", [["ses:CreateTemplate", "*"], ["ses:UpdateTemplate", "*"], ["ses:GetTemplate", "*"]]);
  t.set("aws_route53_record", zones.flatMap((z) => [["route53:ChangeResourceRecordSets", `arn:aws:route53:::hostedzone/${z}`], ["route53:ListResourceRecordSets", `arn:aws:route53:::hostedzone/${z}`]] as [string, string][]).concat([["route53:GetChange", "arn:aws:route53:::change/C2682N5HXP0BZ4"]]));
  t.set("aws_kms_key", [["kms:CreateKey", "*"], ["kms:EnableKeyRotation", key, tagged], ["kms:PutKeyPolicy", key, tagged], ["kms:DescribeKey", key, tagged]]);
  t.set("aws_kms_alias", [["kms:CreateAlias", `arn:aws:kms:${REGION}:${ACCOUNT}:${alias}`], ["kms:CreateAlias", key, tagged], ["kms:ListAliases", "*"]]);
  t.set("aws_sns_topic", [["sns:CreateTopic", `arn:aws:sns:${REGION}:${ACCOUNT}:${topic}`], ["sns:GetTopicAttributes", `arn:aws:sns:${REGION}:${ACCOUNT}:${topic}`]]);
  t.set("aws_sns_topic_policy", [["sns:SetTopicAttributes", `arn:aws:sns:${REGION}:${ACCOUNT}:${topic}`]]);
  t.set("aws_cloudwatch_log_group", [["logs:CreateLogGroup", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}`], ["logs:PutRetentionPolicy", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}`], ["logs:DescribeLogGroups", "*"]]);
  t.set("aws_cloudwatch_metric_alarm", [["cloudwatch:PutMetricAlarm", `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm}`], ["cloudwatch:DescribeAlarms", `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm}`]]);
  t.set("aws_iam_role", [["iam:CreateRole", iam(`role/${role}`)], ["iam:GetRole", iam(`role/${role}`)]]);
  t.set("aws_iam_role_policy", [["iam:PutRolePolicy", iam(`role/${role}`)], ["iam:GetRolePolicy", iam(`role/${role}`)]]);
  t.set("aws_lambda_function", [["lambda:CreateFunction", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`], ["lambda:UpdateFunctionCode", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`], ["lambda:GetFunction", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`], ["iam:PassRole", iam(`role/${role}`), { "iam:PassedToService": "lambda.amazonaws.com" }]]);
  t.set("aws_lambda_function_event_invoke_config", [["lambda:PutFunctionEventInvokeConfig", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`]]);
  t.set("aws_lambda_permission", [["lambda:AddPermission", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`], ["lambda:GetPolicy", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`]]);
  t.set("aws_lambda_event_source_mapping", [["lambda:CreateEventSourceMapping", "*"], ["lambda:GetEventSourceMapping", `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:abc`]]);
  t.set("aws_sqs_queue", [["sqs:CreateQueue", `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`], ["sqs:SetQueueAttributes", `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`], ["sqs:GetQueueAttributes", `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`]]);
  t.set("aws_s3_bucket", [["s3:CreateBucket", `arn:aws:s3:::${bucket}`], ["s3:GetBucketPolicy", `arn:aws:s3:::${bucket}`], ["s3:ListBucket", `arn:aws:s3:::${bucket}`]]);
  t.set("aws_s3_bucket_lifecycle_configuration", [["s3:PutLifecycleConfiguration", `arn:aws:s3:::${bucket}`]]);
  t.set("aws_s3_bucket_ownership_controls", [["s3:PutBucketOwnershipControls", `arn:aws:s3:::${bucket}`]]);
  t.set("aws_s3_bucket_policy", [["s3:PutBucketPolicy", `arn:aws:s3:::${bucket}`]]);
  t.set("aws_s3_bucket_public_access_block", [["s3:PutBucketPublicAccessBlock", `arn:aws:s3:::${bucket}`]]);
  t.set("aws_s3_bucket_server_side_encryption_configuration", [["s3:PutEncryptionConfiguration", `arn:aws:s3:::${bucket}`]]);
  t.set("aws_s3_bucket_versioning", [["s3:PutBucketVersioning", `arn:aws:s3:::${bucket}`]]);
  t.set("aws_s3_object", [["s3:PutObject", `arn:aws:s3:::${bucket}/signatures/signatures.json`], ["s3:GetObject", `arn:aws:s3:::${bucket}/signatures/signatures.json`]]);
  t.set("aws_iam_user", [["iam:CreateUser", iam(`user/mailorg/${user}`)], ["iam:TagUser", iam(`user/mailorg/${user}`)], ["iam:DeleteUser", iam(`user/mailorg/${user}`)], ["iam:GetUser", iam(`user/mailorg/${user}`)]]);
  t.set("aws_iam_access_key", [["iam:CreateAccessKey", iam(`user/mailorg/${user}`)], ["iam:UpdateAccessKey", iam(`user/mailorg/${user}`)], ["iam:ListAccessKeys", iam(`user/mailorg/${user}`)]]);
  t.set("aws_iam_user_group_membership", [["iam:AddUserToGroup", iam(`group/mailorg/${group}`)], ["iam:ListGroupsForUser", iam(`user/mailorg/${user}`)]]);
  t.set("aws_iam_user_policy", [["iam:PutUserPolicy", iam(`user/mailorg/${user}`)], ["iam:GetUserPolicy", iam(`user/mailorg/${user}`)]]);
  t.set("aws_iam_group", [["iam:CreateGroup", iam(`group/mailorg/${group}`)], ["iam:GetGroup", iam(`group/mailorg/${group}`)]]);
  t.set("aws_iam_policy", [["iam:CreatePolicy", iam(`policy/mailorg/${group}`)], ["iam:CreatePolicyVersion", iam(`policy/mailorg/${group}`)], ["iam:GetPolicyVersion", iam(`policy/mailorg/${group}`)]]);
  t.set("aws_iam_group_policy_attachment", [["iam:AttachGroupPolicy", iam(`group/mailorg/${group}`)], ["iam:ListAttachedGroupPolicies", iam(`group/mailorg/${group}`)]]);
  t.set("data.aws_caller_identity", [["sts:GetCallerIdentity", "*"]]);
  return t;
}

describe("CI roles (bootstrap-ci) under @cloud-copilot/iam-simulate", () => {
  let calls: Map<string, [string, string, Record<string, string>?][]>;
  let types: string[];
  let roles: ReturnType<typeof ciRoles>;
  let plan: ReturnType<typeof loadValidPlan>["plan"];

  beforeAll(() => {
    const s = synthOrg(join(ROOT, "org"));
    const stacks = Object.fromEntries(s.stacks.map((n) => [n, s.stack(n)]));
    types = [...new Set(Object.values(stacks).flatMap((j) => [...Object.keys(j.resource ?? {}), ...Object.keys((j as { data?: object }).data ?? {}).map((d) => `data.${d}`)]))].sort();
    plan = loadValidPlan(join(ROOT, "org"), { today: "2026-06-01" }).plan;
    calls = applyCalls(stacks, plan.organisation.prefix);
    roles = ciRoles(plan, { repo: "example-trading/mail" });
  }, 120_000);

  it("every resource type the example org synthesises has a grant and a listed apply call", () => {
    const served = new Set(stackGrants(plan).flatMap((g) => g.serves));
    expect(types.filter((t) => !served.has(t))).toEqual([]);
    expect(types.filter((t) => !calls.has(t))).toEqual([]);
  });

  it("the apply role is allowed every call of an apply of the example org", async () => {
    const denied: string[] = [];
    for (const [type, list] of calls) {
      for (const [action, resource, ctx] of list) {
        if ((await decide(roles.apply.policy, action, resource, ctx)) !== "Allowed") denied.push(`${type}: ${action} on ${resource}`);
      }
    }
    expect(denied).toEqual([]);
  }, 60_000);

  it("the plan role is denied every write and allowed every read of those calls", async () => {
    const wrong: string[] = [];
    for (const [, list] of calls) {
      for (const [action, resource, ctx] of list) {
        const d = await decide(roles.plan.policy, action, resource, ctx);
        const want = isReadAction(action) || (action === "s3:GetObject" && resource.includes("/signatures/")) ? "Allowed" : "ImplicitlyDenied";
        if (d !== want) wrong.push(`${action} on ${resource}: ${d}, want ${want}`);
      }
    }
    // Every action the apply role holds that is not a read: denied to the plan role on the apply role's own resources.
    let writes = 0;
    for (const st of roles.apply.policy.Statement) {
      for (const action of [st.Action].flat().filter((a) => !isReadAction(a))) {
        for (const resource of [st.Resource].flat().map((r) => (r === "*" ? r : withAccount(r, ACCOUNT).replace(/\*/g, "x")))) {
          const d = await decide(roles.plan.policy, action, resource, { "aws:ResourceTag/ManagedBy": "mailorg" }, { skipInapplicable: true });
          if (d === "inapplicable" || (action === "s3:GetObject" && resource.includes("/signatures/"))) continue;
          writes++;
          if (d !== "ImplicitlyDenied") wrong.push(`plan role may ${action} on ${resource}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(writes).toBeGreaterThan(100);
  }, 120_000);

  it("the apply role reaches nothing outside mailorg's names", async () => {
    const outside: [string, string][] = [
      ["iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/admin`],
      ["iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`],
      ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/admin`],
      // The router's own role, but without PassedToService lambda.amazonaws.com (handed to another service).
      ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/example-trading-mail-router`],
      ["lambda:UpdateFunctionCode", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:payments`],
      ["s3:PutBucketPolicy", "arn:aws:s3:::company-backups"],
      ["s3:GetObject", `arn:aws:s3:::example-trading-mail-${ACCOUNT}-${REGION}/incoming/message`],
      ["route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/ZOTHERZONE"],
      ["ses:CreateEmailIdentity", `arn:aws:ses:${REGION}:${ACCOUNT}:identity/other.example`],
      ["kms:PutKeyPolicy", `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
      ["iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/mailorg-ci-apply`],
    ];
    const allowed: string[] = [];
    for (const [action, resource] of outside) if ((await decide(roles.apply.policy, action, resource)) !== "ImplicitlyDenied") allowed.push(`${action} on ${resource}`);
    expect(allowed).toEqual([]);
  }, 60_000);

  it("state: plan reads the state and writes only lock files; apply writes the state", async () => {
    const dir = writeOrg({
      "org.yaml": "organisation: { name: S, region: eu-west-1, default_department: hq, state: { bucket: s-tfstate, region: eu-west-1, key_prefix: mail } }\ndomains: [{ name: example.com }]\ndepartments: [{ id: hq, name: HQ }]\n",
    });
    const r = ciRoles(loadValidPlan(dir, { today: "2026-06-01" }).plan, { repo: "o/r" });
    const cases: [PolicyDocument, string, string, string][] = [
      [r.plan.policy, "s3:GetObject", "arn:aws:s3:::s-tfstate/mail/inbound.tfstate", "Allowed"],
      [r.plan.policy, "s3:PutObject", "arn:aws:s3:::s-tfstate/mail/inbound.tfstate.tflock", "Allowed"],
      [r.plan.policy, "s3:DeleteObject", "arn:aws:s3:::s-tfstate/mail/inbound.tfstate.tflock", "Allowed"],
      [r.plan.policy, "s3:PutObject", "arn:aws:s3:::s-tfstate/mail/inbound.tfstate", "ImplicitlyDenied"],
      [r.plan.policy, "s3:DeleteObject", "arn:aws:s3:::s-tfstate/mail/inbound.tfstate", "ImplicitlyDenied"],
      [r.plan.policy, "s3:GetObject", "arn:aws:s3:::s-tfstate/other/x.tfstate", "ImplicitlyDenied"],
      [r.apply.policy, "s3:PutObject", "arn:aws:s3:::s-tfstate/mail/inbound.tfstate", "Allowed"],
      [r.apply.policy, "s3:DeleteObject", "arn:aws:s3:::s-tfstate/mail/inbound.tfstate", "ImplicitlyDenied"],
    ];
    const got = [];
    for (const [p, a, res] of cases) got.push(await decide(p, a, res));
    expect(got).toEqual(cases.map((c) => c[3]));
    const list = await decide(r.plan.policy, "s3:ListBucket", "arn:aws:s3:::s-tfstate", { "s3:prefix": "mail/" });
    expect(list).toBe("Allowed");
  }, 60_000);

  it("trust: plan for the repository's pull requests, apply for main or the one environment; both fit IAM's inline size", () => {
    const cond = (r: typeof roles.plan) => r.trust.Statement[0]!.Condition.StringEquals!;
    expect([roles.plan.name, cond(roles.plan)]).toEqual([PLAN_ROLE, { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:example-trading/mail:pull_request", "token.actions.githubusercontent.com:job_workflow_ref": "example-trading/mail/.github/workflows/mailorg.yml@refs/heads/main" }]);
    expect([roles.apply.name, cond(roles.apply)["token.actions.githubusercontent.com:sub"]]).toEqual([APPLY_ROLE, "repo:example-trading/mail:ref:refs/heads/main"]);
    const env = ciRoles(plan, { repo: "example-trading/mail", environment: "production" });
    expect(cond(env.apply)["token.actions.githubusercontent.com:sub"]).toBe("repo:example-trading/mail:environment:production");
    for (const r of [roles.plan, roles.apply]) expect(withAccount(JSON.stringify(r.policy), ACCOUNT).length).toBeLessThanOrEqual(10_240);
  });
});

describe("CI roles are bound to the base branch's workflow (#28)", () => {
  let plan: ReturnType<typeof loadValidPlan>["plan"];
  let roles: ReturnType<typeof ciRoles>;
  beforeAll(() => {
    plan = loadValidPlan(join(ROOT, "org"), { today: "2026-06-01" }).plan;
    roles = ciRoles(plan, { repo: "example-trading/mail" });
  });
  const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
  /** May a GitHub job with these claims assume the role? The trust document as synthesised, evaluated by iam-simulate. */
  async function assume(role: ReturnType<typeof ciRoles>["plan"], claims: Record<string, string>): Promise<string> {
    const r = await runSimulation(
      {
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: JSON.parse(JSON.stringify(role.trust).replaceAll("MAILORG_OIDC_PROVIDER_ARN", PROVIDER)),
        request: { action: "sts:AssumeRoleWithWebIdentity", principal: PROVIDER, resource: { accountId: ACCOUNT, resource: `arn:aws:iam::${ACCOUNT}:role/${role.name}` }, contextVariables: Object.fromEntries(Object.entries(claims).map(([k, v]) => [`token.actions.githubusercontent.com:${k}`, v])) },
      } as never,
      {},
    );
    return (r as { overallResult: string }).overallResult;
  }
  // iam-simulate does not know aud and sub for this action (it ignores them as context keys): the engine checks
  // job_workflow_ref, and the test below checks aud and sub as written.
  const engineChecks = (role: ReturnType<typeof ciRoles>["plan"]): ReturnType<typeof ciRoles>["plan"] => ({ ...role, trust: { ...role.trust, Statement: role.trust.Statement.map((st) => ({ ...st, Condition: { StringEquals: Object.fromEntries(Object.entries(st.Condition.StringEquals!).filter(([k]) => k.endsWith(":job_workflow_ref"))) } })) } });
  it("the plan role: the base branch's mailorg.yml, never a pull request's own workflow or another file", async () => {
    const planRole = engineChecks(roles.plan);
    expect(await assume(planRole, { job_workflow_ref: "example-trading/mail/.github/workflows/mailorg.yml@refs/heads/main" })).toBe("Allowed");
    for (const ref of [
      "example-trading/mail/.github/workflows/mailorg.yml@refs/pull/7/merge", // a branch's workflow run by `pull_request`
      "example-trading/mail/.github/workflows/exfiltrate.yml@refs/heads/main", // another file on main
      "example-trading/mail/.github/workflows/mailorg.yml@refs/heads/feature", // the same file on another branch
      "someone/fork/.github/workflows/mailorg.yml@refs/heads/main",
    ]) expect(await assume(planRole, { job_workflow_ref: ref }), ref).toBe("ImplicitlyDenied");
    expect(await assume(planRole, {})).toBe("ImplicitlyDenied");
  });
  it("both roles name the audience, the subject and the workflow; --branch and --workflow move the binding", () => {
    const env = ciRoles(plan, { repo: "o/r", environment: "production", branch: "trunk", workflow: ".github/workflows/mail.yml" });
    for (const r of [env.plan, env.apply]) expect(r.trust.Statement[0]!.Condition.StringEquals!["token.actions.githubusercontent.com:job_workflow_ref"]).toBe("o/r/.github/workflows/mail.yml@refs/heads/trunk");
    expect(env.apply.trust.Statement[0]!.Condition.StringEquals).toMatchObject({ "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:o/r:environment:production" });
    expect(ciRoles(plan, { repo: "o/r", branch: "trunk" }).apply.subjects).toEqual(["repo:o/r:ref:refs/heads/trunk"]);
  });
});

describe("mailorg bootstrap-ci (wiring)", () => {
  it("synthesises the OIDC provider and both roles with the planned documents; --existing-oidc-provider looks it up", () => {
    const out = join(writeOrg({}), "ci");
    const r = runCli(["bootstrap-ci", "--repo", "example-trading/mail", "--environment", "production", "--out", out]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const json = JSON.parse(readFileSync(join(out, "stacks/ci-bootstrap/cdk.tf.json"), "utf8"));
    expect(Object.values(json.resource.aws_iam_openid_connect_provider as Record<string, { url: string; lifecycle: unknown }>)).toEqual([
      expect.objectContaining({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"], lifecycle: { prevent_destroy: true } }),
    ]);
    const rolesOut = Object.values(json.resource.aws_iam_role as Record<string, { name: string; assume_role_policy: string }>);
    expect(rolesOut.map((x) => x.name).sort()).toEqual(["mailorg-ci-apply", "mailorg-ci-plan"]);
    expect(rolesOut.find((x) => x.name === "mailorg-ci-apply")!.assume_role_policy).toContain('"repo:example-trading/mail:environment:production"');
    for (const x of rolesOut) expect(x.assume_role_policy).toContain('"token.actions.githubusercontent.com:job_workflow_ref":"example-trading/mail/.github/workflows/mailorg.yml@refs/heads/main"');
    expect(r.stdout).toContain("the roles trust only jobs of example-trading/mail/.github/workflows/mailorg.yml@refs/heads/main");
    const lookup = join(writeOrg({}), "ci");
    expect(runCli(["bootstrap-ci", "--repo", "example-trading/mail", "--existing-oidc-provider", "--out", lookup]).status).toBe(0);
    const j2 = JSON.parse(readFileSync(join(lookup, "stacks/ci-bootstrap/cdk.tf.json"), "utf8"));
    expect([j2.resource.aws_iam_openid_connect_provider, Object.keys(j2.data)]).toEqual([undefined, ["aws_caller_identity", "aws_iam_openid_connect_provider"]]);
    // Terraform parses every string of both stacks, and each reference is to a resource of the same stack.
    if (!terraformMissing) expect([...readStacks(out), ...readStacks(lookup)].flatMap(stackStringProblems)).toEqual([]);
    const bad = runCli(["bootstrap-ci", "--repo", "not a repo", "--out", lookup]);
    expect([bad.status, bad.stderr]).toEqual([2, "mailorg: --repo is 'not a repo'; expected OWNER/NAME such as example-trading/mail\n"]);
    const file = runCli(["bootstrap-ci", "--repo", "o/r", "--workflow", "../evil.yml", "--out", lookup]);
    expect([file.status, file.stderr]).toEqual([2, "mailorg: --workflow is '../evil.yml'; expected a workflow file such as .github/workflows/mailorg.yml\n"]);
  });
});
