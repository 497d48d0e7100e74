/** Synthesises an org into a temporary directory and reads a stack's JSON. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesize } from "../constructs/synth.ts";

export type StackJson = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown; sensitive?: boolean; description?: string }>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
};

export function synthOrg(orgDir: string, today = "2026-06-01"): { outDir: string; stack: (name: string) => StackJson; raw: (name: string) => string } {
  const outDir = join(mkdtempSync(join(tmpdir(), "mailorg-synth-")), "out");
  synthesize({ orgDir, outDir, today });
  const raw = (name: string): string => readFileSync(join(outDir, "stacks", name, "cdk.tf.json"), "utf8");
  return { outDir, raw, stack: (name) => JSON.parse(raw(name)) as StackJson };
}

/** The resources of one type, keyed by their Terraform name. */
export function resources(stack: StackJson, type: string): Record<string, Record<string, unknown>> {
  return stack.resource[type] ?? {};
}
