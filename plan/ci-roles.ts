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
import { IAM_MAX_MANAGED_POLICY_CHARS, type PolicyDocument, type Statement } from "./sending.ts";
import { DEBIAN_AMI_OWNER, type MailhostPlan } from "./mailhost.ts";

export const PLAN_ROLE = "mailorg-ci-plan";
export const APPLY_ROLE = "mailorg-ci-apply";
export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** Stands for the OIDC provider's ARN until the construct renders it (created or looked up). */
export const OIDC_PROVIDER_PLACEHOLDER = "MAILORG_OIDC_PROVIDER_ARN";
/** The IAM path of every member user, group and managed policy (constructs/sending-policy.ts writes it). */
export const MEMBER_IAM_PATH = "/mailorg/";
/** The IAM path of the CI roles' own managed policies: outside MEMBER_IAM_PATH, so the apply role cannot edit them. */
export const CI_POLICY_PATH = "/mailorg-ci/";

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
  /** Everything the role may do, as one document (what the tests evaluate). */
  readonly policy: PolicyDocument;
  /**
   * The same statements in order, packed into managed policies of at most IAM_MAX_MANAGED_POLICY_CHARS each (the
   * construct attaches them): with a mailbox host the apply role's grants exceed IAM's 10,240 characters of inline
   * policy per role.
   */
  readonly documents: readonly PolicyDocument[];
}

/** IAM's default quota of managed policies attached to one role. */
export const IAM_MAX_ROLE_MANAGED_POLICIES = 10;

/**
 * A policy's statements, in order, packed into as few documents as fit IAM_MAX_MANAGED_POLICY_CHARS each, as IAM
 * counts them (no whitespace; the account id placeholder is as long as the 12-digit id that replaces it).
 */
export function packPolicy(policy: PolicyDocument, limit = IAM_MAX_MANAGED_POLICY_CHARS): PolicyDocument[] {
  const size = (statements: Statement[]) => JSON.stringify({ Version: policy.Version, Statement: statements }).length;
  const out: Statement[][] = [];
  for (const st of policy.Statement) {
    if (size([st]) > limit) throw new Error(`CI policy statement ${st.Sid ?? ""} has ${size([st])} characters; IAM allows ${limit} in a managed policy`);
    const last = out[out.length - 1];
    if (last && size([...last, st]) <= limit) last.push(st);
    else out.push([st]);
  }
  return out.map((statements) => ({ Version: policy.Version, Statement: statements }));
}

export interface CiRolesPlan {
  readonly plan: CiRolePlan;
  readonly apply: CiRolePlan;
}

/** What the AWS provider calls to create and read an aws_s3_bucket and its configuration resources. */
const BUCKET_ACTIONS = ["s3:CreateBucket", "s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLocation", "s3:GetBucketLogging", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:GetBucketRequestPayment", "s3:GetBucketTagging", "s3:GetBucketVersioning", "s3:GetBucketWebsite", "s3:GetAccelerateConfiguration", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration"];

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
      // The router's role, and no other, may be handed to Lambda only.
      serves: ["aws_lambda_function"],
      actions: ["iam:PassRole"],
      resources: [`arn:aws:iam::${a}:role/${plan.inbound.routerName}`],
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
      actions: BUCKET_ACTIONS,
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
    ...(plan.mailhost ? mailhostGrants(plan.mailhost, plan.organisation.name) : []),
  ];
}

/** The managed policy the host's backup role holds (constructs/mailbox-host.ts), the only one the apply role may attach. */
export const BACKUP_SERVICE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup";

/**
 * What the mailhost stack (constructs/mailbox-host.ts) calls, only for a plan with a mailbox host. Named resources
 * by the plan's names (plan.mailhost.*); EC2 resources, whose ids AWS chooses, by their tags: the provider's
 * default tags (ManagedBy=mailorg, Organisation=<name>) at creation, and the Name tag the construct gives the
 * instance, its data volume and its Elastic IP. The host's role may be passed to EC2 only, the backup role to
 * AWS Backup only.
 */
export function mailhostGrants(host: MailhostPlan, organisation: string): Grant[] {
  const a = ACCOUNT_ID_PLACEHOLDER;
  const region = host.region;
  const ec2 = (what: string) => `arn:aws:ec2:${region}:${a}:${what}`;
  const iam = (what: string) => `arn:aws:iam::${a}:${what}`;
  const ssm = (name: string) => `arn:aws:ssm:${region}:${a}:parameter${name}`;
  const backupRole = `${host.name}-backup`;
  const dataVolume = `${host.name}-data`;
  const ours = { "aws:RequestTag/ManagedBy": "mailorg", "aws:RequestTag/Organisation": organisation };
  const tagged = (names?: string[]) => ({ StringEquals: { "aws:ResourceTag/ManagedBy": "mailorg", "aws:ResourceTag/Organisation": organisation, ...(names ? { "aws:ResourceTag/Name": names } : {}) } });
  return [
    {
      // EC2's reads have no resource-level permissions.
      serves: ["aws_instance", "aws_ebs_volume", "aws_volume_attachment", "aws_eip", "aws_security_group", "data.aws_ami", "data.aws_subnet"],
      actions: ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstanceTypes", "ec2:DescribeInstanceCreditSpecifications", "ec2:DescribeIamInstanceProfileAssociations", "ec2:DescribeImages", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeVolumes", "ec2:DescribeVolumeAttribute", "ec2:DescribeTags", "ec2:DescribeNetworkInterfaces", "ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"],
      resources: ["*"],
    },
    // RunInstances: the instance only with the host's Name and mailorg's tags; the image only Debian's.
    { serves: ["aws_instance"], actions: ["ec2:RunInstances"], resources: [ec2("instance/*")], condition: { StringEquals: { ...ours, "aws:RequestTag/Name": host.name } } },
    { serves: ["aws_instance"], actions: ["ec2:RunInstances"], resources: [`arn:aws:ec2:${region}::image/*`], condition: { StringEquals: { "ec2:Owner": DEBIAN_AMI_OWNER } } },
    { serves: ["aws_instance"], actions: ["ec2:RunInstances"], resources: [ec2("subnet/*"), ec2("network-interface/*"), ec2("volume/*")] },
    { serves: ["aws_instance"], actions: ["ec2:RunInstances"], resources: [ec2("security-group/*")], condition: tagged() },
    {
      serves: ["aws_instance"],
      actions: ["ec2:TerminateInstances", "ec2:StopInstances", "ec2:StartInstances", "ec2:ModifyInstanceAttribute", "ec2:ModifyInstanceMetadataOptions", "ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation", "ec2:MonitorInstances", "ec2:UnmonitorInstances"],
      resources: [ec2("instance/*")],
      condition: tagged([host.name]),
    },
    { serves: ["aws_instance", "aws_iam_instance_profile"], actions: ["iam:PassRole"], resources: [iam(`role/${host.name}`)], condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } },
    { serves: ["aws_ebs_volume"], actions: ["ec2:CreateVolume"], resources: [ec2("volume/*")], condition: { StringEquals: { ...ours, "aws:RequestTag/Name": dataVolume } } },
    // The data volume is prevent_destroy: no DeleteVolume.
    { serves: ["aws_ebs_volume"], actions: ["ec2:ModifyVolume"], resources: [ec2("volume/*")], condition: tagged([dataVolume]) },
    { serves: ["aws_volume_attachment"], actions: ["ec2:AttachVolume", "ec2:DetachVolume"], resources: [ec2("instance/*"), ec2("volume/*")], condition: tagged([host.name, dataVolume]) },
    { serves: ["aws_eip"], actions: ["ec2:AllocateAddress"], resources: [ec2("elastic-ip/*")], condition: { StringEquals: { ...ours, "aws:RequestTag/Name": host.name } } },
    { serves: ["aws_eip"], actions: ["ec2:AssociateAddress", "ec2:DisassociateAddress", "ec2:ReleaseAddress"], resources: [ec2("elastic-ip/*"), ec2("instance/*")], condition: tagged([host.name]) },
    { serves: ["aws_eip"], actions: ["ec2:AssociateAddress", "ec2:DisassociateAddress"], resources: [ec2("network-interface/*")] },
    { serves: ["aws_security_group"], actions: ["ec2:CreateSecurityGroup"], resources: [ec2("security-group/*")], condition: { StringEquals: ours } },
    { serves: ["aws_security_group"], actions: ["ec2:CreateSecurityGroup"], resources: [ec2("vpc/*")] },
    {
      serves: ["aws_security_group"],
      actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:DeleteSecurityGroup"],
      resources: [ec2("security-group/*")],
      condition: tagged(),
    },
    // Tags: set at creation by the calls above, changed later only on mailorg's own EC2 resources.
    {
      serves: ["aws_instance", "aws_ebs_volume", "aws_eip", "aws_security_group"],
      actions: ["ec2:CreateTags"],
      resources: [ec2("instance/*"), ec2("volume/*"), ec2("elastic-ip/*"), ec2("security-group/*"), ec2("network-interface/*")],
      condition: { StringEquals: { "ec2:CreateAction": ["RunInstances", "CreateVolume", "AllocateAddress", "CreateSecurityGroup"] } },
    },
    { serves: ["aws_instance", "aws_ebs_volume", "aws_eip", "aws_security_group"], actions: ["ec2:CreateTags", "ec2:DeleteTags"], resources: [ec2("instance/*"), ec2("volume/*"), ec2("elastic-ip/*"), ec2("security-group/*")], condition: tagged() },
    {
      serves: ["aws_iam_instance_profile"],
      actions: ["iam:CreateInstanceProfile", "iam:GetInstanceProfile", "iam:DeleteInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile", "iam:ListInstanceProfileTags"],
      resources: [iam(`instance-profile/${host.name}`)],
    },
    {
      serves: ["aws_iam_role_policy_attachment"],
      actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
      resources: [iam(`role/${backupRole}`)],
      condition: { ArnEquals: { "iam:PolicyARN": BACKUP_SERVICE_POLICY } },
    },
    { serves: ["aws_iam_role_policy_attachment"], actions: ["iam:ListAttachedRolePolicies"], resources: [iam(`role/${backupRole}`)] },
    { serves: ["aws_backup_selection"], actions: ["iam:PassRole"], resources: [iam(`role/${backupRole}`)], condition: { StringEquals: { "iam:PassedToService": "backup.amazonaws.com" } } },
    {
      // The vault is prevent_destroy: no DeleteBackupVault. A new vault mounts Backup's storage with its default key.
      serves: ["aws_backup_vault"],
      actions: ["backup:CreateBackupVault", "backup:DescribeBackupVault", "backup:ListTags", "backup:TagResource", "backup:UntagResource"],
      resources: [`arn:aws:backup:${region}:${a}:backup-vault:${host.name}`],
    },
    { serves: ["aws_backup_vault"], actions: ["backup-storage:MountCapsule"], resources: ["*"] },
    {
      serves: ["aws_backup_vault"],
      actions: ["kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:RetireGrant"],
      resources: [`arn:aws:kms:${region}:${a}:key/*`],
      condition: { StringEquals: { "kms:ViaService": `backup.${region}.amazonaws.com` } },
    },
    {
      // Backup plans are known by a generated id: only those carrying mailorg's tags (set at creation).
      serves: ["aws_backup_plan", "aws_backup_selection"],
      actions: ["backup:GetBackupPlan", "backup:UpdateBackupPlan", "backup:DeleteBackupPlan", "backup:ListTags", "backup:TagResource", "backup:UntagResource", "backup:CreateBackupSelection", "backup:GetBackupSelection", "backup:DeleteBackupSelection"],
      resources: [`arn:aws:backup:${region}:${a}:backup-plan:*`],
      condition: tagged(),
    },
    { serves: ["aws_backup_plan"], actions: ["backup:CreateBackupPlan"], resources: [`arn:aws:backup:${region}:${a}:backup-plan:*`], condition: { StringEquals: ours } },
    { serves: ["aws_s3_bucket", "aws_s3_bucket_ownership_controls", "aws_s3_bucket_public_access_block", "aws_s3_bucket_versioning"], actions: [...BUCKET_ACTIONS, "s3:ListBucketVersions"], resources: [`arn:aws:s3:::${host.configBucket}`] },
    { serves: ["aws_s3_object"], actions: ["s3:PutObject", "s3:GetObject", "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: [`arn:aws:s3:::${host.configBucket}/${host.configKey}`] },
    {
      serves: ["aws_ssm_parameter"],
      actions: ["ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource"],
      resources: [ssm(host.relayPasswdParameter), ssm(host.dataVolumeParameter)],
    },
    { serves: ["aws_ssm_parameter"], actions: ["ssm:DescribeParameters"], resources: ["*"] },
    {
      // Secrets Manager adds six random characters to a secret's name in its ARN.
      serves: ["aws_secretsmanager_secret", "aws_secretsmanager_secret_version"],
      actions: ["secretsmanager:CreateSecret", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds", "secretsmanager:UpdateSecretVersionStage"],
      resources: [`arn:aws:secretsmanager:${region}:${a}:secret:${host.relaySecretName}-??????`],
    },
    { serves: ["data.aws_secretsmanager_random_password"], actions: ["secretsmanager:GetRandomPassword"], resources: ["*"] },
    {
      serves: ["aws_cloudwatch_log_group"],
      actions: ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource", "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsLogGroup"],
      resources: [`arn:aws:logs:${region}:${a}:log-group:${host.logGroup}`],
    },
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
  const role = (name: string, subjects: string[], policy: PolicyDocument): CiRolePlan => {
    const documents = packPolicy(policy);
    if (documents.length > IAM_MAX_ROLE_MANAGED_POLICIES) throw new Error(`${name} needs ${documents.length} managed policies; IAM attaches at most ${IAM_MAX_ROLE_MANAGED_POLICIES} to a role`);
    return { name, subjects, trust: trustOf(subjects, ref), policy, documents };
  };
  return {
    plan: role(PLAN_ROLE, planSubjects, policyOf(grants, isReadAction, stateGrants(plan, "plan"))),
    apply: role(APPLY_ROLE, applySubjects, policyOf(grants, () => true, stateGrants(plan, "apply"))),
  };
}
