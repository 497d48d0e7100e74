// @ts-check
/**
 * Mutation testing (StrykerJS with the vitest runner): `npx stryker run --mutate <file>` mutates one module
 * and runs only the tests that matter for it; `npm run mutation` runs the six modules below one after the
 * other (scripts/mutation.ts). How to read the report: docs/testing.md.
 *
 * Which tests run: the test files listed for the module below (the ones that exercise its decisions in
 * process), narrowed further by vitest's related mode (files that import the module) and, per mutant, by
 * per-test coverage (only the tests that executed the mutated code). A module not listed here runs against
 * every test file that imports it (related mode alone).
 */

/** The tests of the review diff: every test file that checks what `diff` reports, in process or through the CLI. */
const DIFF_TESTS = ["test/review-reach.test.ts", "test/review-changes.test.ts", "test/diff-destructive.test.ts", "test/review.test.ts", "test/review-trust.test.ts", "test/dns-coexist-diff.test.ts", "test/mailhost-plan.test.ts", "test/mutation-diff.test.ts"];

/** @type {Record<string, string[]>} */
export const MUTATION_TESTS = {
  "plan/iam-eval.ts": ["test/iam-eval.test.ts", "test/iam-oracle.test.ts", "test/mutation-iam-eval.test.ts"],
  "simulate/can-send.ts": ["test/can-send.test.ts", "test/iam-oracle.test.ts", "test/mutation-can-send.test.ts"],
  // The one sending decision (can-send's, the host's policy service's and SES relay's).
  "plan/send-decision.ts": ["test/can-send.test.ts", "test/iam-oracle.test.ts", "test/mutation-can-send.test.ts", "test/mailhost-policy.test.ts", "test/mailhost-relay.test.ts", "test/send-decision.test.ts"],
  // The decision's input split by address for the host (the policy service and the SES relay read it).
  "plan/decision-shards.ts": ["test/decision-shards.test.ts"],
  "plan/routing.ts": ["test/router-core.test.ts", "test/mutation-routing.test.ts"],
  "runtime/delivery/deliver.ts": ["test/forward.test.ts", "test/relay.test.ts", "test/delivery-production.test.ts", "test/mutation-deliver.test.ts", "test/delivery-idempotency.test.ts"],
  "runtime/router/core.ts": ["test/router-core.test.ts", "test/router-forgery.test.ts", "test/mutation-router-core.test.ts"],
  // review/diff.ts and its section comparers (review/diff/*.ts): each mutated on its own, against the same tests.
  "review/diff.ts": DIFF_TESTS,
  "review/diff/addresses.ts": DIFF_TESTS,
  "review/diff/backups.ts": DIFF_TESTS,
  "review/diff/change.ts": DIFF_TESTS,
  "review/diff/context.ts": DIFF_TESTS,
  "review/diff/credentials.ts": DIFF_TESTS,
  "review/diff/delivery.ts": DIFF_TESTS,
  "review/diff/departments.ts": DIFF_TESTS,
  "review/diff/domains.ts": DIFF_TESTS,
  "review/diff/groups.ts": DIFF_TESTS,
  "review/diff/inbound.ts": DIFF_TESTS,
  "review/diff/mailbox-host.ts": DIFF_TESTS,
  "review/diff/mailboxes.ts": DIFF_TESTS,
  "review/diff/members.ts": DIFF_TESTS,
  "review/diff/organisation.ts": DIFF_TESTS,
  "review/diff/sending.ts": DIFF_TESTS,
  "review/diff/signatures.ts": DIFF_TESTS,
};

/** The files given with --mutate/-m on the command line (comma-separated), or every module above. */
function mutatedFiles() {
  const argv = process.argv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--mutate" || a === "-m") return (argv[i + 1] ?? "").split(",").filter(Boolean);
    if (a.startsWith("--mutate=")) return a.slice("--mutate=".length).split(",").filter(Boolean);
  }
  return Object.keys(MUTATION_TESTS);
}

const normalise = (/** @type {string} */ f) => f.replace(/^\.\//, "").replace(/:.*$/, "");
const listed = mutatedFiles().map(normalise);
const testFiles = listed.every((f) => f in MUTATION_TESTS) ? [...new Set(listed.flatMap((f) => MUTATION_TESTS[f] ?? []))] : [];
// Read by vitest.config.ts in Stryker's test-runner processes (they inherit this environment). Not Stryker's own
// `testFiles` option: with it, Stryker activates a module-level (static) mutant only after the module loaded,
// so a mutated constant (a default, a lookup table) would survive every test.
if (testFiles.length > 0) process.env.MAILORG_TEST_FILES = testFiles.join(",");

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.config.ts", related: true },
  coverageAnalysis: "perTest",
  concurrency: 2,
  mutate: Object.keys(MUTATION_TESTS),
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  // The sandbox copy needs the sources and the tests, not build output or earlier reports.
  ignorePatterns: ["cdktf.out", "cdktf.out.state", ".bench", "reports", "coverage", ".ci-test-results.json"],
  tempDirName: ".stryker-tmp",
  // A busy two-core machine: allow slow runs before calling a mutant a timeout.
  timeoutMS: 10000,
  thresholds: { high: 90, low: 80, break: null },
};
