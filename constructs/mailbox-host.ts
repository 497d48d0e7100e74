/**
 * The `mailhost` stack's content: the organisation's mailbox host (Postfix + Dovecot on Debian 12) rendered
 * from plan.mailhost. One EC2 instance (IMDSv2 only, encrypted root, Session Manager instead of SSH) that is
 * replaceable; the mail on its own encrypted EBS volume (prevent_destroy, backed up daily by AWS Backup); an
 * Elastic IP; a security group with 993 (IMAPS) and the relay port open and nothing else; the host name and
 * RFC 6186 SRV records in the zone. The host syncs its configuration from a versioned S3 object this stack
 * writes, and reads login hashes from SSM, which the credential stacks write by name: no cross-stack reference.
 */
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BackupPlan } from "@cdktn/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktn/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktn/provider-aws/lib/backup-vault";
import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsAmi } from "@cdktn/provider-aws/lib/data-aws-ami";
import { DataAwsSecretsmanagerRandomPassword } from "@cdktn/provider-aws/lib/data-aws-secretsmanager-random-password";
import { DataAwsSubnet } from "@cdktn/provider-aws/lib/data-aws-subnet";
import { EbsVolume } from "@cdktn/provider-aws/lib/ebs-volume";
import { Eip } from "@cdktn/provider-aws/lib/eip";
import { IamInstanceProfile } from "@cdktn/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktn/provider-aws/lib/iam-role-policy-attachment";
import { Instance } from "@cdktn/provider-aws/lib/instance";
import { Route53Record } from "@cdktn/provider-aws/lib/route53-record";
import { S3Bucket } from "@cdktn/provider-aws/lib/s3-bucket";
import { S3Object } from "@cdktn/provider-aws/lib/s3-object";
import { SecretsmanagerSecret } from "@cdktn/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktn/provider-aws/lib/secretsmanager-secret-version";
import { SecurityGroup } from "@cdktn/provider-aws/lib/security-group";
import { SsmParameter } from "@cdktn/provider-aws/lib/ssm-parameter";
import { VolumeAttachment } from "@cdktn/provider-aws/lib/volume-attachment";
import { AssetType, Fn, TerraformAsset } from "cdktn";
import { Construct } from "constructs";
import { cloudInitUserData } from "../mailhost/cloud-init.ts";
import { configObject } from "../mailhost/files.ts";
import { FIXED_MTIME } from "./router-function.ts";
import { SYNC_METRIC } from "../mailhost/sync-script.ts";
import { DEBIAN_AMI_OWNER, MAILHOST_SUBMISSIONS_PORT, type MailhostPlan } from "../plan/mailhost.ts";
import { withAccount } from "../plan/plan.ts";
import { lockDownBucket } from "./private-bucket.ts";
import { leastPrivilegePolicy } from "./least-privilege.ts";
import { protect } from "./protect.ts";

export { DEBIAN_AMI_OWNER };
/** Where the data volume is attached; cloud-init finds it by its file system label, whatever the device's name. */
export const DATA_DEVICE = "/dev/sdf";

export interface MailboxHostProps {
  /** plan.mailhost. */
  readonly host: MailhostPlan;
  /** The account id as this stack looks it up (data.aws_caller_identity). */
  readonly accountId: string;
  /** Domains in Route 53 (name -> zone id): the SRV records go into each receiving domain's zone. */
  readonly zones: Readonly<Record<string, string>>;
  /** Days the mail log (logins, deliveries) is kept. Default 400 (login records for a year and a bit). */
  readonly logRetentionDays?: number;
  /** SNS topic notified when the host's sync keeps failing. Default none (the alarm only shows in CloudWatch). */
  readonly alarmTopicArn?: string;
}

const ASSUME = (service: string): string => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

export class MailboxHost extends Construct {
  readonly instance: Instance;
  readonly dataVolume: EbsVolume;
  readonly eip: Eip;
  readonly syncAlarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: MailboxHostProps) {
    super(scope, id);
    const { host } = props;
    const region = host.region;
    const az = `${region}a`;
    const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${props.accountId}:${resource}`;

    // Configuration the host syncs: one versioned object, checked on the host before it is switched to.
    const bucket = new S3Bucket(this, "config-bucket", { bucket: withAccount(host.configBucket, props.accountId) });
    lockDownBucket(this, bucket);
    // A file beside the stack, not inline content: at 50,000 members the object is tens of MB, which would sit in the
    // Terraform JSON, in the state and in every plan's diff; the plan shows its hash changing instead (the review
    // shows what changed: mailorg diff).
    const dir = mkdtempSync(join(tmpdir(), "mailorg-mailhost-config-"));
    writeFileSync(join(dir, "config.json"), configObject(host));
    utimesSync(join(dir, "config.json"), FIXED_MTIME, FIXED_MTIME);
    const object = new TerraformAsset(this, "config-object", { path: join(dir, "config.json"), type: AssetType.FILE });
    new S3Object(this, "config", { bucket: bucket.id, key: host.configKey, source: object.path, sourceHash: object.assetHash, contentType: "application/json" });

    // The router's credential for the relay: a random password in Secrets Manager (the router reads it), its
    // bcrypt hash in SSM (the host reads it). Both are written once; a new password takes replacing the version.
    const secret = new SecretsmanagerSecret(this, "relay-secret", { name: host.relaySecretName, description: `SMTP AUTH of the mail router on ${host.hostname}` });
    const random = new DataAwsSecretsmanagerRandomPassword(this, "relay-password", { passwordLength: 40, excludePunctuation: true });
    const version = new SecretsmanagerSecretVersion(this, "relay-secret-value", {
      secretId: secret.id,
      secretString: Fn.jsonencode({ username: host.relayUser, password: random.randomPassword }),
      lifecycle: { ignoreChanges: ["secret_string"] },
    });
    new SsmParameter(this, "relay-passwd", {
      name: host.relayPasswdParameter,
      type: "SecureString",
      description: "bcrypt hash of the mail router's relay password (Dovecot passwd-file line)",
      value: `${host.relayUser}:{BLF-CRYPT}${Fn.bcrypt(random.randomPassword)}`,
      lifecycle: { ignoreChanges: ["value"], replaceTriggeredBy: [version] },
    });

    const logs = protect(new CloudwatchLogGroup(this, "logs", { name: host.logGroup, retentionInDays: props.logRetentionDays ?? 400 }));

    // The instance's role: read its configuration and the router's relay hash (members' hashes never leave the host),
    // send members' mail through SES as the org only, write its logs, answer certbot's DNS
    // challenge in its own zone only, and Session Manager's channel. Nothing else.
    const role = new IamRole(this, "role", { name: host.name, assumeRolePolicy: ASSUME("ec2.amazonaws.com") });
    leastPrivilegePolicy(this, "policy", role, [
      { Sid: "ReadConfiguration", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${bucket.arn}/${host.configKey}` },
      { Sid: "ReadRelayHash", Effect: "Allow", Action: "ssm:GetParameter", Resource: arn("ssm", `parameter${host.relayPasswdParameter}`) },
      { Sid: "TakeMigrationAccounts", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:DeleteParameter"], Resource: arn("ssm", `parameter${host.migrateParameterPath}*`) },
      { Sid: "FindDataVolume", Effect: "Allow", Action: "ssm:GetParameter", Resource: arn("ssm", `parameter${host.dataVolumeParameter}`) },
      { Sid: "ReportSync", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": SYNC_METRIC.namespace } } },
      // Members' accepted messages leave through SES with this role's temporary credentials (mailhost/ses-relay.ts):
      // only as the org's own identities, only From one of its domains, only with its configuration set.
      {
        Sid: "SendAsTheOrgsIdentitiesOnly",
        Effect: "Allow",
        Action: ["ses:SendEmail", "ses:SendRawEmail"],
        Resource: [...host.decision.domains.map((d) => arn("ses", `identity/${d}`)), arn("ses", `configuration-set/${host.configurationSet}`)],
        Condition: { StringLike: { "ses:FromAddress": host.decision.domains.map((d) => `*@${d}`) } },
      },
      { Sid: "WriteMailLog", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: `${logs.arn}:*` },
      {
        Sid: "AnswerAcmeChallengeOnly",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: [...new Set(host.certificateNames.map((c) => c.zoneId))].sort().map((z) => `arn:aws:route53:::hostedzone/${z}`),
        Condition: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": host.certificateNames.map((c) => `_acme-challenge.${c.name}`),
            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
          },
        },
      },
      { Sid: "CertbotFindsZoneAndWaits", Effect: "Allow", Action: ["route53:ListHostedZones", "route53:GetChange"], Resource: "*" },
      {
        Sid: "SessionManagerChannel",
        Effect: "Allow",
        Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"],
        Resource: "*",
      },
    ]);
    const profile = new IamInstanceProfile(this, "profile", { name: host.name, role: role.name });

    const ami = new DataAwsAmi(this, "debian-12", {
      mostRecent: true,
      owners: [DEBIAN_AMI_OWNER],
      filter: [
        { name: "name", values: [`debian-12-${host.arch === "arm64" ? "arm64" : "amd64"}-*`] },
        { name: "architecture", values: [host.arch] },
        { name: "virtualization-type", values: ["hvm"] },
      ],
    });
    const subnet = new DataAwsSubnet(this, "subnet", { defaultForAz: true, availabilityZone: az });
    const sg = new SecurityGroup(this, "security-group", {
      name: host.name,
      description: `mailorg mailbox host ${host.hostname}: IMAPS and the router's relay; no SSH (Session Manager)`,
      vpcId: subnet.vpcId,
      ingress: [
        { description: "IMAPS", protocol: "tcp", fromPort: host.imapsPort, toPort: host.imapsPort, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        { description: "ManageSieve (STARTTLS)", protocol: "tcp", fromPort: host.managesievePort, toPort: host.managesievePort, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        { description: "HTTPS: webmail, client set-up", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        { description: "HTTP: redirects to HTTPS", protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        // The router (Lambda, no fixed addresses) relays here; STARTTLS and AUTH are required.
        { description: "relay from the mail router", protocol: "tcp", fromPort: host.relayPort, toPort: host.relayPort, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        // Members submit on the relay port (587, STARTTLS) and on 465 (implicit TLS), with their own account.
        ...host.submissionPorts.filter((p) => p !== host.relayPort).map((p) => ({ description: "members' submission (implicit TLS)", protocol: "tcp", fromPort: p, toPort: p, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] })),
      ],
      egress: [{ description: "packages, certificates, AWS APIs", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
    });

    this.instance = new Instance(this, "instance", {
      ami: ami.id,
      instanceType: host.instanceType,
      subnetId: subnet.id,
      vpcSecurityGroupIds: [sg.id],
      iamInstanceProfile: profile.name,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 16, deleteOnTermination: true },
      // gzip, as cloud-init reads it: EC2's user data holds at most 16 KB.
      userDataBase64: gzipSync(cloudInitUserData(host), { level: 9 }).toString("base64"),
      tags: { Name: host.name },
      // A newer Debian image or new user data reaches the host when it is replaced on purpose (docs/mailhost.md),
      // never as a side effect of a plan; the configuration itself arrives through the sync.
      lifecycle: { ignoreChanges: ["ami", "user_data_base64"] },
    });
    this.dataVolume = protect(
      new EbsVolume(this, "data", { availabilityZone: az, size: host.volumeGb, type: "gp3", encrypted: true, finalSnapshot: true, tags: { Name: `${host.name}-data` } }),
    );
    // The mount script finds the data volume by this id (its NVMe serial), never by "the first blank disk".
    new SsmParameter(this, "data-volume-id", { name: host.dataVolumeParameter, type: "String", description: `EBS volume id of the mail on ${host.hostname}`, value: this.dataVolume.id });
    new VolumeAttachment(this, "data-attachment", { deviceName: DATA_DEVICE, volumeId: this.dataVolume.id, instanceId: this.instance.id, stopInstanceBeforeDetaching: true });
    this.eip = new Eip(this, "eip", { domain: "vpc", instance: this.instance.id, tags: { Name: host.name } });

    // Every sync reports SyncFailed (1 or 0). Ten minutes of failures only (about five syncs), or no report at all
    // (the sync or the host is down), is an alarm: logins may be waiting to be revoked.
    this.syncAlarm = new CloudwatchMetricAlarm(this, "sync-alarm", {
      alarmName: `${host.name}-sync-failing`,
      alarmDescription: `the configuration sync on ${host.hostname} has failed for 10 minutes or stopped reporting (docs/mailhost.md: the sync log in ${host.logGroup}, stream <instance>/sync)`,
      namespace: SYNC_METRIC.namespace,
      metricName: SYNC_METRIC.name,
      dimensions: { Host: host.hostname },
      statistic: "Minimum",
      period: 300,
      evaluationPeriods: 2,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "breaching",
      ...(props.alarmTopicArn ? { alarmActions: [props.alarmTopicArn], okActions: [props.alarmTopicArn] } : {}),
    });

    // Daily backups of the mail volume, kept for the retention the org declares.
    const vault = protect(new BackupVault(this, "backup-vault", { name: host.name }));
    const backupPlan = new BackupPlan(this, "backup-plan", {
      name: host.name,
      rule: [{ ruleName: "daily", targetVaultName: vault.name, schedule: "cron(0 3 * * ? *)", startWindow: 60, completionWindow: 360, lifecycle: { deleteAfter: host.backupRetentionDays } }],
    });
    const backupRole = new IamRole(this, "backup-role", { name: `${host.name}-backup`, assumeRolePolicy: ASSUME("backup.amazonaws.com") });
    new IamRolePolicyAttachment(this, "backup-role-policy", { role: backupRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup" });
    new BackupSelection(this, "backup-selection", { name: "mail-volume", planId: backupPlan.id, iamRoleArn: backupRole.arn, resources: [this.dataVolume.arn] });

    // DNS: the host name, and the plan's client records in every receiving domain's zone (RFC 6186 SRV: IMAPS
    // here, submission at SES; autoconfig and autodiscover names pointing at the host).
    new Route53Record(this, "a", { zoneId: host.zoneId, name: host.hostname, type: "A", ttl: 300, records: [this.eip.publicIp] });
    for (const r of host.clientRecords) {
      const zoneId = props.zones[r.domain];
      if (!zoneId) continue;
      new Route53Record(this, r.id, { zoneId, name: r.name, type: r.type, ttl: r.ttl, records: r.values.map((v) => `${v}.`) });
    }
  }
}
