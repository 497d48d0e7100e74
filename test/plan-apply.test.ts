/**
 * Issue #29: `mailorg plan` and `mailorg apply` run Terraform over the stacks in apply order, show progress
 * (stack n of N, elapsed time) and one summary table, and apply exactly the plans shown, stopping at the
 * first failure with how to resume. The runner is proven with the real terraform binary on provider-free
 * configurations (terraform_data, local state); the commands over the real synthesised stacks with a fake
 * terraform on PATH (the AWS provider cannot be downloaded here) that records what it was asked to do.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyPlans, countChanges, planStacks, summaryTable, type StackDir } from "../cli/terraform.ts";
import { stackOrder } from "../plan/stacks.ts";
import { BASE_ORG, runCli, writeOrg } from "./helpers.ts";
import { terraformMissing } from "./terraform.ts";

/** A clock that moves 250 ms each time it is read: progress lines become exact. */
function fakeClock(): () => number {
  let t = 0;
  return () => (t += 250);
}

/** A provider-free stack: terraform_data resources (the built-in provider), local state; `fail` makes its apply fail. */
function stack(root: string, name: string, resources: Record<string, string>, fail = false): StackDir {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const resource = Object.fromEntries(
    Object.entries(resources).map(([k, v]) => [k, { input: v, ...(fail ? { provisioner: [{ "local-exec": { command: "echo provisioning failed >&2; exit 3" } }] } : {}) }]),
  );
  const body = Object.keys(resource).length ? { resource: { terraform_data: resource } } : {};
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify({ terraform: { backend: { local: { path: "terraform.tfstate" } } }, ...body }));
  return { name, dir };
}

describe("counting a plan", () => {
  it("counts creates, updates and destroys as Terraform does (a replacement is an add and a destroy)", () => {
    const rc = (...actions: string[]) => ({ change: { actions } });
    const json = JSON.stringify({ resource_changes: [rc("create"), rc("update"), rc("delete"), rc("delete", "create"), rc("create", "delete"), rc("no-op"), rc("read")] });
    expect(countChanges(json)).toEqual({ add: 3, change: 1, destroy: 3 });
    expect(countChanges("{}")).toEqual({ add: 0, change: 0, destroy: 0 });
  });

  it("summarises per stack and in total", () => {
    const p = (stack: string, add: number, change: number, destroy: number) => ({ stack, dir: "", planFile: "", add, change, destroy });
    expect(summaryTable([p("domains", 12, 0, 0), p("inbound", 3, 1, 0), p("sending-07", 0, 0, 2)])).toBe(
      ["stack             add  change  destroy", "domains            12       0        0", "inbound             3       1        0", "sending-07          0       0        2", "total (3 stacks)   15       1        2", ""].join("\n"),
    );
  });
});

describe.skipIf(terraformMissing !== undefined)("with the real terraform, on provider-free configurations", () => {
  it("plans each stack in order with progress, applies exactly those plans, and then has nothing to do", async () => {
    const root = writeOrg({});
    const stacks = [stack(root, "domains", { a: "1", b: "2" }), stack(root, "inbound", { c: "3" }), stack(root, "sending", {})];
    const lines: string[] = [];
    const planned = await planStacks(stacks, { clock: fakeClock(), progress: (l) => lines.push(l), plansDir: join(root, "plans") });
    expect(planned.failed).toBeUndefined();
    expect(planned.plans.map((p) => [p.stack, p.add, p.change, p.destroy])).toEqual([["domains", 2, 0, 0], ["inbound", 1, 0, 0], ["sending", 0, 0, 0]]);
    expect(lines).toEqual([
      "[1/3] domains: planned in 0.3 s (elapsed 0.8 s): 2 to add, 0 to change, 0 to destroy",
      "[2/3] inbound: planned in 0.3 s (elapsed 1.5 s): 1 to add, 0 to change, 0 to destroy",
      "[3/3] sending: planned in 0.3 s (elapsed 2.3 s): 0 to add, 0 to change, 0 to destroy",
    ]);
    for (const p of planned.plans) expect(existsSync(p.planFile)).toBe(true);
    expect(statSync(join(root, "plans")).mode & 0o777).toBe(0o700);
    const applied = await applyPlans(planned.plans, { clock: fakeClock(), progress: (l) => lines.push(l) });
    expect(applied).toEqual({ applied: ["domains", "inbound"], notApplied: [] });
    expect(lines.slice(3)).toEqual(["[1/3] domains: applied in 0.3 s (elapsed 0.8 s)", "[2/3] inbound: applied in 0.3 s (elapsed 1.5 s)", "[3/3] sending: no changes, nothing to apply"]);
    const state = JSON.parse(readFileSync(join(root, "domains/terraform.tfstate"), "utf8")) as { resources: unknown[] };
    expect(state.resources).toHaveLength(2);
    const again = await planStacks(stacks, { progress: () => {}, plansDir: join(root, "plans") });
    expect(again.plans.map((p) => p.add + p.change + p.destroy)).toEqual([0, 0, 0]);
    // A changed input is an in-place change; a removed resource a destroy.
    stack(root, "domains", { a: "1" });
    stack(root, "inbound", { c: "4" });
    const changed = await planStacks(stacks, { progress: () => {}, plansDir: join(root, "plans") });
    expect(changed.plans.map((p) => [p.stack, p.add, p.change, p.destroy])).toEqual([["domains", 0, 0, 1], ["inbound", 0, 1, 0], ["sending", 0, 0, 0]]);
  }, 120_000);

  it("stops at the first stack whose apply fails, saying which were applied and which were not", async () => {
    const root = writeOrg({});
    const stacks = [stack(root, "domains", { a: "1" }), stack(root, "inbound", { b: "2" }, true), stack(root, "sending", { c: "3" })];
    const planned = await planStacks(stacks, { progress: () => {}, plansDir: join(root, "plans") });
    const r = await applyPlans(planned.plans, { progress: () => {} });
    expect([r.applied, r.notApplied, r.failed?.stack, r.failed?.step]).toEqual([["domains"], ["inbound", "sending"], "inbound", "apply"]);
    expect(r.failed!.message).toContain("provisioning failed");
    expect(existsSync(join(root, "sending/terraform.tfstate"))).toBe(false);
  }, 120_000);

  it("a stack that does not plan stops the run there, with Terraform's error", async () => {
    const root = writeOrg({});
    const bad = stack(root, "inbound", {});
    writeFileSync(join(bad.dir, "cdk.tf.json"), JSON.stringify({ resource: { terraform_data: { x: { input: "${terraform_data.missing.id}" } } } }));
    const r = await planStacks([stack(root, "domains", { a: "1" }), bad, stack(root, "sending", {})], { progress: () => {}, plansDir: join(root, "plans") });
    expect([r.plans.map((p) => p.stack), r.failed?.stack, r.failed?.step]).toEqual([["domains"], "inbound", "plan"]);
    expect(r.failed!.message).toContain("Reference to undeclared resource");
  }, 120_000);
});

/**
 * A terraform stand-in: logs each call (directory and arguments), writes the plan file it is given, shows
 * as many creates as the stack's cdk.tf.json has resources, and fails the apply of $FAKE_TF_FAIL_APPLY.
 */
const FAKE_TERRAFORM = `#!/usr/bin/env node
const fs = require("node:fs"), path = require("node:path");
const args = process.argv.slice(2), stack = path.basename(process.cwd());
fs.appendFileSync(process.env.FAKE_TF_LOG, stack + " " + args.join(" ") + "\\n");
const cmd = args[0];
if (cmd === "plan") { const out = args.find((a) => a.startsWith("-out=")).slice(5); fs.writeFileSync(out, "plan of " + stack); }
if (cmd === "show") {
  const tf = JSON.parse(fs.readFileSync("cdk.tf.json", "utf8"));
  const n = Object.values(tf.resource || {}).reduce((s, byName) => s + Object.keys(byName).length, 0);
  process.stdout.write(JSON.stringify({ resource_changes: Array.from({ length: n }, () => ({ change: { actions: ["create"] } })) }));
}
if (cmd === "apply" && stack === process.env.FAKE_TF_FAIL_APPLY) { process.stderr.write("Error: creating SES receipt rule: AccessDenied\\n"); process.exit(1); }
`;

function fakeTerraform(): { bin: string; log: string } {
  const dir = writeOrg({ "bin/terraform": FAKE_TERRAFORM });
  chmodSync(join(dir, "bin/terraform"), 0o755);
  return { bin: join(dir, "bin"), log: join(dir, "calls.log") };
}

describe("mailorg plan and apply (a fake terraform on PATH, the real synthesised stacks)", () => {
  const setup = () => {
    const dir = writeOrg({ "org/org.yaml": BASE_ORG, "org/members.yaml": "members:\n  - { address: ann@example.com, name: Ann }\n  - { address: bob@example.com, name: Bob }\n  - { address: cy@example.com, name: Cy }\n" });
    const fake = fakeTerraform();
    const env = { PATH: `${fake.bin}:${process.env.PATH}`, FAKE_TF_LOG: fake.log };
    return { dir, org: join(dir, "org"), out: join(dir, "out"), env, log: fake.log };
  };

  it("plan: every stack in apply order, stack n of N with elapsed time, then one table with the total", () => {
    const t = setup();
    const r = runCli(["plan", "--org", t.org, "--out", t.out], { env: t.env, cwd: t.dir });
    expect([r.status, r.stderr.split("\n")[0]]).toEqual([0, `planning ${stackOrder().length} stacks in apply order: ${stackOrder().join(", ")}`]);
    const progress = r.stderr.split("\n").filter((l) => l.startsWith("["));
    expect(progress).toHaveLength(stackOrder().length);
    progress.forEach((l, i) => expect(l).toMatch(new RegExp(`^\\[${i + 1}/${stackOrder().length}\\] ${stackOrder()[i]}: planned in \\d+\\.\\d s \\(elapsed \\d+\\.\\d s\\): \\d+ to add, 0 to change, 0 to destroy$`)));
    const table = r.stdout.trimEnd().split("\n");
    expect(table[0]).toMatch(/^stack\s+add\s+change\s+destroy$/);
    expect(table.slice(1, -1).map((l) => l.split(/\s+/)[0])).toEqual(stackOrder());
    const adds = table.slice(1, -1).map((l) => Number(l.split(/\s+/)[1]));
    expect(table.at(-1)).toMatch(new RegExp(`^total \\(${stackOrder().length} stacks\\)\\s+${adds.reduce((a, b) => a + b, 0)}\\s+0\\s+0$`));
    expect(adds[0]).toBeGreaterThan(0);
    // init, plan into a saved file, show it: for each stack, in order.
    const calls = readFileSync(t.log, "utf8").trim().split("\n");
    expect(calls.slice(0, 3)).toEqual([
      "domains init -input=false -no-color",
      `domains plan -input=false -no-color -lock-timeout=60s -out=${join(t.out, "plans/domains.tfplan")}`,
      `domains show -json -no-color ${join(t.out, "plans/domains.tfplan")}`,
    ]);
    expect(calls.filter((c) => c.includes(" init ")).map((c) => c.split(" ")[0])).toEqual(stackOrder());
  });

  it("--stack and --changed select stacks, still in apply order; an unknown stack is a usage error", () => {
    const t = setup();
    const r = runCli(["plan", "--org", t.org, "--out", t.out, "--stack", "sending", "--stack", "domains", "--format", "json"], { env: t.env, cwd: t.dir });
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { stacks: { stack: string }[] }).stacks.map((s) => s.stack)).toEqual(["domains", "sending"]);
    const bad = runCli(["plan", "--org", t.org, "--out", t.out, "--stack", "dns"], { env: t.env, cwd: t.dir });
    expect([bad.status, bad.stderr]).toEqual([2, `mailorg: there is no stack 'dns'; the stacks, in apply order: ${stackOrder().join(", ")}\n`]);
  });

  it("apply: applies exactly the saved plans just shown, stops at the first failure and says how to resume; resuming applies the rest", () => {
    const t = setup();
    const r = runCli(["apply", "--org", t.org, "--out", t.out, "--auto-approve"], { env: { ...t.env, FAKE_TF_FAIL_APPLY: "inbound" }, cwd: t.dir });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^stack\s+add\s+change\s+destroy\n/);
    expect(r.stderr).toContain("mailorg: apply of stack inbound failed at terraform apply (exit 1):\n  Error: creating SES receipt rule: AccessDenied\n");
    expect(r.stderr).toMatch(/applied: domains; not applied: inbound, sending, sending-00, .*sending-19\n/);
    expect(r.stderr).toContain(`fix the cause, then resume with: mailorg apply --org ${t.org} --out ${t.out} --from inbound\n`);
    const applies = () => readFileSync(t.log, "utf8").trim().split("\n").filter((c) => c.includes(" apply "));
    // The saved plan files of this run, nothing else; the empty mailhost stack is skipped, nothing after inbound runs.
    expect(applies()).toEqual([
      `domains apply -input=false -no-color -lock-timeout=60s ${join(t.out, "plans/domains.tfplan")}`,
      `inbound apply -input=false -no-color -lock-timeout=60s ${join(t.out, "plans/inbound.tfplan")}`,
    ]);
    const resumed = runCli(["apply", "--org", t.org, "--out", t.out, "--auto-approve", "--from", "inbound"], { env: t.env, cwd: t.dir });
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toContain(`planning ${stackOrder().length - 2} stacks in apply order: inbound, sending,`);
    // Every stack from inbound on that has changes (the shards without members have none), in order.
    const withChanges = resumed.stdout.trim().split("\n").slice(1, -1).map((l) => l.split(/\s+/)).filter((c) => Number(c[1]) + Number(c[2]) + Number(c[3]) > 0).map((c) => c[0]);
    expect(withChanges.slice(0, 2)).toEqual(["inbound", "sending"]);
    expect(withChanges.length).toBeGreaterThan(2);
    expect(applies().slice(2).map((c) => c.split(" ")[0])).toEqual(withChanges);
  });

  it("apply without a terminal and without --auto-approve refuses before running anything", () => {
    const t = setup();
    const r = runCli(["apply", "--org", t.org, "--out", t.out], { env: t.env, cwd: t.dir });
    expect([r.status, r.stderr]).toEqual([2, "mailorg: apply asks before applying, and there is no terminal to ask on: pass --auto-approve to apply the plans it shows\n"]);
    expect(existsSync(t.log)).toBe(false);
  });
});
