/** `mailorg synth`: the same synthesis as `npm run synth`, into --out (default cdktf.out). */
import type { Command } from "commander";
import { synthesize } from "../constructs/synth.ts";
import { EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("synth")
    .description("validate the org and synthesise Terraform JSON (refuses an invalid org)")
    .option("--out <dir>", "output directory", "cdktf.out");
  withOrg(cmd);
  cmd.action((opts: { org: string; out: string }) =>
    runCommand(() => {
      const result = synthesize({ orgDir: opts.org, outDir: opts.out });
      for (const s of result.stacks) {
        process.stdout.write(`${s.name}: ${s.resources} resources -> ${s.file}\n`);
      }
      return EXIT_OK;
    }),
  );
}
