/**
 * The `mailhost` stack, resource by resource: IMDSv2, encryption, prevent_destroy on the data volume, the
 * backup plan, no port 22, the host name and SRV records, a least-privilege role; no member credential in any
 * stack (members' accounts live on the host); every string read by Terraform itself, with no reference into another stack.
 */
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { cloudInitUserData } from "../mailhost/cloud-init.ts";
import { configObject } from "../mailhost/files.ts";
import { validateOrg } from "../model/validate.ts";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { planOrg } from "../plan/plan.ts";
import { stackOrder } from "../plan/stacks.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { ROOT, writeOrg } from "./helpers.ts";
import { mergeStacks, resources, synthOrg, type StackJson } from "./synth-helpers.ts";
import { readStacks, stackStringProblems, terraformMissing } from "./terraform.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";

type R = Record<string, any>;
let plan: MailhostPlan;
let outDir: string;
let stack: StackJson;
let synthStacks: string[];
let synthStack: (name: string) => StackJson;
const one = (type: string): R => {
  const all = Object.values(resources(stack, type));
  expect(all).toHaveLength(1);
  return all[0] as R;
};

beforeAll(() => {
  const dir = writeOrg({ "org.yaml": HOST_ORG });
  const r = validateOrg(dir, { today: "2026-06-01" });
  plan = planOrg(r.org, r.index!, { today: "2026-06-01" }).mailhost!;
  const synth = synthOrg(dir);
  outDir = synth.outDir;
  stack = synth.stack("mailhost");
  synthStacks = synth.stacks;
  synthStack = synth.stack;
}, 120_000);

describe("the mailhost stack", () => {
  it("is applied after domains and before inbound (the router's relay target exists first)", () => {
    expect(stackOrder().slice(0, 4)).toEqual(["domains", "mailhost", "inbound", "sending"]);
  });

  it("runs one instance on the newest official Debian 12 image, IMDSv2 only, encrypted root, the user data gzipped", () => {
    const ami = Object.values((stack.data ?? {}).aws_ami ?? {})[0] as R;
    expect(ami.owners).toEqual(["136693071363"]);
    expect(ami.most_recent).toBe(true);
    expect(ami.filter).toEqual(expect.arrayContaining([{ name: "name", values: ["debian-12-arm64-*"] }, { name: "architecture", values: ["arm64"] }]));
    const instance = one("aws_instance");
    expect(instance.instance_type).toBe("t4g.small");
    expect(instance.metadata_options).toEqual({ http_endpoint: "enabled", http_put_response_hop_limit: 1, http_tokens: "required" });
    expect(instance.root_block_device).toMatchObject({ encrypted: true });
    expect(instance.lifecycle.ignore_changes).toEqual(["ami", "user_data_base64"]);
    expect(instance.key_name).toBeUndefined();
    expect(gunzipSync(Buffer.from(instance.user_data_base64, "base64")).toString("utf8")).toBe(cloudInitUserData(plan));
    // EC2 takes at most 16 KB of user data before base64: the plain text is past that, the gzipped bytes well under.
    expect(Buffer.from(instance.user_data_base64, "base64").length).toBeLessThan(16 * 1024);
  });

  it("keeps mail on a separate encrypted volume protected from destroy, attached to the instance and backed up daily", () => {
    const volume = one("aws_ebs_volume");
    expect(volume).toMatchObject({ size: 20, encrypted: true, type: "gp3", final_snapshot: true, lifecycle: { prevent_destroy: true } });
    const [volumeName] = Object.keys(resources(stack, "aws_ebs_volume"));
    const attach = one("aws_volume_attachment");
    expect(attach.volume_id).toBe(`\${aws_ebs_volume.${volumeName}.id}`);
    expect(attach.instance_id).toMatch(/^\$\{aws_instance\..*\.id\}$/);
    expect(volume.availability_zone).toBe("eu-west-1a");
    const backup = one("aws_backup_plan");
    expect(backup.rule).toEqual([expect.objectContaining({ schedule: "cron(0 3 * * ? *)", lifecycle: { delete_after: 35 } })]);
    expect(one("aws_backup_selection").resources).toEqual([`\${aws_ebs_volume.${volumeName}.arn}`]);
    expect(one("aws_backup_vault").lifecycle).toEqual({ prevent_destroy: true });
    expect(one("aws_cloudwatch_log_group")).toMatchObject({ name: "/mailorg/host-co/mailhost", lifecycle: { prevent_destroy: true } });
  });

  it("opens 993, ManageSieve's 4190, HTTPS (and 80 for its redirect), the relay and submission port 587 and implicit-TLS submission 465 only (no 22), behind an Elastic IP", () => {
    const sg = one("aws_security_group");
    expect(sg.ingress.map((i: R) => [i.protocol, i.from_port, i.to_port]).sort()).toEqual([["tcp", 4190, 4190], ["tcp", 443, 443], ["tcp", 465, 465], ["tcp", 587, 587], ["tcp", 80, 80], ["tcp", 993, 993]]);
    expect(JSON.stringify(sg.ingress)).not.toMatch(/"from_port":22\b/);
    expect(one("aws_eip")).toMatchObject({ domain: "vpc" });
  });

  it("publishes the host name, RFC 6186/8314 SRV records (IMAPS and submission at the host) and the names clients set themselves up from", () => {
    const records = Object.values(resources(stack, "aws_route53_record")) as R[];
    expect(records.map((r) => [r.zone_id, r.name, r.type, r.records])).toEqual([
      ["Z0123456789ABC", "mail.example.com", "A", [expect.stringMatching(/^\$\{aws_eip\..*\.public_ip\}$/)]],
      ["Z0123456789ABC", "autoconfig.example.com", "CNAME", ["mail.example.com."]],
      ["Z0123456789ABC", "autodiscover.example.com", "CNAME", ["mail.example.com."]],
      ["Z0123456789ABC", "_autodiscover._tcp.example.com", "SRV", ["0 0 443 mail.example.com."]],
      ["Z0123456789ABC", "_imaps._tcp.example.com", "SRV", ["0 1 993 mail.example.com."]],
      ["Z0123456789ABC", "_submission._tcp.example.com", "SRV", ["0 1 587 mail.example.com."]],
      ["Z0123456789ABC", "_submissions._tcp.example.com", "SRV", ["0 1 465 mail.example.com."]],
    ]);
  });

  it("gives the instance a role that reads its configuration and the relay hash, writes its logs, and changes only its _acme-challenge TXT record", () => {
    const policy = JSON.parse(one("aws_iam_role_policy").policy) as { Statement: R[] };
    const sids = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    expect(Object.keys(sids)).toEqual(["ReadConfiguration", "ReadRelayHash", "TakeMigrationAccounts", "FindDataVolume", "ReportSync", "SendAsTheOrgsIdentitiesOnly", "WriteMailLog", "AnswerAcmeChallengeOnly", "CertbotFindsZoneAndWaits", "SessionManagerChannel"]);
    expect(sids.ReadConfiguration!.Resource).toMatch(/\/mailhost\/config\.json$/);
    expect(sids.AnswerAcmeChallengeOnly).toMatchObject({
      Action: "route53:ChangeResourceRecordSets",
      Resource: ["arn:aws:route53:::hostedzone/Z0123456789ABC"],
      // The certificate also covers the names clients ask for their set-up.
      Condition: { "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.mail.example.com", "_acme-challenge.autoconfig.example.com", "_acme-challenge.autodiscover.example.com"], "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] } },
    });
    // PutMetricData has no resource: the condition holds it to the sync's own namespace.
    expect(sids.ReportSync).toEqual({ Sid: "ReportSync", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "mailorg/mailhost" } } });
    expect(sids.FindDataVolume!.Resource).toBe("arn:aws:ssm:eu-west-1:${data.aws_caller_identity.account.account_id}:parameter/host-co/mailhost/data-volume");
    // Nothing grants every action of a service, and the only wildcard resources are certbot's lookups, Session Manager's channel and the conditioned metric.
    for (const s of policy.Statement) for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
    expect(policy.Statement.filter((s) => s.Resource === "*").map((s) => s.Sid)).toEqual(["ReportSync", "CertbotFindsZoneAndWaits", "SessionManagerChannel"]);
    expect(Object.keys(resources(stack, "aws_iam_role_policy_attachment"))).toHaveLength(1); // the backup role's service policy only
  });

  it("alarms when the sync fails for ten minutes or stops reporting, and tells the host its data volume's id", () => {
    expect(one("aws_cloudwatch_metric_alarm")).toMatchObject({
      alarm_name: "host-co-mailhost-sync-failing",
      namespace: "mailorg/mailhost",
      metric_name: "SyncFailed",
      dimensions: { Host: "mail.example.com" },
      statistic: "Minimum",
      period: 300,
      evaluation_periods: 2,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "breaching",
    });
    const volume = (Object.values(resources(stack, "aws_ssm_parameter")) as R[]).find((p) => p.name === "/host-co/mailhost/data-volume")!;
    expect(volume.value).toMatch(/^\$\{aws_ebs_volume\.[^.]+\.id\}$/);
    expect(cloudInitUserData(plan)).toContain("/host-co/mailhost/data-volume");
  });

  it("writes the configuration object and the router's relay credential; the host stores only a bcrypt hash of it", () => {
    const relay = (Object.values(resources(stack, "aws_ssm_parameter")) as R[]).filter((p) => p.type === "SecureString");
    expect(relay).toEqual([expect.objectContaining({ name: "/host-co/mailhost/relay-passwd", type: "SecureString", value: expect.stringMatching(/^mailorg-router:\{BLF-CRYPT\}\$\{bcrypt\(data\.aws_secretsmanager_random_password\..*\.random_password\)\}$/) })]);
    expect(one("aws_secretsmanager_secret").name).toBe("host-co/mailhost/relay");
    expect(one("aws_secretsmanager_secret_version").lifecycle).toEqual({ ignore_changes: ["secret_string"] });
    expect(one("aws_s3_object").key).toBe("mailhost/config.json");
    // The object is a file beside the stack (its hash in the plan), not content inlined into the JSON and the state.
    expect(one("aws_s3_object").content).toBeUndefined();
    expect(one("aws_s3_object").source_hash).toMatch(/^[0-9A-F]{32}$/i);
    expect(JSON.stringify(stack)).not.toContain("\\\"logins\\\"");
    expect(stack.output ?? {}).toEqual({});
  });

  it("has no member credential in Terraform: no IAM user, key, group, policy, output or parameter for members; every sending stack still written", () => {
    const all = synthStacks.filter((n) => n.startsWith("sending"));
    expect(all).toEqual(["sending", ...Array.from({ length: 20 }, (_, i) => `sending-${String(i).padStart(2, "0")}`)]);
    const sending = mergeStacks(all.map(synthStack));
    expect(Object.keys(sending.resource).filter((t) => t.startsWith("aws_iam_") || t === "aws_ssm_parameter")).toEqual([]);
    expect(sending.output).toEqual({});
    // Nowhere in any stack: not in the mailhost stack either (it holds the router's relay hash only).
    for (const name of synthStacks) {
      const text = JSON.stringify(synthStack(name));
      expect(text).not.toMatch(/aws_iam_user|aws_iam_access_key|smtp_credentials|ses_smtp_password/);
      expect(text).not.toContain("li.na@example.com:{BLF-CRYPT}");
    }
  });

  it.skipIf(terraformMissing !== undefined)(`is read by Terraform on its own: no reference into another stack, the configuration object exactly as generated${terraformMissing ? ` (skipped: ${terraformMissing})` : ""}`, () => {
    const own = readStacks(outDir).find((s) => s.name === "mailhost")!;
    expect(stackStringProblems(own)).toEqual([]);
    expect(readFileSync(join(outDir, "stacks", "mailhost", one("aws_s3_object").source as string), "utf8")).toBe(configObject(plan));
  }, 120_000);

  it("is written empty for an org without a mailbox host", () => {
    const empty = synthOrg(ROOT + "org");
    expect(empty.stacks).toContain("mailhost");
    expect(empty.stack("mailhost").resource ?? {}).toEqual({});
  }, 120_000);
});

describe("the host's role, evaluated by an independent IAM simulator (@cloud-copilot/iam-simulate)", () => {
  const ACCOUNT = "123456789012";
  const BUCKET = `arn:aws:s3:::host-co-mailhost-${ACCOUNT}-eu-west-1`;
  /** The role policy as AWS would see it: this stack's references resolved to sample values. */
  const policy = (): unknown =>
    JSON.parse(
      (Object.values(resources(stack, "aws_iam_role_policy"))[0] as R).policy
        .replaceAll("${data.aws_caller_identity.account.account_id}", ACCOUNT)
        .replace(/\$\{aws_s3_bucket\.[^.]+\.arn\}/g, BUCKET)
        .replace(/\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}/g, `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/mailorg/host-co/mailhost`),
    );
  const decide = async (action: string, resource: string, context: Record<string, string | string[]> = {}): Promise<string> => {
    const { runSimulation } = await import("@cloud-copilot/iam-simulate");
    const r = await runSimulation(
      {
        identityPolicies: [{ name: "least-privilege", policy: policy() as never }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: { action, principal: `arn:aws:iam::${ACCOUNT}:role/host-co-mailhost`, resource: { accountId: ACCOUNT, resource }, contextVariables: context },
      } as never,
      {},
    );
    if (r.resultType === "error") throw new Error(JSON.stringify(r.errors).slice(0, 300));
    return (r as { overallResult: string }).overallResult;
  };

  it("may change only the _acme-challenge TXT record of its host, in its zone", async () => {
    const zone = "arn:aws:route53:::hostedzone/Z0123456789ABC";
    const names = "route53:ChangeResourceRecordSetsNormalizedRecordNames";
    const types = "route53:ChangeResourceRecordSetsRecordTypes";
    expect(await decide("route53:ChangeResourceRecordSets", zone, { [names]: ["_acme-challenge.mail.example.com"], [types]: ["TXT"] })).toBe("Allowed");
    expect(await decide("route53:ChangeResourceRecordSets", zone, { [names]: ["mail.example.com"], [types]: ["A"] })).not.toBe("Allowed");
    expect(await decide("route53:ChangeResourceRecordSets", zone, { [names]: ["_acme-challenge.mail.example.com", "example.com"], [types]: ["TXT", "MX"] })).not.toBe("Allowed");
    expect(await decide("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/ZOTHER", { [names]: ["_acme-challenge.mail.example.com"], [types]: ["TXT"] })).not.toBe("Allowed");
  });

  it("sends through SES only as the org's identities, From its domains, with its configuration set", async () => {
    const identity = (d: string) => `arn:aws:ses:eu-west-1:${ACCOUNT}:identity/${d}`;
    const from = (a: string) => ({ "ses:FromAddress": a });
    expect(await decide("ses:SendEmail", identity("example.com"), from("li.na@example.com"))).toBe("Allowed");
    expect(await decide("ses:SendEmail", `arn:aws:ses:eu-west-1:${ACCOUNT}:configuration-set/host-co`, from("li.na@example.com"))).toBe("Allowed");
    expect(await decide("ses:SendEmail", identity("example.com"), from("someone@partner.example"))).not.toBe("Allowed");
    expect(await decide("ses:SendEmail", identity("partner.example"), from("x@partner.example"))).not.toBe("Allowed");
    expect(await decide("ses:SendEmail", `arn:aws:ses:eu-west-1:${ACCOUNT}:configuration-set/other`, from("li.na@example.com"))).not.toBe("Allowed");
    expect(await decide("ses:SendEmail", `arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`, from("li.na@example.com"))).not.toBe("Allowed");
  });

  it("reads its own configuration object and the relay hash, nothing else of S3 or SSM (members' hashes are not in SSM)", async () => {
    expect(await decide("s3:GetObject", `${BUCKET}/mailhost/config.json`)).toBe("Allowed");
    expect(await decide("s3:GetObject", `${BUCKET}/other.json`)).not.toBe("Allowed");
    expect(await decide("s3:PutObject", `${BUCKET}/mailhost/config.json`)).not.toBe("Allowed");
    expect(await decide("ssm:GetParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co/mailhost/relay-passwd`)).toBe("Allowed");
    expect(await decide("ssm:GetParametersByPath", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co/mailhost/passwd`)).not.toBe("Allowed");
    expect(await decide("ssm:GetParametersByPath", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co`)).not.toBe("Allowed");
    expect(await decide("ssm:PutParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co/mailhost/passwd/x`)).not.toBe("Allowed");
    // mailorg migrate leaves one old account at a time for the host to take (read and delete), nowhere else.
    expect(await decide("ssm:DeleteParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co/mailhost/migrate/li.na_40example.com`)).toBe("Allowed");
    expect(await decide("ssm:DeleteParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co/mailhost/passwd/li.na_40example.com`)).not.toBe("Allowed");
    expect(await decide("secretsmanager:GetSecretValue", `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:host-co/mailhost/relay-AbCdEf`)).not.toBe("Allowed");
  });
});
