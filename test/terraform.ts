/**
 * Terraform itself as the test oracle, with no provider: a configuration of only `locals` (to parse every
 * string as Terraform does) or only `output`s (to evaluate strings), which needs nothing downloaded.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Why the Terraform tests cannot run here, or undefined when `terraform` is on PATH. */
export const terraformMissing: string | undefined = (() => {
  const r = spawnSync("terraform", ["version"], { encoding: "utf8" });
  return r.error ? "terraform is not on PATH (CI installs it; see .ci/run)" : undefined;
})();

function terraform(dir: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("terraform", args, {
    cwd: dir,
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
  });
  return { status: r.status ?? 70, stdout: r.stdout, stderr: r.stderr };
}

/** A working directory initialised once; later configurations are written over it (no providers, no init). */
function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mailorg-tf-"));
  writeFileSync(join(dir, "main.tf.json"), "{}\n");
  const init = terraform(dir, ["init", "-backend=false", "-input=false", "-no-color"]);
  if (init.status !== 0) throw new Error(`terraform init failed: ${init.stderr}`);
  return dir;
}

/** Every string value in a JSON document (keys excluded). */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) allStrings(v, out);
  return out;
}

export interface Diagnostic {
  readonly severity: string;
  readonly summary: string;
  readonly detail?: string;
}

/** A Terraform address named in an "undeclared" diagnostic: `aws_x.name` or `data.aws_x.name`. */
export function undeclaredAddress(d: Diagnostic): string | undefined {
  const m = /^A (managed|data) resource "([^"]+)" "([^"]+)" has not been declared/.exec(d.detail ?? "");
  return m ? `${m[1] === "data" ? "data." : ""}${m[2]}.${m[3]}` : undefined;
}

let validateDir: string | undefined;

/**
 * Parses each string as Terraform would (as a local value) and returns Terraform's diagnostics. A string
 * referring to a resource that the test configuration lacks gives a "Reference to undeclared resource"
 * diagnostic naming it: callers check those names against the stack the string came from.
 */
export function validateStrings(strings: readonly string[]): Diagnostic[] {
  if (strings.length === 0) return [];
  validateDir ??= workdir();
  const locals = Object.fromEntries(strings.map((s, i) => [`s${i}`, s]));
  writeFileSync(join(validateDir, "main.tf.json"), JSON.stringify({ locals }));
  const r = terraform(validateDir, ["validate", "-json", "-no-color"]);
  const report = JSON.parse(r.stdout || "{}") as { diagnostics?: Diagnostic[] };
  return report.diagnostics ?? [];
}

/** Evaluates each string as an output value with `terraform apply` (local state in a new directory). */
export function evaluateStrings(strings: readonly string[]): string[] {
  if (strings.length === 0) return [];
  const dir = workdir();
  const output = Object.fromEntries(strings.map((s, i) => [`s${i}`, { value: s }]));
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ output }));
  const apply = terraform(dir, ["apply", "-auto-approve", "-input=false", "-no-color"]);
  if (apply.status !== 0) throw new Error(`terraform apply failed: ${apply.stderr || apply.stdout}`);
  const out = JSON.parse(terraform(dir, ["output", "-json"]).stdout) as Record<string, { value: string }>;
  return strings.map((_, i) => out[`s${i}`]!.value);
}

/** Each synthesized stack of an output directory: name, JSON, and the addresses it declares. */
export function readStacks(outDir: string): { name: string; json: Record<string, unknown>; declared: Set<string> }[] {
  return readdirSync(join(outDir, "stacks"))
    .sort()
    .map((name) => {
      const json = JSON.parse(readFileSync(join(outDir, "stacks", name, "cdk.tf.json"), "utf8")) as Record<string, Record<string, Record<string, unknown>>>;
      const declared = new Set<string>();
      for (const [type, byName] of Object.entries(json.resource ?? {})) for (const n of Object.keys(byName)) declared.add(`${type}.${n}`);
      for (const [type, byName] of Object.entries(json.data ?? {})) for (const n of Object.keys(byName)) declared.add(`data.${type}.${n}`);
      return { name, json, declared };
    });
}

/**
 * What Terraform finds wrong with a stack's strings: any diagnostic other than a reference to a resource
 * of the same stack (a string it cannot parse, a function call, a reference into another stack).
 */
export function stackStringProblems(stack: { name: string; json: Record<string, unknown>; declared: Set<string> }): string[] {
  const { terraform: _settings, "//": _meta, ...body } = stack.json;
  const strings = [...new Set(allStrings(body).filter((s) => s.includes("{")))];
  return validateStrings(strings)
    .filter((d) => {
      const address = d.summary === "Reference to undeclared resource" ? undeclaredAddress(d) : undefined;
      return !(address && stack.declared.has(address));
    })
    .map((d) => `${stack.name}: ${d.summary}: ${d.detail ?? ""}`);
}

/**
 * Applies the provider-free configuration `before` (local state in a new directory), then plans `after`
 * against the state it left: each resource address's planned actions (Terraform's `create`, `update`,
 * `delete`, `forget`, ...), no-ops left out.
 */
export function plannedActions(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, string[]> {
  const dir = workdir();
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(before));
  const apply = terraform(dir, ["apply", "-auto-approve", "-input=false", "-no-color"]);
  if (apply.status !== 0) throw new Error(`terraform apply failed: ${apply.stderr || apply.stdout}`);
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(after));
  const plan = terraform(dir, ["plan", "-input=false", "-no-color", "-out=plan"]);
  if (plan.status !== 0) throw new Error(`terraform plan failed: ${plan.stderr || plan.stdout}`);
  const shown = JSON.parse(terraform(dir, ["show", "-json", "plan"]).stdout) as { resource_changes?: { address: string; change: { actions: string[] } }[] };
  return Object.fromEntries((shown.resource_changes ?? []).filter((c) => c.change.actions.join() !== "no-op").map((c) => [c.address, c.change.actions]));
}
