/**
 * One mailorg synthesis (validation, model, constructs, app.synth) timed after module loading; prints JSON.
 *   tsx bench/synth-once.ts <org dir> <out dir>
 * MAILORG_DEBUG=1 keeps cdktf's token stack traces, to measure what switching them off saves. Also reports
 * (after the timing) the router asset's zip size and the routing table's size inside it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { synthesize } from "../constructs/synth.ts";
import { loadValidPlan } from "../plan/validate.ts";

const [orgDir, outDir] = process.argv.slice(2);
if (!orgDir || !outDir) {
  process.stderr.write("usage: tsx bench/synth-once.ts <org dir> <out dir>\n");
  process.exit(2);
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
synthesize({ orgDir, outDir, today: "2026-06-01" });
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
// The router's Lambda asset: the zip as uploaded, and the routing table inside it (Lambda allows 50 MB zipped, 250 MB unzipped).
const assets = join(outDir, "stacks", "inbound", "assets");
const zips = readdirSync(assets, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name === "archive.zip");
const routerZipKb = zips.reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0) / 1024;
const routingTableKb = Buffer.byteLength(JSON.stringify(loadValidPlan(orgDir, { today: "2026-06-01" }).plan.inbound.table, null, 1) + "\n") / 1024;
const counts = readdirSync(join(outDir, "stacks")).map((s) => {
  const json = JSON.parse(readFileSync(join(outDir, "stacks", s, "cdk.tf.json"), "utf8")) as { resource?: Record<string, object> };
  return Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
});
process.stdout.write(
  JSON.stringify({ ms, cpuMs, peakRssMb, stacks: counts.length, resources: counts.reduce((a, b) => a + b, 0), maxStack: Math.max(...counts), routerZipKb, routingTableKb }) + "\n",
);
