/** `mailorg bootstrap-state`: the one-time Terraform configuration that creates the state bucket. */
import type { Command } from "commander";
import { synthesizeStateBootstrap } from "../constructs/synth.ts";
import { EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("bootstrap-state")
    .description("synthesise the one-time stack that creates organisation.state's bucket (versioned, encrypted, private, prevent_destroy)")
    .option("--out <dir>", "output directory", "cdktf.out.state")
    .option("--migrate", "after the first apply: keep this stack's own state in the new bucket (then terraform init -migrate-state)");
  withOrg(cmd);
  cmd.action((opts: { org: string; out: string; migrate?: boolean }) =>
    runCommand(() => {
      const result = synthesizeStateBootstrap({ orgDir: opts.org, outDir: opts.out, migrate: opts.migrate });
      for (const s of result.stacks) process.stdout.write(`${s.name}: ${s.resources} resources -> ${s.file}\n`);
      const dir = `${opts.out}/stacks/state-bootstrap`;
      process.stdout.write(opts.migrate ? `then: terraform -chdir=${dir} init -migrate-state\n` : `then: terraform -chdir=${dir} init && terraform -chdir=${dir} apply\n`);
      return EXIT_OK;
    }),
  );
}
