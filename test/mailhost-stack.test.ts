/**
 * The `mailhost` stack, resource by resource: IMDSv2, encryption, prevent_destroy on the data volume, the
 * backup plan, no port 22, the host name and SRV records, a least-privilege role; the login hashes written by
 * the credential shards by name; every string read by Terraform itself, with no reference into another stack.
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
import { evaluateStrings, readStacks, stackStringProblems, terraformMissing } from "./terraform.ts";

type R = Record<string, any>;
let plan: MailhostPlan;
let outDir: string;
let stack: StackJson;
let shards: StackJson;
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
  shards = mergeStacks(synth.stacks.filter((s) => s.startsWith("sending-")).map(synth.stack));
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

  it("opens 993, ManageSieve's 4190, HTTPS (and 80 for its redirect) and the relay port only (no 22), behind an Elastic IP", () => {
    const sg = one("aws_security_group");
    expect(sg.ingress.map((i: R) => [i.protocol, i.from_port, i.to_port])).toEqual([["tcp", 993, 993], ["tcp", 4190, 4190], ["tcp", 443, 443], ["tcp", 80, 80], ["tcp", 587, 587]]);
    expect(JSON.stringify(sg.ingress)).not.toMatch(/"from_port":22\b/);
    expect(one("aws_eip")).toMatchObject({ domain: "vpc" });
  });

  it("publishes the host name, RFC 6186 SRV records (IMAPS at the host, submission at SES) and the names clients set themselves up from", () => {
    const records = Object.values(resources(stack, "aws_route53_record")) as R[];
    expect(records.map((r) => [r.zone_id, r.name, r.type, r.records])).toEqual([
      ["Z0123456789ABC", "mail.example.com", "A", [expect.stringMatching(/^\$\{aws_eip\..*\.public_ip\}$/)]],
      ["Z0123456789ABC", "autoconfig.example.com", "CNAME", ["mail.example.com."]],
      ["Z0123456789ABC", "autodiscover.example.com", "CNAME", ["mail.example.com."]],
      ["Z0123456789ABC", "_autodiscover._tcp.example.com", "SRV", ["0 0 443 mail.example.com."]],
      ["Z0123456789ABC", "_imaps._tcp.example.com", "SRV", ["0 1 993 mail.example.com."]],
      ["Z0123456789ABC", "_submission._tcp.example.com", "SRV", ["0 1 587 email-smtp.eu-west-1.amazonaws.com."]],
    ]);
  });

  it("gives the instance a role that reads its configuration and hashes, writes its logs, and changes only its _acme-challenge TXT record", () => {
    const policy = JSON.parse(one("aws_iam_role_policy").policy) as { Statement: R[] };
    const sids = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    expect(Object.keys(sids)).toEqual(["ReadConfiguration", "ReadLoginHashes", "ReadRelayHash", "TakeMigrationAccounts", "WriteMailLog", "AnswerAcmeChallengeOnly", "CertbotFindsZoneAndWaits", "SessionManagerChannel"]);
    expect(sids.ReadConfiguration!.Resource).toMatch(/\/mailhost\/config\.json$/);
    expect(sids.ReadLoginHashes!.Resource).toBe("arn:aws:ssm:eu-west-1:${data.aws_caller_identity.account.account_id}:parameter/host-co/mailhost/passwd");
    expect(sids.AnswerAcmeChallengeOnly).toMatchObject({
      Action: "route53:ChangeResourceRecordSets",
      Resource: ["arn:aws:route53:::hostedzone/Z0123456789ABC"],
      // The certificate also covers the names clients ask for their set-up.
      Condition: { "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.mail.example.com", "_acme-challenge.autoconfig.example.com", "_acme-challenge.autodiscover.example.com"], "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] } },
    });
    // Nothing grants every action of a service, and the only wildcard resources are certbot's lookups and Session Manager's channel.
    for (const s of policy.Statement) for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
    expect(policy.Statement.filter((s) => s.Resource === "*").map((s) => s.Sid)).toEqual(["CertbotFindsZoneAndWaits", "SessionManagerChannel"]);
    expect(Object.keys(resources(stack, "aws_iam_role_policy_attachment"))).toHaveLength(1); // the backup role's service policy only
  });

  it("writes the configuration object and the router's relay credential; the host stores only a bcrypt hash of it", () => {
    const relay = Object.values(resources(stack, "aws_ssm_parameter")) as R[];
    expect(relay).toEqual([expect.objectContaining({ name: "/host-co/mailhost/relay-passwd", type: "SecureString", value: expect.stringMatching(/^mailorg-router:\{BLF-CRYPT\}\$\{bcrypt\(data\.aws_secretsmanager_random_password\..*\.random_password\)\}$/) })]);
    expect(one("aws_secretsmanager_secret").name).toBe("host-co/mailhost/relay");
    expect(one("aws_secretsmanager_secret_version").lifecycle).toEqual({ ignore_changes: ["secret_string"] });
    expect(one("aws_s3_object").key).toBe("mailhost/config.json");
    expect(stack.output ?? {}).toEqual({});
  });

  it("has each credential shard write its active members' login hashes, and nobody else's", () => {
    const params = Object.values(resources(shards, "aws_ssm_parameter")) as R[];
    expect(params.map((p) => p.name).sort()).toEqual(["/host-co/mailhost/passwd/li.na_40example.com", "/host-co/mailhost/passwd/wu.bo_40example.com"]);
    for (const p of params) {
      expect(p.type).toBe("SecureString");
      expect(p.value).toMatch(/^[a-z.]+@example\.com:\{BLF-CRYPT\}\$\{bcrypt\(aws_iam_access_key\.[^.]+\.ses_smtp_password_v4\)\}$/);
      expect(p.lifecycle).toEqual({ ignore_changes: ["value"], replace_triggered_by: [expect.stringMatching(/^\$\{aws_iam_access_key\./)] });
    }
  });

  it.skipIf(terraformMissing !== undefined)(`is read by Terraform on its own: no reference into another stack, the configuration object exactly as generated${terraformMissing ? ` (skipped: ${terraformMissing})` : ""}`, () => {
    const own = readStacks(outDir).find((s) => s.name === "mailhost")!;
    expect(stackStringProblems(own)).toEqual([]);
    expect(evaluateStrings([one("aws_s3_object").content])).toEqual([configObject(plan)]);
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

  it("reads its own configuration object and login hashes, nothing else of S3 or SSM", async () => {
    expect(await decide("s3:GetObject", `${BUCKET}/mailhost/config.json`)).toBe("Allowed");
    expect(await decide("s3:GetObject", `${BUCKET}/other.json`)).not.toBe("Allowed");
    expect(await decide("s3:PutObject", `${BUCKET}/mailhost/config.json`)).not.toBe("Allowed");
    expect(await decide("ssm:GetParametersByPath", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co/mailhost/passwd`)).toBe("Allowed");
    expect(await decide("ssm:GetParametersByPath", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co`)).not.toBe("Allowed");
    expect(await decide("ssm:PutParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co/mailhost/passwd/x`)).not.toBe("Allowed");
    // mailorg migrate leaves one old account at a time for the host to take (read and delete), nowhere else.
    expect(await decide("ssm:DeleteParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co/mailhost/migrate/li.na_40example.com`)).toBe("Allowed");
    expect(await decide("ssm:DeleteParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/host-co/mailhost/passwd/li.na_40example.com`)).not.toBe("Allowed");
    expect(await decide("secretsmanager:GetSecretValue", `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:host-co/mailhost/relay-AbCdEf`)).not.toBe("Allowed");
  });
});
