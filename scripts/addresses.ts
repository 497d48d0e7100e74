/**
 * Every Terraform resource address, data source address and output name that an org synthesizes, one per line
 * as `<stack> <address>`, sorted. test/addresses.test.ts compares the example org and the 1,000-member bench org
 * against the lists committed in test/snapshots/ (written before the cdktf -> cdktn switch): a renamed address is a
 * destroy and a create (new credentials, a new bucket), so none may change without a reviewed reason.
 *   npx tsx scripts/addresses.ts example > test/snapshots/addresses-example.txt
 *   npx tsx scripts/addresses.ts bench1000 > test/snapshots/addresses-bench-1000.txt
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateOrg } from "../bench/generate.ts";
import { synthesize } from "../constructs/synth.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The address lines of the stacks synthesized from orgDir. */
export function addressesOf(orgDir: string): string {
  const out = join(mkdtempSync(join(tmpdir(), "mailorg-addresses-")), "out");
  synthesize({ orgDir, outDir: out, today: "2026-06-01" });
  const lines: string[] = [];
  for (const stack of readdirSync(join(out, "stacks")).sort()) {
    const tf = JSON.parse(readFileSync(join(out, "stacks", stack, "cdk.tf.json"), "utf8")) as {
      resource?: Record<string, Record<string, unknown>>;
      data?: Record<string, Record<string, unknown>>;
      output?: Record<string, unknown>;
    };
    for (const [type, byName] of Object.entries(tf.resource ?? {})) for (const name of Object.keys(byName)) lines.push(`${stack} ${type}.${name}`);
    for (const [type, byName] of Object.entries(tf.data ?? {})) for (const name of Object.keys(byName)) lines.push(`${stack} data.${type}.${name}`);
    for (const name of Object.keys(tf.output ?? {})) lines.push(`${stack} output.${name}`);
  }
  return lines.sort().join("\n") + "\n";
}

/** "example" is org/; "bench1000" is the generator's 1,000-member org. */
export function addressesFor(which: "example" | "bench1000"): string {
  if (which === "example") return addressesOf(join(ROOT, "org"));
  const dir = join(mkdtempSync(join(tmpdir(), "mailorg-addresses-org-")), "org");
  generateOrg(1000, dir);
  return addressesOf(dir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const which = process.argv[2];
  if (which !== "example" && which !== "bench1000") throw new Error("usage: scripts/addresses.ts example|bench1000");
  process.stdout.write(addressesFor(which));
}
