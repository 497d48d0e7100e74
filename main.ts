/**
 * Synthesis entry point (`npm run synth`, and cdktf.json's app): loads org/ (or MAILORG_ORG_DIR),
 * validates it, and synthesises every stack into cdktf.out/ (or CDKTF_OUTDIR). An invalid org is
 * reported with file:line:col diagnostics and nothing is synthesised.
 */
import { reportError } from "./cli/common.ts";
import { synthesize } from "./constructs/synth.ts";

try {
  const result = synthesize({
    orgDir: process.env.MAILORG_ORG_DIR || "org",
    outDir: process.env.CDKTF_OUTDIR || "cdktf.out",
  });
  for (const s of result.stacks) process.stdout.write(`${s.name}: ${s.resources} resources -> ${s.file}\n`);
} catch (err) {
  process.exitCode = reportError(err);
}
