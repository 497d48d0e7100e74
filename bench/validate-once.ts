/**
 * One validation of an org directory, timed in phases; prints JSON. Run in a fresh process per
 * measurement (bench/run.ts) so that peak RSS belongs to this run alone.
 * Also reports (untimed) the org's deliverable addresses and the receipt rules its rule set needs.
 *   tsx bench/validate-once.ts <org dir>
 */
import { performance } from "node:perf_hooks";
import { hasErrors, sortDiagnostics } from "../model/diagnostics.ts";
import { loadOrg } from "../model/load.ts";
import { RULES } from "../model/rules/index.ts";
import { OrgIndex } from "../model/org-index.ts";
import { planOrg } from "../plan/plan.ts";
import { PLAN_RULES } from "../plan/rules/index.ts";
import { deliverableAddresses } from "../plan/routing.ts";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: tsx bench/validate-once.ts <org dir>\n");
  process.exit(2);
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const { org, sources, diagnostics } = loadOrg(dir);
const t1 = performance.now();
let findings = diagnostics.length;
if (!hasErrors(diagnostics)) {
  // As plan/validate.ts does: the org rules, then the plan (computed once) and the rules on it.
  const index = new OrgIndex(org);
  const ctx = { org, index, today: "2026-06-01" };
  for (const rule of RULES) {
    for (const f of rule.check(ctx)) {
      sources.locate(f.pointer);
      findings++;
    }
  }
  const plan = planOrg(org, index, ctx);
  for (const rule of PLAN_RULES) {
    for (const f of rule.check({ ...ctx, plan })) {
      sources.locate(f.pointer);
      findings++;
    }
  }
}
const t2 = performance.now();
const cpu = process.cpuUsage(cpu0);
const peakRssMb = process.resourceUsage().maxRSS / 1024;
sortDiagnostics(diagnostics);
// Inbound size (untimed): SES recipient addresses and receipt rules the rule set needs (SES allows 200 rules).
let addresses = 0;
let receiptRules = 0;
let routerRefuses = 0;
if (!hasErrors(diagnostics)) {
  const { inbound } = planOrg(org, new OrgIndex(org), { today: "2026-06-01" });
  addresses = deliverableAddresses(inbound.table).length;
  receiptRules = inbound.rules.length;
  routerRefuses = inbound.unknownRecipients === "router" ? 1 : 0;
}
process.stdout.write(
  JSON.stringify({
    parseSchemaMs: t1 - t0,
    rulesMs: t2 - t1,
    totalMs: t2 - t0,
    // CPU time (user + system) of the same span: on a shared machine the wall time grows with the load, this much less.
    cpuMs: (cpu.user + cpu.system) / 1000,
    findings,
    addresses,
    receiptRules,
    routerRefuses,
    peakRssMb,
  }) + "\n",
);
