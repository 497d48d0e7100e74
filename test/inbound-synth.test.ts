import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { BASE_ORG, writeOrg } from "./helpers.ts";
import { resources, synthOrg } from "./synth-helpers.ts";

const ORG = BASE_ORG.replace("default_department: hq", "default_department: hq\n  catch_all: lost@example.com\n  retention_days: 90").replace("  - name: example.com\n", "  - name: example.com\n  - name: example.net\n") +
  `mailboxes:
  - { address: lost@example.com, name: Lost }
members:
${Array.from({ length: 150 }, (_, i) => `  - { address: user${String(i).padStart(3, "0")}@example.com, name: U${i} }`).join("\n")}
  - { address: solo@example.net, name: Solo }
inbound:
  blocked: [203.0.113.0/24, "2001:db8:bad::/48", spam.example.org]
  allowed: [203.0.113.7]
`;

const dir = writeOrg({ "org.yaml": ORG });
const synth = synthOrg(dir);
const inbound = synth.stack("inbound");

describe("inbound stack", () => {
  it("orders the rules explicitly: recipient rules (at most 100 each), then one catch-all rule per receiving domain", () => {
    const rules = resources(inbound, "aws_ses_receipt_rule");
    const byName = new Map(Object.entries(rules).map(([k, r]) => [`\${aws_ses_receipt_rule.${k}.name}`, r]));
    const first = Object.values(rules).find((r) => r.after === undefined)!;
    const chain = [first];
    for (;;) {
      const next = Object.entries(rules).find(([, r]) => r.after !== undefined && byName.get(String(r.after)) === chain[chain.length - 1]);
      if (!next) break;
      chain.push(next[1]);
    }
    expect(chain.map((r) => [r.name, (r.recipients as string[]).length])).toEqual([
      ["test-co-rcpt-example_com-01", 100],
      ["test-co-rcpt-example_com-02", 51],
      ["test-co-rcpt-example_net-01", 1],
      ["test-co-catch-all-example_com", 1],
      ["test-co-catch-all-example_net", 1],
    ]);
    expect(chain[3]!.recipients).toEqual(["example.com"]);
    for (const r of chain) {
      expect(r).toMatchObject({ enabled: true, scan_enabled: true, tls_policy: "Require" });
      expect(r.s3_action).toEqual([{ bucket_name: expect.stringMatching(/^\$\{aws_s3_bucket\./), object_key_prefix: "incoming/", position: 1 }]);
      expect(r.lambda_action).toEqual([{ function_arn: expect.stringMatching(/^\$\{aws_lambda_function\./), invocation_type: "Event", position: 2 }]);
      expect(r.stop_action).toBeUndefined();
    }
    expect(Object.values(resources(inbound, "aws_ses_active_receipt_rule_set"))).toHaveLength(1);
  });

  it("turns inbound IP entries into receipt filters", () => {
    const filters = Object.values(resources(inbound, "aws_ses_receipt_filter")).map((f) => `${f.policy} ${f.cidr}`).sort();
    expect(filters).toEqual(["Allow 203.0.113.7", "Block 2001:db8:bad::/48", "Block 203.0.113.0/24"]);
  });

  it("keeps names distinct where a plain slug or a 64-character cut would merge them", () => {
    const long = "a-very-long-subsidiary-name-for-mail.europe.example.com";
    const org = BASE_ORG.replace("  - name: example.com\n", `  - name: example.com\n  - name: a-b.example.com\n  - name: a.b-example.com\n  - name: ${long}\n  - name: ${long.replace(".com", ".net")}\n`) +
      `members:
  - { address: x@a-b.example.com, name: X }
  - { address: x@a.b-example.com, name: Y }
  - { address: x@${long}, name: Z }
  - { address: x@${long.replace(".com", ".net")}, name: W }
inbound:
  blocked: ["2001:db8::48/128", "2001:db8:48::/128"]
`;
    const stack = synthOrg(writeOrg({ "org.yaml": org })).stack("inbound");
    const names = Object.values(resources(stack, "aws_ses_receipt_rule")).map((r) => String(r.name));
    expect(names).toHaveLength(4);
    expect(new Set(names).size).toBe(4);
    expect(names).toContain("test-co-rcpt-a-b_example_com-01");
    expect(names).toContain("test-co-rcpt-a_b-example_com-01");
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}[A-Za-z0-9]$/);
    const filters = Object.values(resources(stack, "aws_ses_receipt_filter")).map((f) => String(f.name));
    expect(filters.sort()).toEqual(["test-co-block-2001xdb8x48xx-128", "test-co-block-2001xdb8xx48-128"]);
  });

  it("protects and locks down the mail store", () => {
    const [bucket] = Object.values(resources(inbound, "aws_s3_bucket"));
    expect(bucket).toMatchObject({ bucket: "test-co-mail-${data.aws_caller_identity.account.account_id}-eu-west-1", lifecycle: { prevent_destroy: true } });
    const [key] = Object.values(resources(inbound, "aws_kms_key"));
    expect(key).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    expect(Object.values(resources(inbound, "aws_s3_bucket_public_access_block"))[0]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(Object.values(resources(inbound, "aws_s3_bucket_versioning"))[0]).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(Object.values(resources(inbound, "aws_s3_bucket_server_side_encryption_configuration"))[0]!.rule).toEqual([
      { apply_server_side_encryption_by_default: { kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\./), sse_algorithm: "aws:kms" }, bucket_key_enabled: true },
    ]);
    const lifecycle = Object.values(resources(inbound, "aws_s3_bucket_lifecycle_configuration"))[0]!.rule as { filter: { prefix: string }[]; expiration: { days: number }[] }[];
    expect(lifecycle.map((r) => [r.filter[0]!.prefix, r.expiration[0]!.days])).toEqual([["incoming/", 90], ["mailboxes/", 90], ["quarantine/", 90], ["delivery/", 90]]);
    const policy = JSON.parse(String(Object.values(resources(inbound, "aws_s3_bucket_policy"))[0]!.policy));
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "ses.amazonaws.com" },
      Action: "s3:PutObject",
      Condition: { StringEquals: { "aws:SourceAccount": "${data.aws_caller_identity.account.account_id}" }, ArnLike: { "aws:SourceArn": "arn:aws:ses:eu-west-1:${data.aws_caller_identity.account.account_id}:receipt-rule-set/test-co-inbound:receipt-rule/*" } },
    });
    expect(policy.Statement[0].Resource).toMatch(/\/incoming\/\*$/);
    // The key: SES may use it only through this account's rule set, and only to write.
    const keyPolicy = JSON.parse(String(key!.policy)) as { Statement: { Principal: unknown; Action: unknown; Condition?: unknown }[] };
    const ses = keyPolicy.Statement.filter((s) => JSON.stringify(s.Principal).includes("ses.amazonaws.com"));
    expect(ses).toEqual([
      expect.objectContaining({
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Condition: {
          StringEquals: { "aws:SourceAccount": "${data.aws_caller_identity.account.account_id}" },
          ArnLike: { "aws:SourceArn": "arn:aws:ses:eu-west-1:${data.aws_caller_identity.account.account_id}:receipt-rule-set/test-co-inbound:receipt-rule/*" },
        },
      }),
    ]);
  });

  it("gives the router least privilege and lets only SES of this account and rule set invoke it", () => {
    const policy = JSON.parse(String(Object.values(resources(inbound, "aws_iam_role_policy"))[0]!.policy));
    expect(policy.Statement.map((s: { Sid: string; Action: string | string[] }) => [s.Sid, s.Action])).toEqual([
      ["ReadIncoming", "s3:GetObject"],
      ["TellMissingFromForbidden", "s3:ListBucket"],
      ["WriteMailboxesAndQuarantine", "s3:PutObject"],
      ["UseTheStoreKey", ["kms:Decrypt", "kms:GenerateDataKey"]],
      ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"]],
      ["QueueDeliveryBatches", "sqs:SendMessage"],
      ["ConsumeDeliveryBatches", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]],
      ["DeadLetterFailedEvents", "sqs:SendMessage"],
    ]);
    // HeadObject of a missing key answers 404 (not 403) only with s3:ListBucket on the bucket itself.
    expect(policy.Statement[1].Resource).toMatch(/^\$\{aws_s3_bucket\.[^}]+\.arn\}$/);
    expect(JSON.stringify(policy)).not.toContain('"*"');
    expect(Object.values(resources(inbound, "aws_lambda_permission"))[0]).toMatchObject({
      principal: "ses.amazonaws.com",
      source_account: "${data.aws_caller_identity.account.account_id}",
      source_arn: "arn:aws:ses:eu-west-1:${data.aws_caller_identity.account.account_id}:receipt-rule-set/test-co-inbound:receipt-rule/*",
    });
  });

  it("keeps the log group, dead-letters what keeps failing with an alarm, and splits large fan-outs over a queue", () => {
    expect(Object.values(resources(inbound, "aws_cloudwatch_log_group"))[0]).toMatchObject({ retention_in_days: 365, lifecycle: { prevent_destroy: true } });
    const queues = resources(inbound, "aws_sqs_queue");
    const dlq = Object.entries(queues).find(([, q]) => String(q.name).endsWith("-dlq"))!;
    const deliveries = Object.values(queues).find((q) => String(q.name).endsWith("-deliveries"))!;
    // The only record of a failed delivery for 14 days: protected like the store.
    expect(dlq[1]).toMatchObject({ name: "test-co-mail-router-dlq", message_retention_seconds: 1209600, sqs_managed_sse_enabled: true, lifecycle: { prevent_destroy: true } });
    expect(JSON.parse(String(deliveries.redrive_policy))).toEqual({ deadLetterTargetArn: `\${aws_sqs_queue.${dlq[0]}.arn}`, maxReceiveCount: 5 });
    expect(deliveries.visibility_timeout_seconds).toBe(360);
    expect(Object.values(resources(inbound, "aws_lambda_function_event_invoke_config"))[0]).toMatchObject({
      maximum_retry_attempts: 2,
      destination_config: { on_failure: { destination: `\${aws_sqs_queue.${dlq[0]}.arn}` } },
    });
    expect(Object.values(resources(inbound, "aws_lambda_event_source_mapping"))[0]).toMatchObject({ batch_size: 1, function_response_types: ["ReportBatchItemFailures"] });
    expect(Object.values(resources(inbound, "aws_cloudwatch_metric_alarm"))[0]).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: `\${aws_sqs_queue.${dlq[0]}.name}` },
      threshold: 0,
      comparison_operator: "GreaterThanThreshold",
    });
    const fn = Object.values(resources(inbound, "aws_lambda_function"))[0]!;
    expect((fn.environment as { variables: Record<string, string> }).variables.DELIVERY_QUEUE_URL).toMatch(/^\$\{aws_sqs_queue\..+\.url\}$/);
  });

  it("grants the relay secret and SES sending only when the org declares a relay and forwards", () => {
    const org = BASE_ORG.replace("default_department: hq", "default_department: hq\n  delivery: { relay: { host: mx.corp.example.com, port: 587, tls: required, auth_secret: mailorg/relay } }") +
      "members:\n  - { address: ann@example.com, name: Ann, forward: { to: [ann@home.example.net] } }\n  - { address: bob@example.com, name: Bob }\n";
    const stack = synthOrg(writeOrg({ "org.yaml": org })).stack("inbound");
    const policy = JSON.parse(String(Object.values(resources(stack, "aws_iam_role_policy"))[0]!.policy));
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(bySid.ReadRelayCredentials).toMatchObject({ Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:eu-west-1:${data.aws_caller_identity.account.account_id}:secret:mailorg/relay-??????" });
    expect(bySid.SendMembersForwards).toMatchObject({ Action: ["ses:SendEmail", "ses:SendRawEmail"], Condition: { StringEquals: { "ses:FromAddress": ["ann@example.com"] } } });
    // Delivery markers (claims and outcomes per target) under delivery/: read and conditionally written.
    expect(bySid.ReadDeliveryMarkers.Resource).toMatch(/\/delivery\/\*$/);
    expect(bySid.WriteMailboxesAndQuarantine.Resource).toEqual(expect.arrayContaining([expect.stringMatching(/\/delivery\/\*$/)]));
    // Without them (the org above this test): none of the three, and no marker writes.
    const plain = JSON.parse(String(Object.values(resources(inbound, "aws_iam_role_policy"))[0]!.policy));
    expect(JSON.stringify(plain)).not.toMatch(/ReadRelayCredentials|SendMembersForwards|ReadDeliveryMarkers|\/delivery\//);
  });

  it("ships the router bundle with the org's routing table as a deterministic asset", () => {
    const fn = Object.values(resources(inbound, "aws_lambda_function"))[0]!;
    expect(fn).toMatchObject({ runtime: "nodejs24.x", handler: "index.handler" });
    expect(fn.filename).toMatch(/^assets\/router_bundle_[0-9A-F]+\/[0-9A-F]+\/archive\.zip$/);
    const again = synthOrg(dir);
    expect(again.raw("inbound")).toBe(synth.raw("inbound"));
    const zip = (out: string) => {
      const d = join(out, "stacks/inbound", String(fn.filename).split("/").slice(0, 3).join("/"));
      return readFileSync(join(d, readdirSync(d)[0]!));
    };
    expect(zip(again.outDir).equals(zip(synth.outDir))).toBe(true);
  });
});
