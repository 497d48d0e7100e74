/**
 * One mailorg synthesis (validation, model, constructs, app.synth) timed after module loading; prints JSON.
 *   tsx bench/synth-once.ts <org dir> <out dir>
 * MAILORG_DEBUG=1 keeps cdktf's token stack traces, to measure what switching them off saves.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { synthesize } from "../constructs/synth.ts";

const [orgDir, outDir] = process.argv.slice(2);
if (!orgDir || !outDir) {
  process.stderr.write("usage: tsx bench/synth-once.ts <org dir> <out dir>\n");
  process.exit(2);
}
const t0 = performance.now();
synthesize({ orgDir, outDir, today: "2026-06-01" });
const ms = performance.now() - t0;
const counts = readdirSync(join(outDir, "stacks")).map((s) => {
  const json = JSON.parse(readFileSync(join(outDir, "stacks", s, "cdk.tf.json"), "utf8")) as { resource?: Record<string, object> };
  return Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
});
process.stdout.write(
  JSON.stringify({ ms, peakRssMb: process.resourceUsage().maxRSS / 1024, stacks: counts.length, resources: counts.reduce((a, b) => a + b, 0), maxStack: Math.max(...counts) }) + "\n",
);
