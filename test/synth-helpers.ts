/** Synthesises an org into a temporary directory and reads a stack's JSON. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesize } from "../constructs/synth.ts";

export type StackJson = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown; sensitive?: boolean; description?: string }>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
};

export function synthOrg(orgDir: string, today = "2026-06-01"): { outDir: string; stack: (name: string) => StackJson; raw: (name: string) => string; stacks: string[] } {
  const outDir = join(mkdtempSync(join(tmpdir(), "mailorg-synth-")), "out");
  synthesize({ orgDir, outDir, today });
  const raw = (name: string): string => readFileSync(join(outDir, "stacks", name, "cdk.tf.json"), "utf8");
  const stacks = readdirSync(join(outDir, "stacks")).sort();
  return { outDir, raw, stacks, stack: (name) => JSON.parse(raw(name)) as StackJson };
}

/** The resources of one type, keyed by their Terraform name. */
export function resources(stack: StackJson, type: string): Record<string, Record<string, unknown>> {
  return stack.resource?.[type] ?? {};
}

/** The resources and outputs of several stacks, merged (e.g. every sending shard). */
export function mergeStacks(stacks: StackJson[]): StackJson {
  const out: StackJson = { resource: {}, output: {} };
  for (const s of stacks) {
    for (const [type, byName] of Object.entries(s.resource ?? {})) out.resource[type] = { ...(out.resource[type] ?? {}), ...byName };
    for (const [k, v] of Object.entries(s.output ?? {})) out.output![`${Object.keys(out.output!).length}:${k}`] = v;
  }
  return out;
}
