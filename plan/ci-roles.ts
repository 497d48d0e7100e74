/**
 * The CI roles as policy documents, computed from the plan: `mailorg-ci-plan` (pull requests: read-only on
 * everything mailorg manages, read on the state, write only the lock files) and `mailorg-ci-apply` (the main
 * branch or one environment: the write actions mailorg's stacks call, on mailorg's own names). The
 * CiRoles construct renders exactly these documents; the tests evaluate them with an IAM engine.
 *
 * Each grant names the Terraform resource types it serves, so a test can check that every type a stack
 * synthesises has its grant. Actions are split by their verb: Get/List/Describe (and HeadObject's
 * s3:GetObject on the signature objects) are reads and go to both roles; everything else only to apply.
 */
import { ACCOUNT_ID_PLACEHOLDER, type MailPlan } from "./plan.ts";
import type { PolicyDocument, Statement } from "./sending.ts";

export const PLAN_ROLE = "mailorg-ci-plan";
export const APPLY_ROLE = "mailorg-ci-apply";
export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** Stands for the OIDC provider's ARN until the construct renders it (created or looked up). */
export const OIDC_PROVIDER_PLACEHOLDER = "MAILORG_OIDC_PROVIDER_ARN";
/** The IAM path of every member user, group and managed policy (constructs/sending-policy.ts writes it). */
export const MEMBER_IAM_PATH = "/mailorg/";

export interface Grant {
  /** Terraform resource types (or data sources, as data.<type>) this grant serves. */
  readonly serves: readonly string[];
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: Statement["Condition"];
}

/** A role's trust policy: who may assume it. */
export interface TrustDocument {
  readonly Version: "2012-10-17";
  readonly Statement: {
    readonly Sid: string;
    readonly Effect: "Allow";
    readonly Action: string;
    readonly Principal: { readonly Federated: string };
    readonly Condition: Record<string, Record<string, string | string[]>>;
  }[];
}

export interface CiRolePlan {
  readonly name: string;
  /** Who may assume it: the GitHub OIDC subject(s). */
  readonly subjects: readonly string[];
  readonly trust: TrustDocument;
  readonly policy: PolicyDocument;
}

export interface CiRolesPlan {
  readonly plan: CiRolePlan;
  readonly apply: CiRolePlan;
}

const READ = /^[a-z0-9-]+:(Get|List|Describe)/;

/** Whether an action only reads (a plan role may have it). */
export function isReadAction(action: string): boolean {
  return READ.test(action);
}

/** What mailorg's stacks call, by resource type, on the names the plan gives them. */
export function stackGrants(plan: MailPlan): Grant[] {
  const a = ACCOUNT_ID_PLACEHOLDER;
  const region = plan.organisation.region;
  const prefix = plan.organisation.prefix;
  const bucket = plan.inbound.bucketName;
  const zones = [...new Set(plan.domains.flatMap((d) => (d.zoneId ? [d.zoneId] : [])))].sort();
  const ses = (what: string) => `arn:aws:ses:${region}:${a}:${what}`;
  return [
    {
      serves: ["aws_sesv2_email_identity", "aws_sesv2_email_identity_mail_from_attributes"],
      actions: ["ses:CreateEmailIdentity", "ses:DeleteEmailIdentity", "ses:GetEmailIdentity", "ses:PutEmailIdentityDkimSigningAttributes", "ses:PutEmailIdentityConfigurationSetAttributes", "ses:PutEmailIdentityMailFromAttributes", "ses:TagResource", "ses:UntagResource", "ses:ListTagsForResource"],
      resources: plan.domains.map((d) => ses(`identity/${d.name}`)),
    },
    {
      serves: ["aws_sesv2_configuration_set", "aws_sesv2_configuration_set_event_destination"],
      actions: ["ses:CreateConfigurationSet", "ses:GetConfigurationSet", "ses:PutConfigurationSetDeliveryOptions", "ses:PutConfigurationSetReputationOptions", "ses:PutConfigurationSetSendingOptions", "ses:PutConfigurationSetSuppressionOptions", "ses:CreateConfigurationSetEventDestination", "ses:UpdateConfigurationSetEventDestination", "ses:DeleteConfigurationSetEventDestination", "ses:GetConfigurationSetEventDestinations", "ses:TagResource", "ses:UntagResource", "ses:ListTagsForResource"],
      resources: [ses(`configuration-set/${plan.configurationSet}`)],
    },
    { serves: ["aws_sesv2_account_suppression_attributes"], actions: ["ses:PutAccountSuppressionAttributes", "ses:GetAccount"], resources: ["*"] },
    {
      // SES v1 receiving and templates have no resource-level permissions.
      serves: ["aws_ses_receipt_rule_set", "aws_ses_receipt_rule", "aws_ses_active_receipt_rule_set", "aws_ses_receipt_filter", "aws_ses_template"],
      actions: ["ses:CreateReceiptRuleSet", "ses:DescribeReceiptRuleSet", "ses:CreateReceiptRule", "ses:UpdateReceiptRule", "ses:DeleteReceiptRule", "ses:DescribeReceiptRule", "ses:SetActiveReceiptRuleSet", "ses:DescribeActiveReceiptRuleSet", "ses:CreateReceiptFilter", "ses:DeleteReceiptFilter", "ses:ListReceiptFilters", "ses:CreateTemplate", "ses:UpdateTemplate", "ses:DeleteTemplate", "ses:GetTemplate"],
      resources: ["*"],
    },
    ...(zones.length
      ? [
          { serves: ["aws_route53_record"], actions: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone"], resources: zones.map((z) => `arn:aws:route53:::hostedzone/${z}`) },
          { serves: ["aws_route53_record"], actions: ["route53:GetChange"], resources: ["arn:aws:route53:::change/*"] },
        ]
      : []),
    { serves: ["aws_kms_key"], actions: ["kms:CreateKey"], resources: ["*"] },
    {
      // Keys are known by id only after creation: only those carrying the provider's ManagedBy=mailorg tag.
      serves: ["aws_kms_key", "aws_kms_alias"],
      actions: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
      resources: [`arn:aws:kms:${region}:${a}:key/*`],
      condition: { StringEquals: { "aws:ResourceTag/ManagedBy": "mailorg" } },
    },
    { serves: ["aws_kms_alias"], actions: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], resources: [`arn:aws:kms:${region}:${a}:alias/${prefix}-*`] },
    { serves: ["aws_kms_alias"], actions: ["kms:ListAliases"], resources: ["*"] },
    {
      serves: ["aws_sns_topic", "aws_sns_topic_policy"],
      actions: ["sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource"],
      resources: [`arn:aws:sns:${region}:${a}:${prefix}-*`],
    },
    {
      serves: ["aws_cloudwatch_log_group"],
      actions: ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource", "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsLogGroup"],
      resources: [`arn:aws:logs:${region}:${a}:log-group:/aws/lambda/${prefix}-*`],
    },
    { serves: ["aws_cloudwatch_log_group"], actions: ["logs:DescribeLogGroups"], resources: ["*"] },
    {
      serves: ["aws_cloudwatch_metric_alarm"],
      actions: ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"],
      resources: [`arn:aws:cloudwatch:${region}:${a}:alarm:${prefix}-*`],
    },
    {
      serves: ["aws_iam_role", "aws_iam_role_policy"],
      actions: ["iam:CreateRole", "iam:GetRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRoleTags"],
      resources: [`arn:aws:iam::${a}:role/${prefix}-*`],
    },
    {
      // The router's role may be handed to Lambda only.
      serves: ["aws_lambda_function"],
      actions: ["iam:PassRole"],
      resources: [`arn:aws:iam::${a}:role/${prefix}-*`],
      condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } },
    },
    {
      serves: ["aws_lambda_function", "aws_lambda_function_event_invoke_config", "aws_lambda_permission"],
      actions: ["lambda:CreateFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig", "lambda:ListVersionsByFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags", "lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig", "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy"],
      resources: [`arn:aws:lambda:${region}:${a}:function:${prefix}-*`],
    },
    {
      serves: ["aws_lambda_event_source_mapping"],
      actions: ["lambda:CreateEventSourceMapping", "lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping", "lambda:ListEventSourceMappings"],
      resources: ["*"],
    },
    {
      serves: ["aws_sqs_queue"],
      actions: ["sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl", "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags"],
      resources: [`arn:aws:sqs:${region}:${a}:${prefix}-*`],
    },
    {
      serves: ["aws_s3_bucket", "aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket_ownership_controls", "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block", "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_versioning"],
      actions: ["s3:CreateBucket", "s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLocation", "s3:GetBucketLogging", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:GetBucketRequestPayment", "s3:GetBucketTagging", "s3:GetBucketVersioning", "s3:GetBucketWebsite", "s3:GetAccelerateConfiguration", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration"],
      resources: [`arn:aws:s3:::${bucket}`],
    },
    { serves: ["aws_s3_object"], actions: ["s3:PutObject", "s3:GetObject", "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObject"], resources: [`arn:aws:s3:::${bucket}/signatures/*`] },
    {
      serves: ["aws_iam_user", "aws_iam_access_key", "aws_iam_user_group_membership", "aws_iam_user_policy"],
      actions: ["iam:CreateUser", "iam:GetUser", "iam:TagUser", "iam:UntagUser", "iam:DeleteUser", "iam:ListGroupsForUser", "iam:AddUserToGroup", "iam:RemoveUserFromGroup", "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:PutUserPolicy", "iam:GetUserPolicy", "iam:DeleteUserPolicy", "iam:ListUserPolicies", "iam:ListAttachedUserPolicies", "iam:ListUserTags"],
      resources: [`arn:aws:iam::${a}:user${MEMBER_IAM_PATH}*`, `arn:aws:iam::${a}:group${MEMBER_IAM_PATH}*`],
    },
    {
      serves: ["aws_iam_group", "aws_iam_policy", "aws_iam_group_policy_attachment"],
      actions: ["iam:CreateGroup", "iam:GetGroup", "iam:DeleteGroup", "iam:AttachGroupPolicy", "iam:DetachGroupPolicy", "iam:ListAttachedGroupPolicies", "iam:CreatePolicy", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy", "iam:TagPolicy", "iam:UntagPolicy", "iam:ListPolicyTags", "iam:ListEntitiesForPolicy"],
      resources: [`arn:aws:iam::${a}:group${MEMBER_IAM_PATH}*`, `arn:aws:iam::${a}:policy${MEMBER_IAM_PATH}*`],
    },
    { serves: ["data.aws_caller_identity"], actions: ["sts:GetCallerIdentity"], resources: ["*"] },
  ];
}

/** Grants on the state bucket: read the state, write the lock files (plan) or the state too (apply). */
function stateGrants(plan: MailPlan, role: "plan" | "apply"): Statement[] {
  const state = plan.state;
  if (!state) return [];
  const prefix = state.key_prefix.replace(/\/+$/, "");
  const objects = `arn:aws:s3:::${state.bucket}/${prefix}/*`;
  const locks = `arn:aws:s3:::${state.bucket}/${prefix}/*.tflock`;
  const out: Statement[] = [
    { Sid: "StateList", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${state.bucket}`, Condition: { StringLike: { "s3:prefix": [`${prefix}/*`] } } },
    { Sid: "StateRead", Effect: "Allow", Action: "s3:GetObject", Resource: objects },
    { Sid: "StateLocks", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: locks },
  ];
  if (role === "apply") out.push({ Sid: "StateWrite", Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::${state.bucket}/${prefix}/*.tfstate` });
  if (state.kms_key_id) out.push({ Sid: "StateKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: state.kms_key_id });
  return out;
}

const sid = (i: number, what: string): string => `${what}${String(i).padStart(2, "0")}`;

function policyOf(grants: readonly Grant[], keep: (action: string) => boolean, state: Statement[]): PolicyDocument {
  const statements = grants
    .map((g) => ({ g, actions: [...new Set(g.actions.filter(keep))].sort() }))
    .filter(({ actions }) => actions.length > 0)
    .map(({ g, actions }, i): Statement => ({
      Sid: sid(i + 1, "Mailorg"),
      Effect: "Allow",
      Action: actions,
      Resource: g.resources.length === 1 ? g.resources[0]! : [...g.resources],
      ...(g.condition ? { Condition: g.condition } : {}),
    }));
  return { Version: "2012-10-17", Statement: [...statements, ...state] };
}

/** The workflow file CI runs (examples/github-actions/mailorg.yml, copied into the repository). */
export const DEFAULT_WORKFLOW = ".github/workflows/mailorg.yml";

/**
 * The `job_workflow_ref` claim of a job that runs the workflow file as the base branch holds it:
 * `OWNER/NAME/.github/workflows/mailorg.yml@refs/heads/main`. A pull request's own workflow (event
 * `pull_request`) runs from `refs/pull/N/merge`, and another file has another path, so neither matches.
 */
export function workflowRef(repo: string, workflow = DEFAULT_WORKFLOW, branch = "main"): string {
  return `${repo}/${workflow}@refs/heads/${branch}`;
}

function trustOf(subjects: readonly string[], jobWorkflowRef: string): TrustDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitHubActions",
        Effect: "Allow",
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: OIDC_PROVIDER_PLACEHOLDER },
        // job_workflow_ref binds the role to the base branch's workflow file: IAM checks it as a condition key of
        // AssumeRoleWithWebIdentity, so the subject claim keeps GitHub's default format (no repository setting).
        Condition: { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com", [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0]! : [...subjects], [`${GITHUB_OIDC_HOST}:job_workflow_ref`]: jobWorkflowRef } },
      },
    ],
  };
}

/**
 * Both roles for a repository (OWNER/NAME), each bound to the workflow file as the base branch (default main)
 * holds it: plan for its pull_request_target jobs (the `pull_request` subject), apply for the environment when
 * given, else the base branch itself.
 */
export function ciRoles(plan: MailPlan, opts: { repo: string; environment?: string; branch?: string; workflow?: string }): CiRolesPlan {
  const grants = stackGrants(plan);
  const branch = opts.branch ?? "main";
  const ref = workflowRef(opts.repo, opts.workflow, branch);
  const planSubjects = [`repo:${opts.repo}:pull_request`];
  const applySubjects = [opts.environment ? `repo:${opts.repo}:environment:${opts.environment}` : `repo:${opts.repo}:ref:refs/heads/${branch}`];
  return {
    plan: { name: PLAN_ROLE, subjects: planSubjects, trust: trustOf(planSubjects, ref), policy: policyOf(grants, isReadAction, stateGrants(plan, "plan")) },
    apply: { name: APPLY_ROLE, subjects: applySubjects, trust: trustOf(applySubjects, ref), policy: policyOf(grants, () => true, stateGrants(plan, "apply")) },
  };
}
