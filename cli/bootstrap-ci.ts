/** `mailorg bootstrap-ci`: the one-time stack with the GitHub OIDC provider and the CI roles. */
import type { Command } from "commander";
import { synthesizeCiBootstrap } from "../constructs/synth.ts";
import { UsageError } from "../model/today.ts";
import { APPLY_ROLE, DEFAULT_WORKFLOW, PLAN_ROLE, workflowRef } from "../plan/ci-roles.ts";
import { EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("bootstrap-ci")
    .description(`synthesise the one-time stack with the GitHub OIDC provider and the roles ${PLAN_ROLE} (pull requests: read-only) and ${APPLY_ROLE} (main or --environment: apply)`)
    .requiredOption("--repo <owner/name>", "the GitHub repository whose workflows assume the roles")
    .option("--environment <name>", "trust the apply role for this GitHub environment only (default: the main branch)")
    .option("--branch <name>", "the base branch whose workflow file the roles trust (pull requests' base; apply without --environment)", "main")
    .option("--workflow <path>", "the workflow file, as the base branch holds it, that the roles trust (its job_workflow_ref)", DEFAULT_WORKFLOW)
    .option("--existing-oidc-provider", "look up the account's GitHub OIDC provider instead of creating it")
    .option("--out <dir>", "output directory", "cdktf.out.ci");
  withOrg(cmd);
  cmd.action((opts: { org: string; out: string; repo: string; environment?: string; branch: string; workflow: string; existingOidcProvider?: boolean }) =>
    runCommand(() => {
      if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(opts.repo)) throw new UsageError(`--repo is '${opts.repo.replace(/[\x00-\x1f\x7f]/g, "?")}'; expected OWNER/NAME such as example-trading/mail`);
      if (opts.environment !== undefined && !/^[A-Za-z0-9._-]{1,255}$/.test(opts.environment)) throw new UsageError(`--environment is '${opts.environment.replace(/[\x00-\x1f\x7f]/g, "?")}'; expected a GitHub environment name such as production`);
      const shown = (v: string) => v.replace(/[\x00-\x1f\x7f]/g, "?");
      if (!/^[A-Za-z0-9._/-]{1,255}$/.test(opts.branch) || opts.branch.startsWith("-") || opts.branch.includes("..")) throw new UsageError(`--branch is '${shown(opts.branch)}'; expected a branch name such as main`);
      if (!/^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/.test(opts.workflow)) throw new UsageError(`--workflow is '${shown(opts.workflow)}'; expected a workflow file such as ${DEFAULT_WORKFLOW}`);
      const result = synthesizeCiBootstrap({ orgDir: opts.org, outDir: opts.out, repo: opts.repo, environment: opts.environment, branch: opts.branch, workflow: opts.workflow, existingOidcProvider: opts.existingOidcProvider });
      for (const s of result.stacks) process.stdout.write(`${s.name}: ${s.resources} resources -> ${s.file}\n`);
      const dir = `${opts.out}/stacks/ci-bootstrap`;
      process.stdout.write(`then, with administrator credentials: terraform -chdir=${dir} init && terraform -chdir=${dir} apply\n`);
      process.stdout.write(`the roles trust only jobs of ${workflowRef(opts.repo, opts.workflow, opts.branch)}: copy the workflow there, run pull requests' plans from it with pull_request_target, and protect ${opts.branch} (docs/deploying.md)\n`);
      return EXIT_OK;
    }),
  );
}
