/** CI runs the tests that read the clock again at moved clocks (.ci/run, faketime): the list it reads is complete. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.ts";

const listed = readFileSync(join(ROOT, ".ci/clock-tests"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? testFiles(path) : name.endsWith(".test.ts") ? [relative(ROOT, path)] : [];
  });
}

describe(".ci/clock-tests", () => {
  it("names existing test files", () => {
    const all = new Set(testFiles(join(ROOT, "test")));
    expect(listed.filter((f) => !all.has(f))).toEqual([]);
    expect(listed.length).toBeGreaterThan(5);
  });

  it("lists every test file that clears the fixed today or fakes the clock", () => {
    const reads = /useFakeTimers|setSystemTime|MAILORG_TODAY: ""|delete process\.env\.MAILORG_TODAY/;
    const readers = testFiles(join(ROOT, "test")).filter((f) => f !== "test/clock-tests.test.ts" && reads.test(readFileSync(join(ROOT, f), "utf8")));
    expect(readers.length).toBeGreaterThan(2);
    expect(readers.filter((f) => !listed.includes(f))).toEqual([]);
  });

  it("is what the suite's fixed today leaves to the clock: the suite runs at 2026-06-01 unless a test says otherwise", () => {
    expect(process.env.MAILORG_TODAY).toBe("2026-06-01");
  });
});
