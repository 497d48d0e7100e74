/** `mailorg bootstrap-ci`: the one-time stack with the GitHub OIDC provider and the CI roles. */
import type { Command } from "commander";
import { synthesizeCiBootstrap } from "../constructs/synth.ts";
import { UsageError } from "../model/today.ts";
import { APPLY_ROLE, PLAN_ROLE } from "../plan/ci-roles.ts";
import { EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("bootstrap-ci")
    .description(`synthesise the one-time stack with the GitHub OIDC provider and the roles ${PLAN_ROLE} (pull requests: read-only) and ${APPLY_ROLE} (main or --environment: apply)`)
    .requiredOption("--repo <owner/name>", "the GitHub repository whose workflows assume the roles")
    .option("--environment <name>", "trust the apply role for this GitHub environment only (default: the main branch)")
    .option("--existing-oidc-provider", "look up the account's GitHub OIDC provider instead of creating it")
    .option("--out <dir>", "output directory", "cdktf.out.ci");
  withOrg(cmd);
  cmd.action((opts: { org: string; out: string; repo: string; environment?: string; existingOidcProvider?: boolean }) =>
    runCommand(() => {
      if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(opts.repo)) throw new UsageError(`--repo is '${opts.repo.replace(/[\x00-\x1f\x7f]/g, "?")}'; expected OWNER/NAME such as example-trading/mail`);
      if (opts.environment !== undefined && !/^[A-Za-z0-9._-]{1,255}$/.test(opts.environment)) throw new UsageError(`--environment is '${opts.environment.replace(/[\x00-\x1f\x7f]/g, "?")}'; expected a GitHub environment name such as production`);
      const result = synthesizeCiBootstrap({ orgDir: opts.org, outDir: opts.out, repo: opts.repo, environment: opts.environment, existingOidcProvider: opts.existingOidcProvider });
      for (const s of result.stacks) process.stdout.write(`${s.name}: ${s.resources} resources -> ${s.file}\n`);
      const dir = `${opts.out}/stacks/ci-bootstrap`;
      process.stdout.write(`then, with administrator credentials: terraform -chdir=${dir} init && terraform -chdir=${dir} apply\n`);
      return EXIT_OK;
    }),
  );
}
