/**
 * The example org's synthesized output, file by file, against the hashes committed in
 * test/snapshots/example-org.sha256. A refactor must leave them unchanged; a change that means to alter
 * what is deployed updates the snapshot in the same commit, so the review sees it:
 *   npx tsx scripts/snapshot.ts > test/snapshots/example-org.sha256
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { outputHashes } from "../scripts/snapshot.ts";
import { ROOT } from "./helpers.ts";

it("synthesizes the example org into exactly the committed output", () => {
  const expected = readFileSync(join(ROOT, "test/snapshots/example-org.sha256"), "utf8");
  expect(outputHashes()).toBe(expected);
});
