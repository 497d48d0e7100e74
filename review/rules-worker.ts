/**
 * The other core's share of a review (review/git.ts, reviewSides and reviewChanges), while the main thread loads,
 * plans and compares the two sides:
 * - `side`: one side's directory loaded and, with `rules`, the org's semantic rules run on it; the answer is that
 *   side's diagnostics exactly as validateOrg (or, without rules, loadIndexed) gives them, so the verdict (which
 *   findings refuse the side) is the one the serial path reaches;
 * - `credentials`: the credentials comparer (review/diff/credentials.ts) on two sides it has checked, from their
 *   sending models (every member's policies, which the main thread then never builds); its changes take the
 *   place diffOrgs leaves for them (DEFERRED_CREDENTIALS).
 * Built as its own entry (dist/review-worker.mjs).
 */
import { parentPort } from "node:worker_threads";
import type { Diagnostic } from "../model/diagnostics.ts";
import { loadIndexed, validateOrg, type ValidationResult } from "../model/validate.ts";
import { sendingModel } from "../plan/plan.ts";
import type { Change } from "./diff/change.ts";
import { diffContext } from "./diff/context.ts";
import { diffCredentials } from "./diff/credentials.ts";

export type ReviewJob =
  | { readonly kind: "side"; readonly id: number; readonly dir: string; readonly displayAs?: string; readonly today: string; readonly rules: boolean }
  | { readonly kind: "credentials"; readonly id: number; readonly base: number; readonly head: number; readonly today: string };

export type ReviewAnswer =
  | { readonly id: number; readonly diagnostics: Diagnostic[] }
  | { readonly id: number; readonly changes: Change[] }
  | { readonly id: number; readonly error: string };

/** The answer to one job; `sides` keeps each side read, by job id, for a later `credentials` job. */
export function answer(job: ReviewJob, sides: Map<number, ValidationResult>, shared: Map<string, unknown>): ReviewAnswer {
  if (job.kind === "side") {
    const opts = { today: job.today, displayAs: job.displayAs, shared };
    const r = job.rules ? validateOrg(job.dir, opts) : loadIndexed(job.dir, opts);
    sides.set(job.id, r);
    return { id: job.id, diagnostics: r.diagnostics };
  }
  const b = sides.get(job.base);
  const h = sides.get(job.head);
  // A side that does not load is refused by the main thread: nothing to compare. (One that its rules refuse is
  // compared all the same, and refused by the main thread before anything is printed.)
  if (!b?.index || !h?.index) return { id: job.id, changes: [] };
  const base = { org: b.org, index: b.index };
  const head = { org: h.org, index: h.index };
  const changes: Change[] = [];
  diffCredentials(diffContext(base, head, { today: job.today }, changes), sendingModel(base.org, base.index, job.today), sendingModel(head.org, head.index, job.today));
  return { id: job.id, changes };
}

if (parentPort) {
  const port = parentPort;
  // The two sides share the files a change does not touch, as on the main thread (model/load.ts, shared).
  const shared = new Map<string, unknown>();
  const sides = new Map<number, ValidationResult>();
  port.on("message", (job: ReviewJob) => {
    try {
      port.postMessage(answer(job, sides, shared));
    } catch (e) {
      port.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) } satisfies ReviewAnswer);
    }
  });
}
