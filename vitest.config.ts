import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Mutation testing (stryker.config.mjs) narrows a run to the mutated module's own test files.
    include: process.env.MAILORG_TEST_FILES ? process.env.MAILORG_TEST_FILES.split(",") : ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
