/**
 * `mailorg stacks`: the synthesised stacks in apply order with their resource counts; `--order` the apply
 * order alone; `--changed REF` the stacks a change touches; `--member` which stack holds a member.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { changedStacks, resourceTypes } from "../constructs/synth.ts";
import { recordedSource } from "../constructs/out-dir.ts";
import { codeFingerprint, planFingerprint, staleness } from "../plan/fingerprint.ts";
import { UsageError } from "../model/today.ts";
import { sendingShard, stackOrder } from "../plan/stacks.ts";
import { canon, memberStatus } from "../model/org.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { materialiseOrg } from "../review/git.ts";
import { addressArg, EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

export interface StackInfo {
  readonly name: string;
  readonly resources: number;
  readonly types: Record<string, number>;
}

/** The stacks of an output directory, in apply order; refuses an output older than the org or the code. */
export function readStacks(outDir: string, orgDir: string): StackInfo[] {
  const dir = join(outDir, "stacks");
  if (!existsSync(dir)) throw new UsageError(`no synthesised stacks in ${outDir}; run npm run synth (or mailorg synth --out ${outDir}) first`);
  const { plan } = loadValidPlan(orgDir);
  const stale = staleness(recordedSource(outDir), { plan: planFingerprint(plan), code: codeFingerprint() });
  if (stale) throw new UsageError(`${outDir} is out of date for the org in ${orgDir}: ${stale}; run \`mailorg synth --org ${orgDir} --out ${outDir}\` first`);
  return stackOrder()
    .filter((name) => existsSync(join(dir, name, "cdk.tf.json")))
    .map((name) => {
      const types = resourceTypes(join(dir, name, "cdk.tf.json"));
      return { name, resources: Object.values(types).reduce((a, b) => a + b, 0), types };
    });
}

/** The stack of a member's credentials; exit 1 for an address that is not a member with credentials. */
function printMember(orgDir: string, address: string, format: string): number {
  const { index } = loadValidPlan(orgDir);
  const key = canon(address);
  const entry = index.addresses.get(key);
  const member = index.members.get(key);
  if (!member) {
    const what = entry?.kind === "alias" ? `: it is an alias of ${entry.target} (pass that address)` : entry ? `: it is a ${entry.kind}` : "";
    process.stderr.write(`mailorg: --member ${key} is not a member of the org in ${orgDir}${what}\n`);
    return EXIT_FAIL;
  }
  const stack = sendingShard(key);
  if (memberStatus(member) === "departed") {
    process.stderr.write(`mailorg: --member ${key} has departed: their credentials were revoked (they were in ${stack})\n`);
    return EXIT_FAIL;
  }
  if (format === "json") printJson({ member: key, stack, status: memberStatus(member) });
  else process.stdout.write(`${stack}\n`);
  return EXIT_OK;
}

function printNames(names: string[], format: string): void {
  if (format === "json") printJson(names);
  else process.stdout.write(names.map((n) => `${n}\n`).join(""));
}

export function register(program: Command): void {
  const cmd = program
    .command("stacks")
    .description("list the synthesised stacks in apply order with their resource counts")
    .option("--out <dir>", "synthesis output directory", "cdktf.out")
    .option("--order", "print the apply order: domains, mailhost, inbound (with the MX records), sending, then the shards")
    .option("--changed <ref>", "print, in apply order, the stacks whose Terraform JSON differs between the org at <ref> and now")
    .option("--member <address>", "print the stack holding this member's credentials (exit 1 if the org has no such member)");
  withOrg(cmd);
  withFormat(cmd, ["text", "json"]);
  cmd.action((opts: { out: string; org: string; order?: boolean; changed?: string; member?: string; format: string }) =>
    runCommand(() => {
      if (opts.member !== undefined) return printMember(opts.org, addressArg("--member", opts.member), opts.format);
      if (opts.order) {
        printNames(stackOrder(), opts.format);
        return EXIT_OK;
      }
      if (opts.changed !== undefined) {
        const result = changedStacks(opts.org, materialiseOrg(opts.org, opts.changed), opts.changed);
        if (result.reason) process.stderr.write(`mailorg: ${result.reason}\n`);
        printNames(result.changed, opts.format);
        return EXIT_OK;
      }
      const stacks = readStacks(opts.out, opts.org);
      if (opts.format === "json") printJson(stacks);
      else {
        const w = Math.max(...stacks.map((s) => s.name.length));
        process.stdout.write(stacks.map((s) => `${s.name.padEnd(w)}  ${String(s.resources).padStart(6)} resources`).join("\n") + `\n${"total".padEnd(w)}  ${String(stacks.reduce((a, s) => a + s.resources, 0)).padStart(6)} resources in ${stacks.length} stacks\n`);
      }
      return EXIT_OK;
    }),
  );
}
