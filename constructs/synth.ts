/** Validate, build the stacks and synthesise: shared by main.ts and `mailorg synth`. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "cdktf";
import { loadValidOrg } from "../model/validate.ts";
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
