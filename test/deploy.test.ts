/** Deployability: backends, a stable stack set, and a synth that writes only what it owns. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesize } from "../constructs/synth.ts";
import { sendingShard, stackOrder } from "../plan/stacks.ts";
import { BASE_ORG, runCli, writeOrg } from "./helpers.ts";
import { resources, synthOrg, type StackJson } from "./synth-helpers.ts";

const member = (address: string, status = "active"): string => `  - address: ${address}\n    name: Someone\n    status: ${status}\n`;
const backendOf = (s: StackJson & { terraform?: { backend?: Record<string, unknown> } }): Record<string, unknown> => s.terraform!.backend!;

describe("stack set", () => {
  it("always writes every stack, in apply order, even when a shard is empty", () => {
    const synth = synthOrg(writeOrg({ "org.yaml": BASE_ORG }));
    expect(synth.stacks).toEqual([...stackOrder()].sort());
    const empty = synth.stack("sending-07");
    expect(empty.resource ?? {}).toEqual({});
    expect(stackOrder().slice(0, 4)).toEqual(["domains", "mailhost", "inbound", "sending"]);
  });

  it("a departure plans the destruction of the member's user and key: their shard does not vanish", () => {
    const address = "alone@example.com";
    const shard = sendingShard(address);
    const before = synthOrg(writeOrg({ "org.yaml": BASE_ORG + "members:\n" + member(address) }));
    expect(Object.keys(resources(before.stack(shard), "aws_iam_user"))).toHaveLength(1);
    expect(Object.keys(resources(before.stack(shard), "aws_iam_access_key"))).toHaveLength(1);
    const after = synthOrg(writeOrg({ "org.yaml": BASE_ORG + "members:\n" + member(address, "departed") }));
    expect(after.stacks).toContain(shard);
    // Same backend, no user or key: Terraform plans their destruction.
    expect(backendOf(after.stack(shard))).toEqual(backendOf(before.stack(shard)));
    expect(resources(after.stack(shard), "aws_iam_user")).toEqual({});
    expect(resources(after.stack(shard), "aws_iam_access_key")).toEqual({});
  });
});

describe("state", () => {
  it("without organisation.state, each stack keeps a local state file outside the synthesized stack directories", () => {
    const synth = synthOrg(writeOrg({ "org.yaml": BASE_ORG }));
    for (const name of synth.stacks) expect(backendOf(synth.stack(name))).toEqual({ local: { path: `../../state/${name}.tfstate` } });
  });

  it("with organisation.state, every stack has an encrypted S3 backend with S3-native locking", () => {
    const org = BASE_ORG.replace(
      "  default_department: hq\n",
      "  default_department: hq\n  state:\n    bucket: acme-tf-state\n    region: eu-central-1\n    key_prefix: mail/acme\n    role_arn: arn:aws:iam::123456789012:role/mailorg-state\n",
    );
    const synth = synthOrg(writeOrg({ "org.yaml": org }));
    for (const name of synth.stacks) {
      expect(backendOf(synth.stack(name))).toEqual({
        s3: {
          bucket: "acme-tf-state",
          region: "eu-central-1",
          key: `mail/acme/${name}.tfstate`,
          encrypt: true,
          use_lockfile: true,
          assume_role: { role_arn: "arn:aws:iam::123456789012:role/mailorg-state" },
        },
      });
    }
  });

  it("the key prefix defaults to mailorg; a bad bucket name is an error at its line", () => {
    const dir = writeOrg({ "org.yaml": BASE_ORG.replace("  default_department: hq\n", "  default_department: hq\n  state:\n    bucket: Bad_Bucket\n    region: eu-west-1\n") });
    const r = runCli(["validate", "--org", dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/org\.yaml:6:13: error \[schema\] .*bucket/);
    const ok = synthOrg(writeOrg({ "org.yaml": BASE_ORG.replace("  default_department: hq\n", "  default_department: hq\n  state:\n    bucket: acme-tf-state\n    region: eu-west-1\n") }));
    expect((backendOf(ok.stack("inbound")).s3 as { key: string }).key).toBe("mailorg/inbound.tfstate");
  });
});

describe("synth writes only what it owns", () => {
  const org = writeOrg({ "org.yaml": BASE_ORG + "members:\n" + member("a@example.com") });

  it("keeps state files, .terraform and plans; deletes only files it wrote and no longer writes", () => {
    const out = join(mkdtempSync(join(tmpdir(), "mailorg-out-")), "out");
    synthesize({ orgDir: org, outDir: out, today: "2026-06-01" });
    const kept = ["state/inbound.tfstate", "stacks/inbound/terraform.tfstate", "stacks/inbound/.terraform/terraform.tfstate", "stacks/inbound/plan.tfplan"];
    for (const rel of kept) {
      mkdirSync(join(out, rel, ".."), { recursive: true });
      writeFileSync(join(out, rel), "keep me");
    }
    const assetsBefore = readdirSync(join(out, "stacks/inbound/assets/router_bundle_84DDA9D0"));
    // A new member changes the routing table, hence the router bundle's asset directory.
    const org2 = writeOrg({ "org.yaml": BASE_ORG + "members:\n" + member("a@example.com") + member("b@example.com") });
    synthesize({ orgDir: org2, outDir: out, today: "2026-06-01" });
    for (const rel of kept) expect(readFileSync(join(out, rel), "utf8")).toBe("keep me");
    const assetsAfter = readdirSync(join(out, "stacks/inbound/assets/router_bundle_84DDA9D0"));
    expect(assetsAfter).toHaveLength(1);
    expect(assetsAfter).not.toEqual(assetsBefore);
    const record = JSON.parse(readFileSync(join(out, ".mailorg-synth.json"), "utf8")) as { files: string[] };
    expect(record.files).toContain("stacks/inbound/cdk.tf.json");
    expect(record.files.some((f) => f.includes("tfstate") || f.includes(".terraform"))).toBe(false);
  });

  it("refuses an --out directory holding files it did not write, and an --out that is a file (exit 2)", () => {
    const home = mkdtempSync(join(tmpdir(), "mailorg-home-"));
    mkdirSync(join(home, "stacks"));
    writeFileSync(join(home, "stacks", "notes.txt"), "mine");
    writeFileSync(join(home, ".bashrc"), "mine");
    const r = runCli(["synth", "--org", org, "--out", home]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`mailorg: --out ${home} holds files mailorg did not write (.bashrc)`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(home, "stacks", "notes.txt"), "utf8")).toBe("mine");
    expect(existsSync(join(home, "manifest.json"))).toBe(false);
    const file = join(home, ".bashrc");
    const f = runCli(["synth", "--org", org, "--out", file]);
    expect(f.status).toBe(2);
    expect(f.stderr).toContain("is an existing file, not a directory");
  });
});

describe("mailorg bootstrap-state", () => {
  const withState = BASE_ORG.replace("  default_department: hq\n", "  default_department: hq\n  state:\n    bucket: acme-tf-state\n    region: eu-central-1\n");

  it("writes one stack creating the state bucket: versioned, encrypted, private, TLS only, prevent_destroy", () => {
    const out = join(mkdtempSync(join(tmpdir(), "mailorg-boot-")), "boot");
    const r = runCli(["bootstrap-state", "--org", writeOrg({ "org.yaml": withState }), "--out", out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("terraform -chdir=");
    const stack = JSON.parse(readFileSync(join(out, "stacks/state-bootstrap/cdk.tf.json"), "utf8")) as StackJson & { provider: { aws: { region: string }[] } };
    expect(stack.provider.aws[0]!.region).toBe("eu-central-1");
    expect(backendOf(stack)).toEqual({ local: { path: "../../state/state-bootstrap.tfstate" } });
    const [bucket] = Object.values(resources(stack, "aws_s3_bucket"));
    expect(bucket).toMatchObject({ bucket: "acme-tf-state", lifecycle: { prevent_destroy: true } });
    expect(Object.values(resources(stack, "aws_s3_bucket_versioning"))[0]).toMatchObject({ versioning_configuration: { status: "Enabled" }, lifecycle: { prevent_destroy: true } });
    expect(Object.values(resources(stack, "aws_s3_bucket_public_access_block"))[0]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(Object.values(resources(stack, "aws_s3_bucket_server_side_encryption_configuration"))[0]!.rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]);
    expect(String(Object.values(resources(stack, "aws_s3_bucket_policy"))[0]!.policy)).toContain('"aws:SecureTransport":"false"');
    // --migrate: the same stack, its state now in the bucket it made.
    const m = runCli(["bootstrap-state", "--org", writeOrg({ "org.yaml": withState }), "--out", out, "--migrate"]);
    expect(m.stdout).toContain("init -migrate-state");
    const migrated = JSON.parse(readFileSync(join(out, "stacks/state-bootstrap/cdk.tf.json"), "utf8")) as StackJson;
    expect(backendOf(migrated)).toMatchObject({ s3: { bucket: "acme-tf-state", key: "mailorg/state-bootstrap.tfstate", use_lockfile: true, encrypt: true } });
  });

  it("without organisation.state it is a usage error that says what to add", () => {
    const r = runCli(["bootstrap-state", "--org", writeOrg({ "org.yaml": BASE_ORG }), "--out", join(mkdtempSync(join(tmpdir(), "mailorg-boot-")), "x")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^mailorg: organisation\.state is not set in .*: add state: \{bucket, region\}/);
  });
});
