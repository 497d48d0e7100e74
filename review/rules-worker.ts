/**
 * The other core's share of a review (review/git.ts, reviewSides): the org's semantic rules, run on each side's
 * directory while the main thread plans and compares the two sides. A job names a directory, how its paths are
 * shown and the day; the answer is that side's diagnostics, exactly as validateOrg gives them, so the verdict
 * (which findings refuse the side) is the one the serial path reaches. Built as its own entry (dist/review-worker.mjs).
 */
import { parentPort } from "node:worker_threads";
import type { Diagnostic } from "../model/diagnostics.ts";
import { validateOrg } from "../model/validate.ts";

export interface RulesJob {
  readonly id: number;
  readonly dir: string;
  readonly displayAs?: string;
  readonly today: string;
}

export type RulesAnswer = { readonly id: number; readonly diagnostics: Diagnostic[] } | { readonly id: number; readonly error: string };

if (parentPort) {
  const port = parentPort;
  // The two sides share the files a change does not touch, as on the main thread (model/load.ts, shared).
  const shared = new Map<string, unknown>();
  port.on("message", (job: RulesJob) => {
    try {
      const r = validateOrg(job.dir, { today: job.today, displayAs: job.displayAs, shared });
      port.postMessage({ id: job.id, diagnostics: r.diagnostics } satisfies RulesAnswer);
    } catch (e) {
      port.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) } satisfies RulesAnswer);
    }
  });
}
