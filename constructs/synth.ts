/** Validate, build the stacks and synthesise: shared by main.ts and `mailorg synth`. */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktn";
import { OrgInvalidError } from "../model/diagnostics.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { stackOrder } from "../plan/stacks.ts";
import { UsageError } from "../model/today.ts";
import { MailOrgStack } from "./base-stack.ts";
import { StateBucket } from "./state-bucket.ts";
import { CiRoles } from "./ci-roles.ts";
import { ciRoles } from "../plan/ci-roles.ts";
import { today as todayFromEnv } from "../model/today.ts";
import { loadOrg } from "../model/load.ts";
import { buildStacks } from "./app.ts";
import { disableTokenStackTraces } from "./token-traces.ts";
import { claimOutDir, recordOutput } from "./out-dir.ts";
import { codeFingerprint, planFingerprint } from "../plan/fingerprint.ts";

export interface SynthOptions {
  /** Org directory. */
  readonly orgDir: string;
  /** Output directory; default cdktf.out. */
  readonly outDir?: string;
  /** YYYY-MM-DD; default today or MAILORG_TODAY. */
  readonly today?: string;
}

export interface SynthResult {
  readonly outDir: string;
  readonly stacks: { name: string; resources: number; file: string }[];
}

export function synthesize(opts: SynthOptions): SynthResult {
  // Without opts.today: MAILORG_TODAY, or today in the organisation's time zone (delegation end dates).
  const { plan } = loadValidPlan(opts.orgDir, { today: opts.today });
  const outDir = opts.outDir ?? "cdktf.out";
  disableTokenStackTraces();
  const previous = claimOutDir(outDir);
  const app = new App({ outdir: outDir, skipValidation: false });
  const stacks = buildStacks(app, plan);
  app.synth();
  recordOutput(outDir, previous, { plan: planFingerprint(plan), code: codeFingerprint() });
  return {
    outDir,
    stacks: [stacks.domains, stacks.inbound, stacks.sending, ...stacks.shards].map((s) => {
      const file = join(outDir, "stacks", s.node.id, "cdk.tf.json");
      return { name: s.node.id, resources: countResources(file), file };
    }),
  };
}

export interface ChangedStacks {
  /** Stacks whose synthesized JSON differs, in apply order. */
  readonly changed: string[];
  /** Why every stack counts as changed, when the org at the ref could not be synthesised. */
  readonly reason?: string;
}

/**
 * The stacks a change touches: the org at `ref` (materialised in `baseOrg`) and the org as it is now (`orgDir`) are both synthesised with this
 * code, and each stack's Terraform JSON compared byte for byte (asset hashes are in it, so a new router
 * bundle counts). A change of mailorg's own code is not seen here: plan every stack then.
 */
export function changedStacks(orgDir: string, baseOrg: string, ref: string, today = todayFromEnv(loadOrg(orgDir).org)): ChangedStacks {
  const work = mkdtempSync(join(tmpdir(), "mailorg-changed-"));
  const read = (out: string, stack: string): string | undefined => {
    const file = join(out, "stacks", stack, "cdk.tf.json");
    return existsSync(file) ? readFileSync(file, "utf8") : undefined;
  };
  synthesize({ orgDir, outDir: join(work, "head"), today });
  try {
    synthesize({ orgDir: baseOrg, outDir: join(work, "base"), today });
  } catch (err) {
    if (!(err instanceof OrgInvalidError)) throw err;
    return { changed: stackOrder(), reason: `the org at ${ref} is not valid with this version of mailorg, so every stack counts as changed` };
  }
  return { changed: stackOrder().filter((s) => read(join(work, "base"), s) !== read(join(work, "head"), s)) };
}

/**
 * `mailorg bootstrap-state`: a one-stack Terraform configuration creating the state bucket that
 * `organisation.state` names. Its state starts as a local file under `<out>/state/` (the bucket cannot hold
 * the state of its own creation); with `migrate` the stack's backend is the new bucket itself, and
 * `terraform init -migrate-state` moves the local state there (docs/deploying.md).
 */
export function synthesizeStateBootstrap(opts: { orgDir: string; outDir: string; today?: string; migrate?: boolean }): SynthResult {
  const { org, plan } = loadValidPlan(opts.orgDir, { today: opts.today });
  const state = plan.state;
  if (!state) throw new UsageError(`organisation.state is not set in ${opts.orgDir}: add state: {bucket, region} to the organisation first (docs/deploying.md)`);
  disableTokenStackTraces();
  const previous = claimOutDir(opts.outDir);
  const app = new App({ outdir: opts.outDir, skipValidation: false });
  // --migrate: the same stack with its state in the bucket it created (then `terraform init -migrate-state`).
  const ownState = opts.migrate ? state : undefined;
  const stack = new MailOrgStack(app, "state-bootstrap", { region: state.region, organisation: org.organisation.name, state: ownState });
  new StateBucket(stack, "state", { bucket: state.bucket, kmsKeyId: state.kms_key_id });
  app.synth();
  recordOutput(opts.outDir, previous);
  const file = join(opts.outDir, "stacks", stack.node.id, "cdk.tf.json");
  return { outDir: opts.outDir, stacks: [{ name: stack.node.id, resources: countResources(file), file }] };
}

/**
 * `mailorg bootstrap-ci`: a one-stack configuration with the GitHub OIDC provider (or a lookup of the
 * account's) and the roles `mailorg-ci-plan` and `mailorg-ci-apply` for one repository. Applied once by an
 * administrator; its state is kept like every stack's (organisation.state, or a local file).
 */
export function synthesizeCiBootstrap(opts: { orgDir: string; outDir: string; repo: string; environment?: string; branch?: string; workflow?: string; existingOidcProvider?: boolean; today?: string }): SynthResult {
  const { org, plan } = loadValidPlan(opts.orgDir, { today: opts.today });
  disableTokenStackTraces();
  const previous = claimOutDir(opts.outDir);
  const app = new App({ outdir: opts.outDir, skipValidation: false });
  const stack = new MailOrgStack(app, "ci-bootstrap", { region: org.organisation.region, organisation: org.organisation.name, state: plan.state });
  new CiRoles(stack, "ci", { roles: ciRoles(plan, { repo: opts.repo, environment: opts.environment, branch: opts.branch, workflow: opts.workflow }), existingOidcProvider: opts.existingOidcProvider });
  app.synth();
  recordOutput(opts.outDir, previous);
  const file = join(opts.outDir, "stacks", stack.node.id, "cdk.tf.json");
  return { outDir: opts.outDir, stacks: [{ name: stack.node.id, resources: countResources(file), file }] };
}

/** Resource counts by type of a synthesized stack file, types sorted (also `mailorg stacks`). */
export function resourceTypes(file: string): Record<string, number> {
  const json = JSON.parse(readFileSync(file, "utf8")) as { resource?: Record<string, Record<string, unknown>> };
  return Object.fromEntries(
    Object.entries(json.resource ?? {})
      .map(([t, byName]): [string, number] => [t, Object.keys(byName).length])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

function countResources(file: string): number {
  return Object.values(resourceTypes(file)).reduce((a, b) => a + b, 0);
}
