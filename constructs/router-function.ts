import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { LambdaEventSourceMapping } from "@cdktn/provider-aws/lib/lambda-event-source-mapping";
import { LambdaFunction } from "@cdktn/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktn/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktn/provider-aws/lib/lambda-permission";
import { SqsQueue } from "@cdktn/provider-aws/lib/sqs-queue";
import { AssetType, TerraformAsset } from "cdktn";
import { Construct } from "constructs";
import { buildSync } from "esbuild";
import type { RoutingTable } from "../plan/contract.ts";
import { STORE_PREFIX } from "../plan/contract.ts";
import { leastPrivilegePolicy } from "./least-privilege.ts";
import { protect } from "./protect.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Asset files get a fixed modification time, so that archives and hashes are the same on any machine. */
export const FIXED_MTIME = new Date("2020-01-01T00:00:00Z");

let bundleCache: string | undefined;

/** The router handler bundled by esbuild (ESM, Node 24; the AWS SDK v3 comes with the Lambda runtime). */
export function bundleRouter(): string {
  if (bundleCache === undefined) {
    const out = buildSync({
      entryPoints: [join(ROOT, "runtime/router/handler.ts")],
      absWorkingDir: ROOT,
      bundle: true,
      platform: "node",
      target: "node24",
      format: "esm",
      external: ["@aws-sdk/*"],
      write: false,
      legalComments: "none",
      charset: "utf8",
      logLevel: "silent",
    });
    // esbuild marks each module with a `// path/to/file.ts` comment: drop them, so moving a source file
    // does not change the bundle's hash (and redeploy the router) when the code is the same.
    bundleCache = out.outputFiles[0]!.text.replace(/^\/\/ [\w@./-]+\.(?:ts|mjs|cjs|js|json)\n/gm, "");
  }
  return bundleCache;
}

export interface RouterFunctionProps {
  /** Function and role name. */
  readonly name: string;
  /** The routing table shipped beside the handler. */
  readonly table: RoutingTable;
  /** Mail store bucket name and ARN, and its KMS key ARN. */
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly keyArn: string;
  /** Account id (expression) and rule set ARN pattern allowed to invoke it. */
  readonly accountId: string;
  readonly receiptRuleArnPattern: string;
  /** The region (for Secrets Manager and SES ARNs). */
  readonly region: string;
  /** Log retention in days. Default 365 (routing decisions are the audit trail). */
  readonly logRetentionDays?: number;
  /** The configuration set forwarded mail is sent with (bounce and complaint events). Default none. */
  readonly configurationSetName?: string;
  /** SNS topic notified when the dead-letter queue holds messages. Default none (the alarm only shows in CloudWatch). */
  readonly alarmTopicArn?: string;
}

/** The router's timeout in seconds; the delivery queue's visibility timeout is six times it, as AWS advises. */
export const ROUTER_TIMEOUT_S = 60;

/**
 * The router Lambda: bundle + routing table as one asset, a least-privilege role (read incoming/, list the
 * bucket so a missing object reads as 404, write mailbox and quarantine prefixes, use the store's key, write
 * its own logs, use its queues; read the relay's secret and send members' forwards only when declared), a
 * kept log group with a retention, a delivery queue for large fan-outs, a dead-letter queue with an alarm for
 * what fails after its retries, and a permission letting only SES of this account, for this rule set, invoke it.
 */
export class RouterFunction extends Construct {
  readonly fn: LambdaFunction;
  readonly permission: LambdaPermission;
  /** Batches of a large fan-out, each delivered by its own invocation. */
  readonly deliveries: SqsQueue;
  /** Events and batches that failed after their retries. */
  readonly deadLetters: SqsQueue;
  readonly alarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: RouterFunctionProps) {
    super(scope, id);
    const dir = mkdtempSync(join(tmpdir(), "mailorg-router-"));
    mkdirSync(dir, { recursive: true });
    const files = { "index.mjs": bundleRouter(), "routing-table.json": JSON.stringify(props.table, null, 1) + "\n" };
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(dir, name), text);
      utimesSync(join(dir, name), FIXED_MTIME, FIXED_MTIME);
    }
    const asset = new TerraformAsset(this, "bundle", { path: dir, type: AssetType.ARCHIVE });
    // The routing decisions are the audit trail: a retention, and kept when the function is destroyed.
    const logs = protect(new CloudwatchLogGroup(this, "logs", { name: `/aws/lambda/${props.name}`, retentionInDays: props.logRetentionDays ?? 365 }));
    // Events that keep failing (SES invocations after Lambda's retries, delivery batches after 5 receives)
    // land here, kept 14 days, never retried forever; the alarm fires as soon as one arrives.
    // The only record of a failed delivery for 14 days: protected like the store.
    this.deadLetters = protect(new SqsQueue(this, "dead-letters", { name: `${props.name}-dlq`, messageRetentionSeconds: 1209600, sqsManagedSseEnabled: true }));
    this.deliveries = new SqsQueue(this, "deliveries", {
      name: `${props.name}-deliveries`,
      visibilityTimeoutSeconds: ROUTER_TIMEOUT_S * 6,
      messageRetentionSeconds: 345600,
      sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetters.arn, maxReceiveCount: 5 }),
    });
    this.alarm = new CloudwatchMetricAlarm(this, "dead-letters-alarm", {
      alarmName: `${props.name}-dead-letters`,
      alarmDescription: "mail the router could not deliver after its retries is waiting in the dead-letter queue (docs/delivery.md: redrive after fixing the cause)",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: this.deadLetters.name },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      ...(props.alarmTopicArn ? { alarmActions: [props.alarmTopicArn], okActions: [props.alarmTopicArn] } : {}),
    });
    const relay = props.table.relay;
    const forwarders = Object.keys(props.table.forwards).sort();
    // Past SES's receipt-rule limits the router bounces unknown recipients itself, once per message (a claim under delivery/).
    const bounces = props.table.unknownRecipients === "router";
    const also = props.table.also ?? null;
    const secretOf = (name: string) => `arn:aws:secretsmanager:${props.region}:${props.accountId}:secret:${name}-??????`;
    // The relay's and the old provider's (delivery.also) SMTP logins, each only when declared.
    const secretArns = [relay?.authSecret, also?.authSecret].filter((n): n is string => !!n).map(secretOf);
    const secretArn = secretArns.length === 0 ? undefined : secretArns.length === 1 ? secretArns[0] : secretArns;
    const markers = relay !== null || also !== null || forwarders.length > 0 || bounces;
    const role = new IamRole(this, "role", {
      name: props.name,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    leastPrivilegePolicy(this, "policy", role, [
      { Sid: "ReadIncoming", Effect: "Allow", Action: "s3:GetObject", Resource: `${props.bucketArn}/${STORE_PREFIX.incoming}*` },
      // Without s3:ListBucket, S3 answers 403 for a missing object too: with it, 404 tells "missing" from "forbidden".
      { Sid: "TellMissingFromForbidden", Effect: "Allow", Action: "s3:ListBucket", Resource: props.bucketArn },
      // A relay or forward claims each target and records its outcome under delivery/ (retries and concurrent invocations resume, never repeat).
      ...(markers ? [{ Sid: "ReadDeliveryMarkers", Effect: "Allow", Action: "s3:GetObject", Resource: `${props.bucketArn}/${STORE_PREFIX.delivery}*` }] : []),
      {
        Sid: "WriteMailboxesAndQuarantine",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: [
          `${props.bucketArn}/${STORE_PREFIX.mailboxes}*`,
          `${props.bucketArn}/${STORE_PREFIX.quarantine}*`,
          ...(markers ? [`${props.bucketArn}/${STORE_PREFIX.delivery}*`] : []),
        ],
      },
      { Sid: "UseTheStoreKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: props.keyArn },
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logs.arn}:*` },
      { Sid: "QueueDeliveryBatches", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deliveries.arn },
      {
        Sid: "ConsumeDeliveryBatches",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
        Resource: this.deliveries.arn,
      },
      { Sid: "DeadLetterFailedEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetters.arn },
      ...(bounces ? [{ Sid: "BounceUnknownRecipients", Effect: "Allow", Action: "ses:SendBounce", Resource: `arn:aws:ses:${props.region}:${props.accountId}:identity/*` }] : []),
      ...(secretArn ? [{ Sid: "ReadRelayCredentials", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn }] : []),
      ...(forwarders.length > 0
        ? [
            {
              Sid: "SendMembersForwards",
              Effect: "Allow",
              Action: ["ses:SendEmail", "ses:SendRawEmail"],
              Resource: [`arn:aws:ses:${props.region}:${props.accountId}:identity/*`, `arn:aws:ses:${props.region}:${props.accountId}:configuration-set/*`],
              Condition: { StringEquals: { "ses:FromAddress": forwarders } },
            },
          ]
        : []),
        ]);
    this.fn = new LambdaFunction(this, "function", {
      functionName: props.name,
      role: role.arn,
      runtime: "nodejs24.x",
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: asset.assetHash,
      timeout: ROUTER_TIMEOUT_S,
      memorySize: 256,
      environment: {
        variables: {
          MAIL_BUCKET: props.bucketName,
          DELIVERY_QUEUE_URL: this.deliveries.url,
          ...(forwarders.length > 0 && props.configurationSetName ? { CONFIGURATION_SET: props.configurationSetName } : {}),
        },
      },
      dependsOn: [logs],
    });
    // SES invokes asynchronously: two retries, then the event goes to the dead-letter queue.
    new LambdaFunctionEventInvokeConfig(this, "async-failures", {
      functionName: this.fn.functionName,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 21600,
      destinationConfig: { onFailure: { destination: this.deadLetters.arn } },
    });
    // Large fan-outs: one batch per invocation; a failed batch is retried alone (ReportBatchItemFailures).
    new LambdaEventSourceMapping(this, "delivery-batches", {
      eventSourceArn: this.deliveries.arn,
      functionName: this.fn.arn,
      batchSize: 1,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    this.permission = new LambdaPermission(this, "ses-invoke", {
      statementId: "AllowSesOfThisAccountAndRuleSet",
      action: "lambda:InvokeFunction",
      functionName: this.fn.functionName,
      principal: "ses.amazonaws.com",
      sourceAccount: props.accountId,
      sourceArn: props.receiptRuleArnPattern,
    });
  }
}
