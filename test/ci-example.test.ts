/** The example GitHub Actions workflow: valid YAML, every mailorg command and option in it exists, and it applies what was reviewed. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT, runCli } from "./helpers.ts";

type Step = { run?: string; uses?: string; with?: Record<string, unknown> };
type Job = { steps: Step[]; concurrency?: { group: string; "cancel-in-progress": boolean }; environment?: string; if?: string };
const workflow = parse(readFileSync(join(ROOT, "examples/github-actions/mailorg.yml"), "utf8")) as { env: Record<string, string>; jobs: Record<string, Job> };
const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? "")).join("\n");

/** Every `npx mailorg <command> <args>` in the workflow's scripts. */
const invocations = [...runs.matchAll(/npx mailorg ([a-z-]+)([^\n>|;]*)/g)].map((m) => ({ command: m[1]!, flags: [...m[2]!.matchAll(/(--[a-z-]+)/g)].map((f) => f[1]!) }));

describe("examples/github-actions/mailorg.yml", () => {
  it("uses only mailorg commands and options that exist", () => {
    expect(invocations.map((i) => i.command).sort()).toEqual(["approvers", "approvers", "approvers", "diff", "stacks", "stacks", "synth", "validate"]);
    const help = new Map<string, string>();
    for (const { command, flags } of invocations) {
      if (!help.has(command)) {
        const r = runCli([command, "--help"]);
        expect(r.status, `mailorg ${command} --help`).toBe(0);
        help.set(command, r.stdout);
      }
      for (const flag of flags) expect(help.get(command), `mailorg ${command} ${flag}`).toContain(flag);
    }
  }, 60_000);

  it("checks the approvals as part of the required plan job, again on every review", () => {
    const { plan } = workflow.jobs as { plan: Job };
    const on = (workflow as unknown as { on: Record<string, { types?: string[] }> }).on;
    expect(on.pull_request_review?.types).toEqual(["submitted", "dismissed"]);
    expect(plan.if).toContain("pull_request_review");
    const planRun = plan.steps.map((s) => s.run ?? "").join("\n");
    expect(planRun).toMatch(/gh api --paginate "repos\/\$\{\{ github\.repository \}\}\/pulls\/\$\{\{ github\.event\.pull_request\.number \}\}\/reviews"/);
    expect(planRun).toContain('npx mailorg approvers "$BASE" --check --approved-by "$(paste -sd, approved.txt)"');
    // The approvals come last, so a missing approval still leaves the diff comment and the saved plans.
    expect(plan.steps.at(-1)!.run).toContain("--check --approved-by");
  });

  it("plans with a read-only role, applies the saved plans with the deploy role, one apply at a time", () => {
    const { plan, apply } = workflow.jobs as { plan: Job; apply: Job };
    const role = (job: Job) => job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))!.with!["role-to-assume"];
    expect(role(plan)).toBe("${{ env.PLAN_ROLE_ARN }}");
    expect(role(apply)).toBe("${{ env.DEPLOY_ROLE_ARN }}");
    const planRun = plan.steps.map((s) => s.run ?? "").join("\n");
    const applyRun = apply.steps.map((s) => s.run ?? "").join("\n");
    expect(planRun).toContain("plan -input=false -lock=false -out=reviewed.tfplan");
    expect(plan.steps.some((s) => s.uses?.startsWith("actions/upload-artifact"))).toBe(true);
    expect(apply.steps.some((s) => s.uses?.startsWith("actions/download-artifact"))).toBe(true);
    // Apply takes the reviewed plan file, never a fresh plan.
    expect(applyRun).toContain("apply -input=false reviewed.tfplan");
    expect(applyRun).not.toMatch(/terraform[^\n]* plan /);
    expect(applyRun).not.toContain("-auto-approve");
    expect(apply.concurrency).toEqual({ group: "mailorg-apply", "cancel-in-progress": false });
    expect(apply.environment).toBe("production");
    expect(workflow.env.NODE_VERSION).toBe("24");
    expect(workflow.env.TF_PLUGIN_CACHE_DIR).toBeTruthy();
  });
});
