/**
 * `mailorg apply`: plans the selected stacks as `mailorg plan` does (progress, then the summary table),
 * then applies exactly those saved plans in apply order, stopping at the first failure and saying how to
 * resume. Asks before applying unless --auto-approve (required without a terminal).
 */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { UsageError } from "../model/today.ts";
import { EXIT_FAIL, EXIT_OK, runCommand } from "./common.ts";
import { failureText, planSelected, printPlans, terraformOptions, type TerraformCommandOptions } from "./plan.ts";
import { applyPlans } from "./terraform.ts";

export function register(program: Command): void {
  const cmd = program
    .command("apply")
    .description("plan every stack in apply order (or --changed REF, --stack NAME), show the summary, then apply exactly those plans, stopping at the first failure")
    .option("--auto-approve", "apply the plans just shown without asking (CI)");
  terraformOptions(cmd);
  cmd.action((opts: TerraformCommandOptions & { autoApprove?: boolean }) =>
    runCommand(async () => {
      if (!opts.autoApprove && !process.stdin.isTTY) throw new UsageError("apply asks before applying, and there is no terminal to ask on: pass --auto-approve to apply the plans it shows");
      const { plans, failed } = await planSelected(opts);
      printPlans(plans, opts.format);
      if (failed) {
        process.stderr.write(failureText(failed, "plan") + `nothing was applied; fix the cause, then run mailorg apply again\n`);
        return EXIT_FAIL;
      }
      const changes = plans.filter((p) => p.add + p.change + p.destroy > 0);
      if (changes.length === 0) {
        process.stderr.write("no changes: nothing to apply\n");
        return EXIT_OK;
      }
      if (!opts.autoApprove) {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`apply these plans to ${changes.length} stack${changes.length === 1 ? "" : "s"}? only 'yes' applies: `);
        rl.close();
        if (answer.trim() !== "yes") {
          process.stderr.write("not applied\n");
          return EXIT_FAIL;
        }
      }
      const r = await applyPlans(plans, { terraform: opts.terraform, progress: (l) => process.stderr.write(l + "\n") });
      if (r.failed) {
        process.stderr.write(
          failureText(r.failed, "apply") +
            `applied: ${r.applied.length ? r.applied.join(", ") : "(none)"}; not applied: ${r.notApplied.join(", ")}\n` +
            `fix the cause, then resume with: mailorg apply --org ${opts.org} --out ${opts.out} --from ${r.failed.stack}${opts.changed !== undefined ? ` --changed ${opts.changed}` : ""}${opts.stack?.length ? opts.stack.map((s) => ` --stack ${s}`).join("") : ""}\n`,
        );
        return EXIT_FAIL;
      }
      process.stderr.write(`applied ${r.applied.length} stack${r.applied.length === 1 ? "" : "s"}: ${r.applied.join(", ")}\n`);
      return EXIT_OK;
    }),
  );
}
