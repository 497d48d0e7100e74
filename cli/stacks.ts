/** `mailorg stacks`: the synthesised stacks and their resource counts, and which stack holds a member. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../model/today.ts";
import { sendingShard } from "../model/views/stacks.ts";
import { EXIT_OK, printJson, runCommand, withFormat } from "./common.ts";

export interface StackInfo {
  readonly name: string;
  readonly resources: number;
  readonly types: Record<string, number>;
}

export function readStacks(outDir: string): StackInfo[] {
  const dir = join(outDir, "stacks");
  if (!existsSync(dir)) throw new UsageError(`no synthesised stacks in ${outDir}; run npm run synth (or mailorg synth --out ${outDir}) first`);
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const json = JSON.parse(readFileSync(join(dir, name, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, unknown>> };
      const types: Record<string, number> = Object.fromEntries(
        Object.entries(json.resource ?? {})
          .map(([t, byName]): [string, number] => [t, Object.keys(byName).length])
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      );
      return { name, resources: Object.values(types).reduce((a, b) => a + b, 0), types };
    });
}

export function register(program: Command): void {
  const cmd = program
    .command("stacks")
    .description("list the synthesised stacks with their resource counts (--member: which stack holds a member's credentials)")
    .option("--out <dir>", "synthesis output directory", "cdktf.out")
    .option("--member <address>", "print the stack holding this member's credentials");
  withFormat(cmd, ["text", "json"]);
  cmd.action((opts: { out: string; member?: string; format: string }) =>
    runCommand(() => {
      if (opts.member) {
        process.stdout.write(`${sendingShard(opts.member)}\n`);
        return EXIT_OK;
      }
      const stacks = readStacks(opts.out);
      if (opts.format === "json") printJson(stacks);
      else {
        const w = Math.max(...stacks.map((s) => s.name.length));
        process.stdout.write(stacks.map((s) => `${s.name.padEnd(w)}  ${String(s.resources).padStart(6)} resources`).join("\n") + `\n${"total".padEnd(w)}  ${String(stacks.reduce((a, s) => a + s.resources, 0)).padStart(6)} resources in ${stacks.length} stacks\n`);
      }
      return EXIT_OK;
    }),
  );
}
