/**
 * One validation of an org directory, timed in phases; prints JSON. Run in a fresh process per
 * measurement (bench/run.ts) so that peak RSS belongs to this run alone.
 *   tsx bench/validate-once.ts <org dir>
 */
import { performance } from "node:perf_hooks";
import { hasErrors, sortDiagnostics } from "../model/diagnostics.ts";
import { loadOrg } from "../model/load.ts";
import { RULES } from "../model/rules/index.ts";
import { OrgIndex } from "../model/views/org-index.ts";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: tsx bench/validate-once.ts <org dir>\n");
  process.exit(2);
}
const t0 = performance.now();
const { org, sources, diagnostics } = loadOrg(dir);
const t1 = performance.now();
let findings = diagnostics.length;
if (!hasErrors(diagnostics)) {
  const index = new OrgIndex(org);
  for (const rule of RULES) {
    for (const f of rule.check({ org, index, today: "2026-06-01" })) {
      sources.locate(f.pointer);
      findings++;
    }
  }
}
const t2 = performance.now();
sortDiagnostics(diagnostics);
process.stdout.write(
  JSON.stringify({
    parseSchemaMs: t1 - t0,
    rulesMs: t2 - t1,
    totalMs: t2 - t0,
    findings,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }) + "\n",
);
