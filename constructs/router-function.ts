import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { buildSync } from "esbuild";
import type { RoutingTable } from "../plan/routing.ts";
import { STORE_PREFIX } from "../plan/naming.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Zip entries get this modification time, so the archive's bytes depend on content only. */
const FIXED_MTIME = new Date("2020-01-01T00:00:00Z");

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
  /** Log retention in days. Default 365 (routing decisions are the audit trail). */
  readonly logRetentionDays?: number;
}

/**
 * The router Lambda: bundle + routing table as one asset, a least-privilege role (read incoming/, write
 * mailbox and quarantine prefixes, use the store's key, write its own logs), and a permission letting
 * only SES of this account, for this rule set, invoke it.
 */
export class RouterFunction extends Construct {
  readonly fn: LambdaFunction;
  readonly permission: LambdaPermission;

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
    const logs = new CloudwatchLogGroup(this, "logs", { name: `/aws/lambda/${props.name}`, retentionInDays: props.logRetentionDays ?? 365 });
    const role = new IamRole(this, "role", {
      name: props.name,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicy(this, "policy", {
      role: role.id,
      name: "least-privilege",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "ReadIncoming", Effect: "Allow", Action: "s3:GetObject", Resource: `${props.bucketArn}/${STORE_PREFIX.incoming}*` },
          {
            Sid: "WriteMailboxesAndQuarantine",
            Effect: "Allow",
            Action: "s3:PutObject",
            Resource: [`${props.bucketArn}/${STORE_PREFIX.mailboxes}*`, `${props.bucketArn}/${STORE_PREFIX.quarantine}*`],
          },
          { Sid: "UseTheStoreKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: props.keyArn },
          { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logs.arn}:*` },
        ],
      }),
    });
    this.fn = new LambdaFunction(this, "function", {
      functionName: props.name,
      role: role.arn,
      runtime: "nodejs24.x",
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: asset.assetHash,
      timeout: 60,
      memorySize: 256,
      environment: { variables: { MAIL_BUCKET: props.bucketName } },
      dependsOn: [logs],
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
