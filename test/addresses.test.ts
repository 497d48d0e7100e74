/**
 * Terraform addresses are a contract: a renamed resource is destroyed and created again (new SMTP credentials,
 * a new bucket). These lists were committed with cdktf 0.21 before the switch to CDK Terrain (cdktn); every
 * resource, data source and output of the example org and of the 1,000-member bench org must keep its address.
 * Regenerate only for a change that means to add or remove resources:
 *   npx tsx scripts/addresses.ts example > test/snapshots/addresses-example.txt
 *   npx tsx scripts/addresses.ts bench1000 > test/snapshots/addresses-bench-1000.txt
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { addressesFor } from "../scripts/addresses.ts";
import { ROOT } from "./helpers.ts";

for (const [which, file] of [["example", "addresses-example.txt"], ["bench1000", "addresses-bench-1000.txt"]] as const) {
  it(`keeps every resource address and output name of the ${which} org`, () => {
    const expected = readFileSync(join(ROOT, "test/snapshots", file), "utf8");
    const actual = addressesFor(which);
    const lines = (text: string): Set<string> => new Set(text.split("\n").filter(Boolean));
    const [want, got] = [lines(expected), lines(actual)];
    const missing = [...want].filter((l) => !got.has(l));
    const added = [...got].filter((l) => !want.has(l));
    expect({ missing, added }).toEqual({ missing: [], added: [] });
  }, 120_000);
}
