/** Validate, build the stacks and synthesise: shared by main.ts and `mailorg synth`. */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { OrgInvalidError } from "../model/diagnostics.ts";
import { materialiseOrg } from "../model/git.ts";
import { loadValidOrg } from "../model/validate.ts";
import { stackOrder } from "../model/views/stacks.ts";
import { today as todayFromEnv } from "../model/today.ts";
import { buildStacks } from "./app.ts";
import { disableTokenStackTraces } from "./token-traces.ts";
import { claimOutDir, recordOutput } from "./out-dir.ts";

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
  const today = opts.today ?? todayFromEnv();
  const { org, index } = loadValidOrg(opts.orgDir, { today });
  const outDir = opts.outDir ?? "cdktf.out";
  disableTokenStackTraces();
  const previous = claimOutDir(outDir);
  const app = new App({ outdir: outDir, skipValidation: false });
  const stacks = buildStacks(app, { org, index, today });
  app.synth();
  recordOutput(outDir, previous);
  return {
    outDir,
    stacks: [stacks.domains, stacks.inbound, stacks.sending, ...stacks.shards].map((s) => {
      const file = join(outDir, "stacks", s.node.id, "cdk.tf.json");
      const json = JSON.parse(readFileSync(file, "utf8")) as { resource?: Record<string, Record<string, unknown>> };
      const resources = Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
      return { name: s.node.id, resources, file };
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
 * The stacks a change touches: the org at `ref` and the org as it is now are both synthesised with this
 * code, and each stack's Terraform JSON compared byte for byte (asset hashes are in it, so a new router
 * bundle counts). A change of mailorg's own code is not seen here: plan every stack then.
 */
export function changedStacks(orgDir: string, ref: string, today = todayFromEnv()): ChangedStacks {
  const baseOrg = materialiseOrg(orgDir, ref);
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
