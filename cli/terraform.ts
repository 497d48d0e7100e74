/**
 * Terraform over the synthesised stacks, for `mailorg plan` and `mailorg apply`: each stack in apply order
 * is initialised and planned into a saved plan file (`<out>/plans/<stack>.tfplan`), counted from
 * `terraform show -json`, and, for apply, exactly those saved plans are applied, in the same order,
 * stopping at the first failure. Progress goes to a callback (stack n of N, with elapsed time); nothing of
 * Terraform's own output is printed unless a step fails (plans of the sending stacks hold secrets).
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

export interface StackDir {
  readonly name: string;
  /** The stack's directory (holding cdk.tf.json). */
  readonly dir: string;
}

export interface StackPlan {
  readonly stack: string;
  readonly dir: string;
  /** The saved plan file that apply applies. */
  readonly planFile: string;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

export interface Failure {
  readonly stack: string;
  /** The step that failed: init, plan, show or apply. */
  readonly step: string;
  readonly code: number;
  /** The last lines Terraform wrote to stderr (its error). */
  readonly message: string;
}

export interface RunOptions {
  /** The terraform executable. Default `terraform` from PATH. */
  readonly terraform?: string;
  /** Milliseconds from some fixed point: injected by tests. Default performance.now. */
  readonly clock?: () => number;
  /** One line of progress per step. */
  readonly progress: (line: string) => void;
  /** Where saved plans go. */
  readonly plansDir: string;
}

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(terraform: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(terraform, args, {
      cwd,
      env: { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) => done({ code: 127, stdout: "", stderr: e.code === "ENOENT" ? `${terraform} not found (install Terraform 1.10 or later, or pass --terraform PATH)` : e.message }));
    child.on("close", (code) => done({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

/** The last few lines of a failed step's error output, without Terraform's box drawing. */
function lastLines(text: string, n = 12): string {
  const lines = text
    .split("\n")
    .map((l) => l.replace(/^[│╷╵]\s?/, "").trimEnd())
    .filter((l) => l.trim() !== "");
  return lines.slice(-n).join("\n");
}

/** Adds, changes and destroys of a plan, counted as Terraform counts them (a replacement is one add and one destroy). */
export function countChanges(showJson: string): { add: number; change: number; destroy: number } {
  const plan = JSON.parse(showJson) as { resource_changes?: { change: { actions: string[] } }[] };
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const rc of plan.resource_changes ?? []) {
    const a = rc.change.actions;
    if (a.includes("create")) add++;
    if (a.includes("delete")) destroy++;
    if (a.length === 1 && a[0] === "update") change++;
  }
  return { add, change, destroy };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Plans every stack in the order given; stops at the first stack that cannot be planned. */
export async function planStacks(stacks: readonly StackDir[], opts: RunOptions): Promise<{ plans: StackPlan[]; failed?: Failure }> {
  const terraform = opts.terraform ?? "terraform";
  const clock = opts.clock ?? (() => performance.now());
  const start = clock();
  // Saved plans hold what state holds (the sending stacks' SMTP passwords): readable by their owner only.
  mkdirSync(opts.plansDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.plansDir, 0o700);
  const plans: StackPlan[] = [];
  for (const [i, s] of stacks.entries()) {
    const at = clock();
    const planFile = resolve(join(opts.plansDir, `${s.name}.tfplan`));
    const steps: [string, string[]][] = [
      ["init", ["init", "-input=false", "-no-color"]],
      ["plan", ["plan", "-input=false", "-no-color", "-lock-timeout=60s", `-out=${planFile}`]],
      ["show", ["show", "-json", "-no-color", planFile]],
    ];
    let shown = "";
    for (const [step, args] of steps) {
      const r = await run(terraform, args, s.dir);
      if (r.code !== 0) {
        opts.progress(`[${i + 1}/${stacks.length}] ${s.name}: ${step} failed (${seconds(clock() - at)}, elapsed ${seconds(clock() - start)})`);
        return { plans, failed: { stack: s.name, step, code: r.code, message: lastLines(r.stderr || r.stdout) } };
      }
      if (step === "show") shown = r.stdout;
    }
    const counts = countChanges(shown);
    plans.push({ stack: s.name, dir: s.dir, planFile, ...counts });
    opts.progress(`[${i + 1}/${stacks.length}] ${s.name}: planned in ${seconds(clock() - at)} (elapsed ${seconds(clock() - start)}): ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy`);
  }
  return { plans };
}

/**
 * Applies the saved plans in order, skipping those without changes; stops at the first failure. Returns
 * the stacks applied and, on failure, the failure and the stacks not applied (the failed one first).
 */
export async function applyPlans(plans: readonly StackPlan[], opts: Omit<RunOptions, "plansDir">): Promise<{ applied: string[]; failed?: Failure; notApplied: string[] }> {
  const terraform = opts.terraform ?? "terraform";
  const clock = opts.clock ?? (() => performance.now());
  const start = clock();
  const applied: string[] = [];
  for (const [i, p] of plans.entries()) {
    const at = clock();
    const tag = `[${i + 1}/${plans.length}] ${p.stack}`;
    if (p.add + p.change + p.destroy === 0) {
      opts.progress(`${tag}: no changes, nothing to apply`);
      continue;
    }
    const r = await run(terraform, ["apply", "-input=false", "-no-color", "-lock-timeout=60s", p.planFile], p.dir);
    if (r.code !== 0) {
      opts.progress(`${tag}: apply failed (${seconds(clock() - at)}, elapsed ${seconds(clock() - start)})`);
      return { applied, failed: { stack: p.stack, step: "apply", code: r.code, message: lastLines(r.stderr || r.stdout) }, notApplied: plans.slice(i).map((x) => x.stack) };
    }
    applied.push(p.stack);
    opts.progress(`${tag}: applied in ${seconds(clock() - at)} (elapsed ${seconds(clock() - start)})`);
  }
  return { applied, notApplied: [] };
}

/** One table: adds, changes and destroys per stack, and the total. */
export function summaryTable(plans: readonly StackPlan[]): string {
  const rows = plans.map((p) => [p.stack, String(p.add), String(p.change), String(p.destroy)]);
  const total = (k: "add" | "change" | "destroy") => String(plans.reduce((s, p) => s + p[k], 0));
  const all = [["stack", "add", "change", "destroy"], ...rows, [`total (${plans.length} stacks)`, total("add"), total("change"), total("destroy")]];
  const w = [0, 1, 2, 3].map((c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => [r[0]!.padEnd(w[0]!), ...r.slice(1).map((x, k) => x.padStart(w[k + 1]!))].join("  ").trimEnd();
  return [line(all[0]!), ...rows.map(line), line(all[all.length - 1]!)].join("\n") + "\n";
}
