/**
 * `mailorg plan`: synthesises the org, then runs Terraform over the stacks in apply order (all of them,
 * `--changed REF`, or `--stack NAME`), with progress (stack n of N, elapsed time) and one summary table of
 * adds, changes and destroys per stack and in total. The saved plans are what `mailorg apply` applies.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { changedStacks, synthesize } from "../constructs/synth.ts";
import { UsageError } from "../model/today.ts";
import { stackOrder } from "../plan/stacks.ts";
import { materialiseOrg } from "../review/git.ts";
import { EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";
import { planStacks, summaryTable, type Failure, type StackDir, type StackPlan } from "./terraform.ts";

export interface TerraformCommandOptions {
  readonly org: string;
  readonly out: string;
  readonly changed?: string;
  readonly stack?: string[];
  readonly from?: string;
  readonly terraform?: string;
  readonly format: "text" | "json";
}

/** The options plan and apply share. */
export function terraformOptions(cmd: Command): Command {
  cmd
    .option("--out <dir>", "synthesis output directory (plans are saved under <dir>/plans)", "cdktf.out")
    .option("--changed <ref>", "only the stacks whose Terraform JSON differs between the org at <ref> and now")
    .option("--stack <name>", "only this stack (repeat for more); in apply order whatever the order given", (v: string, prev: string[] = []) => [...prev, v])
    .option("--from <name>", "start at this stack of the apply order (to resume after a failure)")
    .option("--terraform <path>", "the terraform executable (default: terraform on PATH)");
  withOrg(cmd);
  return withFormat(cmd, ["text", "json"]);
}

/** Synthesises the org and returns the selected stacks' directories, in apply order. */
export function selectStacks(opts: TerraformCommandOptions): StackDir[] {
  const order = stackOrder();
  for (const s of [...(opts.stack ?? []), ...(opts.from ? [opts.from] : [])]) {
    if (!order.includes(s)) throw new UsageError(`there is no stack '${s}'; the stacks, in apply order: ${order.join(", ")}`);
  }
  synthesize({ orgDir: opts.org, outDir: opts.out });
  let names = order;
  if (opts.stack?.length) names = order.filter((s) => opts.stack!.includes(s));
  if (opts.changed !== undefined) {
    const result = changedStacks(opts.org, materialiseOrg(opts.org, opts.changed), opts.changed);
    if (result.reason) process.stderr.write(`mailorg: ${result.reason}\n`);
    names = names.filter((s) => result.changed.includes(s));
  }
  if (opts.from) names = names.slice(Math.max(0, names.indexOf(opts.from)));
  return names.map((name) => ({ name, dir: join(opts.out, "stacks", name) })).filter((s) => existsSync(join(s.dir, "cdk.tf.json")));
}

/** Plans the selected stacks with progress on stderr; returns the plans, and the failure if one stack failed. */
export async function planSelected(opts: TerraformCommandOptions, clock?: () => number): Promise<{ stacks: StackDir[]; plans: StackPlan[]; failed?: Failure }> {
  const stacks = selectStacks(opts);
  process.stderr.write(`planning ${stacks.length} stack${stacks.length === 1 ? "" : "s"} in apply order${stacks.length ? `: ${stacks.map((s) => s.name).join(", ")}` : ""}\n`);
  const r = await planStacks(stacks, { terraform: opts.terraform, clock, plansDir: join(opts.out, "plans"), progress: (l) => process.stderr.write(l + "\n") });
  return { stacks, ...r };
}

export function failureText(f: Failure, what: string): string {
  return `mailorg: ${what} of stack ${f.stack} failed at terraform ${f.step} (exit ${f.code})${f.message ? `:\n${f.message.replace(/^/gm, "  ")}` : ""}\n`;
}

export function printPlans(plans: readonly StackPlan[], format: "text" | "json", extra: Record<string, unknown> = {}): void {
  if (format === "json") {
    const total = (k: "add" | "change" | "destroy") => plans.reduce((s, p) => s + p[k], 0);
    printJson({ stacks: plans.map(({ stack, add, change, destroy }) => ({ stack, add, change, destroy })), total: { add: total("add"), change: total("change"), destroy: total("destroy") }, ...extra });
  } else process.stdout.write(summaryTable(plans));
}

export function register(program: Command): void {
  const cmd = program
    .command("plan")
    .description("synthesise, then terraform plan every stack in apply order (or --changed REF, --stack NAME): progress, then one table of adds, changes and destroys");
  terraformOptions(cmd);
  cmd.action((opts: TerraformCommandOptions) =>
    runCommand(async () => {
      const { stacks, plans, failed } = await planSelected(opts);
      printPlans(plans, opts.format, failed ? { failed: { stack: failed.stack, step: failed.step } } : {});
      if (failed) {
        const rest = stacks.slice(stacks.findIndex((s) => s.name === failed.stack)).map((s) => s.name);
        process.stderr.write(failureText(failed, "plan") + `not planned: ${rest.join(", ")}; fix the cause, then run mailorg plan --from ${failed.stack}\n`);
        return EXIT_FAIL;
      }
      return EXIT_OK;
    }),
  );
}
