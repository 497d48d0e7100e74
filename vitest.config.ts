import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Mutation testing (stryker.config.mjs) narrows a run to the mutated module's own test files.
    include: process.env.MAILORG_TEST_FILES ? process.env.MAILORG_TEST_FILES.split(",") : ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most of the suite waits on real servers (Postfix, Dovecot, nginx, Terraform, git): three files at a time on
    // two cores (vitest's default would be one) keeps the CPU busy. Every test takes free ports and its own
    // directories, so files do not meet.
    maxWorkers: 3,
    // Every test's "today" is set, in process as in the CLI subprocesses (test/helpers.ts): no result depends on the
    // date the suite runs. The tests of the clock itself clear it, fake the clock, and are listed in .ci/clock-tests,
    // which CI runs again at moved clocks (faketime).
    env: { MAILORG_TODAY: "2026-06-01" },
  },
});
