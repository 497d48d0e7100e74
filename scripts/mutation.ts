/**
 * `npm run mutation [-- module ...]`: StrykerJS on the modules that decide who sends, who receives and what a
 * reviewer sees, one module at a time (`npx stryker run --mutate <module>`, stryker.config.mjs: that module's
 * own tests, 2 test runners), the review diff (review/diff.ts and its section comparers, review/diff/*.ts) last. Each run's JSON report is kept as
 * reports/mutation/<module>.json and all of them are merged into reports/mutation/mutation.json; a table of
 * scores follows. Exit 1 when a module scores under its target (docs/testing.md says how to read the report).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const REPORTS = join(ROOT, "reports/mutation");

/** The modules and their target scores (killed and timed-out mutants over all but ignored and erroneous ones), in run order. */
export const TARGETS: Readonly<Record<string, number>> = {
  "plan/iam-eval.ts": 90,
  "simulate/can-send.ts": 90,
  "plan/send-decision.ts": 90,
  "plan/decision-shards.ts": 90,
  "plan/routing.ts": 90,
  "runtime/delivery/deliver.ts": 90,
  "runtime/router/core.ts": 90,
  "review/diff.ts": 85,
  "review/diff/addresses.ts": 85,
  "review/diff/backups.ts": 85,
  "review/diff/change.ts": 85,
  "review/diff/context.ts": 85,
  "review/diff/credentials.ts": 85,
  "review/diff/delivery.ts": 85,
  "review/diff/departments.ts": 85,
  "review/diff/domains.ts": 85,
  "review/diff/groups.ts": 85,
  "review/diff/inbound.ts": 85,
  "review/diff/mailbox-host.ts": 85,
  "review/diff/mailboxes.ts": 85,
  "review/diff/members.ts": 85,
  "review/diff/organisation.ts": 85,
  "review/diff/sending.ts": 85,
  "review/diff/signatures.ts": 85,
};

interface Mutant {
  readonly status: string;
}
interface Report {
  readonly files: Record<string, { readonly mutants: readonly Mutant[] }>;
  readonly testFiles?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface Score {
  readonly module: string;
  readonly mutants: number;
  readonly killed: number;
  readonly timeout: number;
  readonly survived: number;
  readonly noCoverage: number;
  /** Mutants Stryker did not count: ignored (a `// Stryker disable` comment), compile or runtime errors. */
  readonly notCounted: number;
  /** Detected (killed + timeout) over killed + timeout + survived + no coverage, in percent; null without such mutants. */
  readonly score: number | null;
  /** `// Stryker disable` comments in the module's source. */
  readonly disabled: number;
}

/** The score of one module in a Stryker JSON report, as Stryker computes it. */
export function scoreOf(report: Report, module: string, source: string): Score {
  const mutants = report.files[module]?.mutants ?? [];
  const count = (status: string): number => mutants.filter((m) => m.status === status).length;
  const [killed, timeout, survived, noCoverage] = [count("Killed"), count("Timeout"), count("Survived"), count("NoCoverage")];
  const valid = killed + timeout + survived + noCoverage;
  return {
    module,
    mutants: mutants.length,
    killed,
    timeout,
    survived,
    noCoverage,
    notCounted: mutants.length - valid,
    score: valid === 0 ? null : Math.round(((killed + timeout) / valid) * 10000) / 100,
    disabled: (source.match(/\/\/\s*Stryker disable/g) ?? []).length,
  };
}

/** The reports of several runs as one (each run mutated other files). */
export function mergeReports(reports: readonly Report[]): Report {
  const [first] = reports;
  if (!first) throw new Error("no report to merge");
  return {
    ...first,
    files: Object.assign({}, ...reports.map((r) => r.files)),
    testFiles: Object.assign({}, ...reports.map((r) => r.testFiles ?? {})),
  };
}

export function table(scores: readonly Score[]): string {
  const rows = scores.map((s) => {
    const target = TARGETS[s.module];
    const verdict = s.score === null || target === undefined ? "" : s.score >= target ? "ok" : `under ${target}%`;
    return `| \`${s.module}\` | ${s.mutants} | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.notCounted} | ${s.score === null ? "n/a" : `${s.score.toFixed(2)}%`} | ${s.disabled} | ${verdict} |`;
  });
  return ["| module | mutants | killed | timeout | survived | no coverage | not counted | score | disable comments | target |", "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|", ...rows].join("\n");
}

export function main(args: readonly string[]): number {
  const modules = args.length ? args : Object.keys(TARGETS);
  const unknown = modules.filter((m) => !(m in TARGETS));
  if (unknown.length) {
    process.stderr.write(`mailorg: no mutation target for ${unknown.join(", ")}; one of ${Object.keys(TARGETS).join(", ")}\n`);
    return 2;
  }
  mkdirSync(REPORTS, { recursive: true });
  const reports: Report[] = [];
  const scores: Score[] = [];
  for (const module of modules) {
    process.stdout.write(`\n== npx stryker run --mutate ${module}\n`);
    const run = spawnSync(process.execPath, [join(ROOT, "node_modules/@stryker-mutator/core/bin/stryker.js"), "run", "--mutate", module], { cwd: ROOT, stdio: "inherit" });
    const out = join(REPORTS, "mutation.json");
    if (run.status !== 0 || !existsSync(out)) {
      process.stderr.write(`mailorg: stryker failed on ${module} (exit ${run.status ?? run.signal})\n`);
      return 1;
    }
    const kept = join(REPORTS, `${module.replace(/\//g, "-").replace(/\.ts$/, "")}.json`);
    copyFileSync(out, kept);
    const report = JSON.parse(readFileSync(kept, "utf8")) as Report;
    reports.push(report);
    scores.push(scoreOf(report, module, readFileSync(join(ROOT, module), "utf8")));
  }
  writeFileSync(join(REPORTS, "mutation.json"), JSON.stringify(mergeReports(reports)));
  process.stdout.write(`\n${table(scores)}\n\nreport: reports/mutation/mutation.json (per module: reports/mutation/<module>.json)\n`);
  return scores.every((s) => s.score !== null && s.score >= TARGETS[s.module]!) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
