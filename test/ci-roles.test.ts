/**
 * The CI roles, checked with an independent IAM engine (@cloud-copilot/iam-simulate) on the very documents
 * `mailorg bootstrap-ci` synthesises: the plan role is denied every write an apply makes and allowed the
 * reads a plan makes; the apply role is allowed every call an apply of the example org makes, on the
 * example org's own resources, and nothing on anyone else's.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
  // Inapplicable: the action has no resource of that ARN's kind, or two kinds share the ARN's format (a backup
  // vault's ARN is also a logically air-gapped vault's), so the engine cannot choose.
  if (r.resultType === "error" && opts.skipInapplicable && /no\.resource\.types|multiple\.resource\.types/.test(JSON.stringify(r.errors))) return "inapplicable";
  if (r.resultType === "error") throw new Error(`iam-simulate refused ${action} on ${resource}: ${JSON.stringify(r.errors).slice(0, 300)}`);
  return (r as { overallResult: string }).overallResult;
}

type Call = [string, string, Record<string, string>?];

/** Every call an apply of an org makes, per resource type it synthesises: [action, resource ARN, context]. */
function applyCalls(stacks: Record<string, StackJson>, prefix: string): Map<string, Call[]> {
  const names = (type: string, field: string, stack?: string): string[] =>
    Object.entries(stacks)
      .filter(([n]) => !stack || n === stack)
      .flatMap(([, s]) => Object.values(s.resource?.[type] ?? {}).map((r) => String((r as Record<string, unknown>)[field])));
  const account = (v: string) => v.replace(/\$\{data\.aws_caller_identity\.account\.account_id\}/, ACCOUNT);
  const bucket = account(names("aws_s3_bucket", "bucket", "inbound")[0]!);
  const zones = [...new Set(names("aws_route53_record", "zone_id"))];
  const identity = names("aws_sesv2_email_identity", "email_identity");
  const user = names("aws_iam_user", "name")[0]!;
  const group = names("aws_iam_group", "name")[0]!;
  const fn = names("aws_lambda_function", "function_name", "inbound")[0]!;
  const queue = names("aws_sqs_queue", "name", "inbound")[0]!;
  const topic = names("aws_sns_topic", "name", "domains")[0]!;
  const alarm = names("aws_cloudwatch_metric_alarm", "alarm_name", "inbound")[0]!;
  const logGroup = names("aws_cloudwatch_log_group", "name", "inbound")[0]!;
  const role = fn; // the router's role has the function's name (constructs/router-function.ts)
  const alias = names("aws_kms_alias", "name")[0]!;
  const ses = (r: string) => `arn:aws:ses:${REGION}:${ACCOUNT}:${r}`;
  const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const tagged = { "aws:ResourceTag/ManagedBy": "mailorg" };
  const iam = (r: string) => `arn:aws:iam::${ACCOUNT}:${r}`;
  const t = new Map<string, Call[]>();
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
  if (stacks.mailhost?.resource?.aws_instance) {
    for (const [type, list] of hostCalls(stacks.mailhost)) t.set(type, [...(t.get(type) ?? []), ...list]);
  }
  // Only the types this org synthesises (an org with a host has no member users, one without no instance).
  const synthesised = new Set(Object.values(stacks).flatMap((j) => [...Object.keys(j.resource ?? {}), ...Object.keys(j.data ?? {}).map((d) => `data.${d}`)]));
  return new Map([...t].filter(([type]) => synthesised.has(type)));
}

/** The tags the provider puts on every resource of an org (constructs/base-stack.ts default tags). */
const ORG_TAGS = (org: string, prefix: "aws:RequestTag" | "aws:ResourceTag"): Record<string, string> => ({ [`${prefix}/ManagedBy`]: "mailorg", [`${prefix}/Organisation`]: org });

/** The calls an apply of the mailhost stack makes, names and tags read from its synthesised JSON. */
function hostCalls(stack: StackJson): Map<string, Call[]> {
  const one = (type: string, pick: (r: Record<string, unknown>) => boolean = () => true): Record<string, unknown> => Object.values(stack.resource[type] ?? {}).find(pick)!;
  const org = String(((stack as { provider?: { aws: { default_tags: { tags: Record<string, string> }[] }[] } }).provider!.aws[0]!.default_tags[0]!.tags).Organisation);
  const roles = Object.values(stack.resource.aws_iam_role!) as { name: string; assume_role_policy: string }[];
  const hostRole = roles.find((r) => r.assume_role_policy.includes("ec2.amazonaws.com"))!.name;
  const backupRole = roles.find((r) => r.assume_role_policy.includes("backup.amazonaws.com"))!.name;
  const instanceName = (one("aws_instance").tags as Record<string, string>).Name!;
  const volumeName = (one("aws_ebs_volume").tags as Record<string, string>).Name!;
  const eipName = (one("aws_eip").tags as Record<string, string>).Name!;
  const profile = String(one("aws_iam_instance_profile").name);
  const vault = String(one("aws_backup_vault").name);
  const configBucket = String(one("aws_s3_bucket").bucket).replace(/\$\{data\.aws_caller_identity\.account\.account_id\}/, ACCOUNT);
  const configKey = String(one("aws_s3_object").key);
  const secret = String(one("aws_secretsmanager_secret").name);
  const parameters = Object.values(stack.resource.aws_ssm_parameter!).map((r) => String(r.name));
  const logGroup = String(one("aws_cloudwatch_log_group").name);
  const alarm = String(one("aws_cloudwatch_metric_alarm").alarm_name);
  const attachment = one("aws_iam_role_policy_attachment");
  const ami = Object.values(stack.data!.aws_ami!)[0]! as unknown as { owners: string[] };
  const ec2 = (r: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${r}`;
  const iam = (r: string) => `arn:aws:iam::${ACCOUNT}:${r}`;
  const created = (name?: string) => ({ ...ORG_TAGS(org, "aws:RequestTag"), ...(name ? { "aws:RequestTag/Name": name } : {}) });
  const tagged = (name?: string) => ({ ...ORG_TAGS(org, "aws:ResourceTag"), ...(name ? { "aws:ResourceTag/Name": name } : {}) });
  const instance = ec2("instance/i-0123456789abcdef0");
  const volume = ec2("volume/vol-0123456789abcdef0");
  const eip = ec2("elastic-ip/eipalloc-0123456789abcdef0");
  const sg = ec2("security-group/sg-0123456789abcdef0");
  const plan = `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:8a1e7b3c-1111-2222-3333-444455556666`;
  const t = new Map<string, Call[]>();
  t.set("aws_instance", [
    ["ec2:RunInstances", instance, created(instanceName)],
    ["ec2:RunInstances", `arn:aws:ec2:${REGION}::image/ami-0123456789abcdef0`, { "ec2:Owner": ami.owners[0]! }],
    ["ec2:RunInstances", ec2("subnet/subnet-0123456789abcdef0")],
    ["ec2:RunInstances", ec2("network-interface/eni-0123456789abcdef0")],
    ["ec2:RunInstances", ec2("volume/vol-0fedcba9876543210")],
    ["ec2:RunInstances", sg, tagged()],
    ["ec2:CreateTags", instance, { "ec2:CreateAction": "RunInstances" }],
    ["iam:PassRole", iam(`role/${hostRole}`), { "iam:PassedToService": "ec2.amazonaws.com" }],
    ["ec2:DescribeInstances", "*"],
    ["ec2:DescribeInstanceAttribute", "*"],
    ["ec2:ModifyInstanceAttribute", instance, tagged(instanceName)],
    ["ec2:StopInstances", instance, tagged(instanceName)],
    ["ec2:TerminateInstances", instance, tagged(instanceName)],
  ]);
  t.set("data.aws_ami", [["ec2:DescribeImages", "*"]]);
  t.set("data.aws_subnet", [["ec2:DescribeSubnets", "*"]]);
  t.set("aws_ebs_volume", [["ec2:CreateVolume", volume, created(volumeName)], ["ec2:CreateTags", volume, { "ec2:CreateAction": "CreateVolume" }], ["ec2:ModifyVolume", volume, tagged(volumeName)], ["ec2:DescribeVolumes", "*"]]);
  t.set("aws_volume_attachment", [["ec2:AttachVolume", instance, tagged(instanceName)], ["ec2:AttachVolume", volume, tagged(volumeName)], ["ec2:DetachVolume", instance, tagged(instanceName)], ["ec2:DetachVolume", volume, tagged(volumeName)]]);
  t.set("aws_eip", [
    ["ec2:AllocateAddress", eip, created(eipName)],
    ["ec2:CreateTags", eip, { "ec2:CreateAction": "AllocateAddress" }],
    ["ec2:AssociateAddress", eip, tagged(eipName)],
    ["ec2:AssociateAddress", instance, tagged(instanceName)],
    ["ec2:DescribeAddresses", "*"],
    ["ec2:ReleaseAddress", eip, tagged(eipName)],
  ]);
  t.set("aws_security_group", [
    ["ec2:CreateSecurityGroup", sg, created()],
    ["ec2:CreateSecurityGroup", ec2("vpc/vpc-0123456789abcdef0")],
    ["ec2:CreateTags", sg, { "ec2:CreateAction": "CreateSecurityGroup" }],
    ["ec2:AuthorizeSecurityGroupIngress", sg, tagged()],
    ["ec2:RevokeSecurityGroupEgress", sg, tagged()],
    ["ec2:DescribeSecurityGroups", "*"],
  ]);
  t.set("aws_iam_instance_profile", [["iam:CreateInstanceProfile", iam(`instance-profile/${profile}`)], ["iam:AddRoleToInstanceProfile", iam(`instance-profile/${profile}`)], ["iam:GetInstanceProfile", iam(`instance-profile/${profile}`)], ["iam:PassRole", iam(`role/${hostRole}`), { "iam:PassedToService": "ec2.amazonaws.com" }]]);
  t.set("aws_iam_role", [hostRole, backupRole].flatMap((r): Call[] => [["iam:CreateRole", iam(`role/${r}`)], ["iam:GetRole", iam(`role/${r}`)]]));
  t.set("aws_iam_role_policy", [["iam:PutRolePolicy", iam(`role/${hostRole}`)], ["iam:GetRolePolicy", iam(`role/${hostRole}`)]]);
  t.set("aws_iam_role_policy_attachment", [["iam:AttachRolePolicy", iam(`role/${backupRole}`), { "iam:PolicyARN": String(attachment.policy_arn) }], ["iam:ListAttachedRolePolicies", iam(`role/${backupRole}`)]]);
  t.set("aws_backup_vault", [
    ["backup:CreateBackupVault", `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:${vault}`],
    ["backup:DescribeBackupVault", `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:${vault}`],
    ["backup-storage:MountCapsule", "*"],
    ["kms:CreateGrant", `arn:aws:kms:${REGION}:${ACCOUNT}:key/0000aaaa-12ab-34cd-56ef-1234567890ab`, { "kms:ViaService": `backup.${REGION}.amazonaws.com` }],
  ]);
  t.set("aws_backup_plan", [["backup:CreateBackupPlan", plan, created()], ["backup:GetBackupPlan", plan, tagged()], ["backup:UpdateBackupPlan", plan, tagged()]]);
  t.set("aws_backup_selection", [["backup:CreateBackupSelection", plan, tagged()], ["backup:GetBackupSelection", plan, tagged()], ["iam:PassRole", iam(`role/${backupRole}`), { "iam:PassedToService": "backup.amazonaws.com" }]]);
  t.set("aws_s3_bucket", [["s3:CreateBucket", `arn:aws:s3:::${configBucket}`], ["s3:GetBucketVersioning", `arn:aws:s3:::${configBucket}`], ["s3:ListBucket", `arn:aws:s3:::${configBucket}`]]);
  t.set("aws_s3_bucket_ownership_controls", [["s3:PutBucketOwnershipControls", `arn:aws:s3:::${configBucket}`]]);
  t.set("aws_s3_bucket_public_access_block", [["s3:PutBucketPublicAccessBlock", `arn:aws:s3:::${configBucket}`]]);
  t.set("aws_s3_bucket_versioning", [["s3:PutBucketVersioning", `arn:aws:s3:::${configBucket}`]]);
  t.set("aws_s3_object", [["s3:PutObject", `arn:aws:s3:::${configBucket}/${configKey}`], ["s3:GetObject", `arn:aws:s3:::${configBucket}/${configKey}`], ["s3:DeleteObjectVersion", `arn:aws:s3:::${configBucket}/${configKey}`], ["s3:ListBucketVersions", `arn:aws:s3:::${configBucket}`]]);
  const secretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${secret}-AbC123`;
  t.set("aws_secretsmanager_secret", [["secretsmanager:CreateSecret", secretArn], ["secretsmanager:DescribeSecret", secretArn], ["secretsmanager:GetResourcePolicy", secretArn]]);
  t.set("aws_secretsmanager_secret_version", [["secretsmanager:PutSecretValue", secretArn], ["secretsmanager:GetSecretValue", secretArn]]);
  t.set("data.aws_secretsmanager_random_password", [["secretsmanager:GetRandomPassword", "*"]]);
  t.set("aws_ssm_parameter", parameters.flatMap((n): Call[] => [["ssm:PutParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${n}`], ["ssm:GetParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${n}`], ["ssm:AddTagsToResource", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${n}`]]).concat([["ssm:DescribeParameters", "*"]]));
  t.set("aws_cloudwatch_log_group", [["logs:CreateLogGroup", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}`], ["logs:PutRetentionPolicy", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}`]]);
  t.set("aws_cloudwatch_metric_alarm", [["cloudwatch:PutMetricAlarm", `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm}`]]);
  return t;
}

/** The example org with organisation.mailbox_host added, in a temporary copy. */
function exampleOrgWithHost(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "mailorg-ci-host-")), "org");
  cpSync(join(ROOT, "org"), dir, { recursive: true });
  const file = join(dir, "organisation.yaml");
  const text = readFileSync(file, "utf8");
  if (!text.includes("\norganisation:\n")) throw new Error("org/organisation.yaml: no organisation mapping to add mailbox_host to");
  writeFileSync(file, text.replace("\norganisation:\n", "\norganisation:\n  mailbox_host: { hostname: mail.example.com }\n"));
  return dir;
}

describe.each([
  ["the example org", () => join(ROOT, "org")],
  ["the example org with a mailbox host", exampleOrgWithHost],
])("CI roles (bootstrap-ci) under @cloud-copilot/iam-simulate: %s", (_name, orgDir) => {
  let calls: Map<string, Call[]>;
  let types: string[];
  let roles: ReturnType<typeof ciRoles>;
  let plan: ReturnType<typeof loadValidPlan>["plan"];

  beforeAll(() => {
    const dir = orgDir();
    const s = synthOrg(dir);
    const stacks = Object.fromEntries(s.stacks.map((n) => [n, s.stack(n)]));
    types = [...new Set(Object.values(stacks).flatMap((j) => [...Object.keys(j.resource ?? {}), ...Object.keys((j as { data?: object }).data ?? {}).map((d) => `data.${d}`)]))].sort();
    plan = loadValidPlan(dir, { today: "2026-06-01" }).plan;
    calls = applyCalls(stacks, plan.organisation.prefix);
    roles = ciRoles(plan, { repo: "example-trading/mail" });
  }, 120_000);

  it("every resource type the org synthesises has a grant and a listed apply call", () => {
    const served = new Set(stackGrants(plan).flatMap((g) => g.serves));
    expect(types.filter((t) => !served.has(t))).toEqual([]);
    expect(types.filter((t) => !calls.has(t))).toEqual([]);
  });

  it("the apply role is allowed every call of an apply of the org", async () => {
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
    const outside: Call[] = [
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
      // Its own managed policies are outside /mailorg/.
      ["iam:CreatePolicyVersion", `arn:aws:iam::${ACCOUNT}:policy/mailorg-ci/mailorg-ci-apply-1`],
      // The router's role is handed to Lambda, and no other of the org's roles.
      ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/example-trading-mailhost`, { "iam:PassedToService": "lambda.amazonaws.com" }],
      ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/example-trading-mail-router`, { "iam:PassedToService": "ec2.amazonaws.com" }],
    ];
    const allowed: string[] = [];
    for (const [action, resource, ctx] of outside) if ((await decide(roles.apply.policy, action, resource, ctx)) !== "ImplicitlyDenied") allowed.push(`${action} on ${resource}`);
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
    // Each part fits a managed policy as IAM counts it, at most 10 per role, and together they are the whole policy.
    for (const r of [roles.plan, roles.apply]) {
      expect(r.documents.map((d) => withAccount(JSON.stringify(d), ACCOUNT).length).filter((n) => n > 6144)).toEqual([]);
      expect(r.documents.length).toBeLessThanOrEqual(10);
      expect(r.documents.flatMap((d) => d.Statement)).toEqual(r.policy.Statement);
    }
  });
});

describe("CI roles and the mailbox host", () => {
  const org = "Example Trading";
  const ours = { "aws:ResourceTag/ManagedBy": "mailorg", "aws:ResourceTag/Organisation": org };
  const created = { "aws:RequestTag/ManagedBy": "mailorg", "aws:RequestTag/Organisation": org };
  const ec2 = (r: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${r}`;
  const iam = (r: string) => `arn:aws:iam::${ACCOUNT}:${r}`;
  const instance = ec2("instance/i-0123456789abcdef0");
  let withHost: ReturnType<typeof ciRoles>;
  let without: ReturnType<typeof ciRoles>;
  let plain: ReturnType<typeof loadValidPlan>["plan"];
  beforeAll(() => {
    withHost = ciRoles(loadValidPlan(exampleOrgWithHost(), { today: "2026-06-01" }).plan, { repo: "example-trading/mail" });
    plain = loadValidPlan(join(ROOT, "org"), { today: "2026-06-01" }).plan;
    without = ciRoles(plain, { repo: "example-trading/mail" });
  });

  it("an org without a mailbox host gets no EC2, Backup, Secrets Manager or SSM grants", async () => {
    const actions = stackGrants(plain).flatMap((g) => g.actions);
    expect(actions.filter((a) => /^(ec2|backup|backup-storage|secretsmanager|ssm):/.test(a) || a === "iam:CreateInstanceProfile")).toEqual([]);
    expect(await decide(without.apply.policy, "ec2:RunInstances", instance, { ...created, "aws:RequestTag/Name": "example-trading-mailhost" })).toBe("ImplicitlyDenied");
    expect(await decide(without.apply.policy, "iam:PassRole", iam("role/example-trading-mailhost"), { "iam:PassedToService": "ec2.amazonaws.com" })).toBe("ImplicitlyDenied");
  });

  it("the apply role reaches only the host's own resources: its roles to their services, its tagged EC2 resources, its names", async () => {
    const host = "example-trading-mailhost";
    const outside: Call[] = [
      // Roles: the host's to EC2 only, the backup role to Backup only, no other role to EC2.
      ["iam:PassRole", iam(`role/${host}`), { "iam:PassedToService": "lambda.amazonaws.com" }],
      ["iam:PassRole", iam(`role/${host}-backup`), { "iam:PassedToService": "ec2.amazonaws.com" }],
      ["iam:PassRole", iam("role/admin"), { "iam:PassedToService": "ec2.amazonaws.com" }],
      ["iam:PassRole", iam("role/example-trading-mail-router"), { "iam:PassedToService": "ec2.amazonaws.com" }],
      ["iam:AttachRolePolicy", iam(`role/${host}-backup`), { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" }],
      ["iam:AttachRolePolicy", iam(`role/${host}`), { "iam:PolicyARN": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup" }],
      ["iam:CreateInstanceProfile", iam("instance-profile/admin")],
      ["iam:AddRoleToInstanceProfile", iam("instance-profile/other")],
      // EC2: an instance of another name, of another organisation, or untagged; a launch of another name or image.
      ["ec2:TerminateInstances", instance, { ...ours, "aws:ResourceTag/Name": "payments" }],
      ["ec2:TerminateInstances", instance, { "aws:ResourceTag/ManagedBy": "mailorg", "aws:ResourceTag/Organisation": "Other Co", "aws:ResourceTag/Name": host }],
      ["ec2:TerminateInstances", instance, { "aws:ResourceTag/Name": host }],
      ["ec2:StopInstances", instance],
      ["ec2:RunInstances", instance, { ...created, "aws:RequestTag/Name": "crypto-miner" }],
      ["ec2:RunInstances", instance, { "aws:RequestTag/Name": host }],
      ["ec2:RunInstances", `arn:aws:ec2:${REGION}::image/ami-0123456789abcdef0`, { "ec2:Owner": "999999999999" }],
      ["ec2:AttachVolume", ec2("volume/vol-0123456789abcdef0"), { ...ours, "aws:ResourceTag/Name": "payments-data" }],
      ["ec2:AuthorizeSecurityGroupIngress", ec2("security-group/sg-0123456789abcdef0")],
      ["ec2:ReleaseAddress", ec2("elastic-ip/eipalloc-0123456789abcdef0"), { "aws:ResourceTag/Name": "other" }],
      ["ec2:CreateTags", instance, { "aws:ResourceTag/Name": "other" }],
      // The mail: no snapshot of the data volume, no copy of a recovery point, no shell on the host.
      ["ec2:CreateSnapshot", ec2("volume/vol-0123456789abcdef0"), { ...ours, "aws:ResourceTag/Name": `${host}-data` }],
      ["backup:StartRestoreJob", `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:example`],
      ["ssm:StartSession", instance, { ...ours, "aws:ResourceTag/Name": host }],
      ["ssm:SendCommand", instance, { ...ours, "aws:ResourceTag/Name": host }],
      // Protected: the data volume and the vault are never deleted.
      ["ec2:DeleteVolume", ec2("volume/vol-0123456789abcdef0"), { ...ours, "aws:ResourceTag/Name": `${host}-data` }],
      ["backup:DeleteBackupVault", `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:${host}`],
      ["backup:CreateBackupVault", `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:other`],
      ["backup:DeleteBackupPlan", `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:8a1e7b3c-1111-2222-3333-444455556666`],
      ["kms:CreateGrant", `arn:aws:kms:${REGION}:${ACCOUNT}:key/0000aaaa-12ab-34cd-56ef-1234567890ab`],
      // Names: other parameters, secrets, objects, buckets and log groups.
      ["ssm:PutParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/db-password`],
      ["ssm:GetParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/example-trading/mailhost/migrate/li.na@example.com`],
      ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbC123`],
      ["secretsmanager:PutSecretValue", `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:example-trading/mailhost/relay-extra-AbC123`],
      ["s3:PutObject", `arn:aws:s3:::example-trading-mailhost-${ACCOUNT}-${REGION}/mailhost/other.json`],
      ["s3:PutBucketPolicy", `arn:aws:s3:::other-${ACCOUNT}-${REGION}`],
      ["logs:PutRetentionPolicy", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/mailorg/other/mailhost`],
    ];
    const allowed: string[] = [];
    for (const [action, resource, ctx] of outside) if ((await decide(withHost.apply.policy, action, resource, ctx)) !== "ImplicitlyDenied") allowed.push(`${action} on ${resource} ${JSON.stringify(ctx ?? {})}`);
    expect(allowed).toEqual([]);
  }, 60_000);
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
    // Each role's documents as managed policies under /mailorg-ci/, each attached to its role.
    const planned = ciRoles(loadValidPlan(join(ROOT, "org"), { today: "2026-06-01" }).plan, { repo: "example-trading/mail", environment: "production" });
    const policies = json.resource.aws_iam_policy as Record<string, { name: string; path: string; policy: string }>;
    const attachments = Object.values(json.resource.aws_iam_role_policy_attachment as Record<string, { role: string; policy_arn: string }>);
    const roleName = (ref?: string) => (json.resource.aws_iam_role as Record<string, { name: string }>)[/^\$\{aws_iam_role\.([^.]+)\.name\}$/.exec(ref ?? "")?.[1] ?? ""]?.name;
    const rendered = Object.entries(policies).map(([key, p]) => ({ name: p.name, path: p.path, role: roleName(attachments.find((x) => x.policy_arn === `\${aws_iam_policy.${key}.arn}`)?.role), policy: JSON.parse(p.policy.replace(/\$\{data\.aws_caller_identity\.[A-Za-z0-9_]+\.account_id\}/g, ACCOUNT)) }));
    const want = [planned.plan, planned.apply].flatMap((r) => r.documents.map((d, i) => ({ name: `${r.name}-${i + 1}`, path: "/mailorg-ci/", role: r.name, policy: JSON.parse(withAccount(JSON.stringify(d), ACCOUNT)) })));
    expect(rendered.sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual(want.sort((a, b) => (a.name < b.name ? -1 : 1)));
    expect(json.resource.aws_iam_role_policy).toBeUndefined();
    // With a mailbox host the apply role's grants take more than one managed policy, and Terraform parses the stack.
    const hostOut = join(writeOrg({}), "ci");
    const h = runCli(["bootstrap-ci", "--org", exampleOrgWithHost(), "--repo", "example-trading/mail", "--out", hostOut]);
    expect([h.status, h.stderr]).toEqual([0, ""]);
    const hostJson = JSON.parse(readFileSync(join(hostOut, "stacks/ci-bootstrap/cdk.tf.json"), "utf8"));
    const applyParts = Object.values(hostJson.resource.aws_iam_policy as Record<string, { name: string }>).filter((x) => x.name.startsWith("mailorg-ci-apply-"));
    expect(applyParts.length).toBeGreaterThan(1);
    expect(Object.keys(hostJson.resource.aws_iam_role_policy_attachment).length).toBe(Object.keys(hostJson.resource.aws_iam_policy).length);
    if (!terraformMissing) expect(readStacks(hostOut).flatMap(stackStringProblems)).toEqual([]);
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
