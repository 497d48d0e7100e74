/** The org as it was at a git ref: materialised into a temporary directory and validated. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { OrgInvalidError } from "../model/diagnostics.ts";
import { scanOrgDir } from "../model/load.ts";
import type { Org } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { loadIndexed, validateOrg, withRules } from "../model/validate.ts";
import type { Diagnostic } from "../model/diagnostics.ts";
import { Worker } from "node:worker_threads";
import { DEFERRED_CREDENTIALS, diffSides, type Change } from "./diff.ts";
import type { ReviewAnswer, ReviewJob } from "./rules-worker.ts";
import type { OrgIndex } from "../model/org-index.ts";

function git(args: string[], cwd: string): string {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new UsageError(`git ${args.join(" ")} failed: ${(e.stderr || e.message).trim().split("\n")[0]}`);
  }
}

/** The repository's top level and the org directory's path inside it (forward slashes). */
export function repoPaths(orgDir: string): { top: string; rel: string } {
  // A removed org directory is looked up from its nearest existing parent (in the same repository).
  let known = resolve(orgDir);
  while (!existsDir(known) && dirname(known) !== known) known = dirname(known);
  const abs = join(realpathSync(known), relative(known, resolve(orgDir)));
  let top: string;
  try {
    top = git(["rev-parse", "--show-toplevel"], realpathSync(known)).trim();
  } catch {
    throw new UsageError(`${orgDir} is not inside a git repository; diff, approvers, audit and owners read the org's git history`);
  }
  return { top, rel: relative(realpathSync(top), abs).split(sep).join("/") };
}

function existsDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/**
 * The commit a ref names, as a full hash, resolved with `git rev-parse --verify --end-of-options`, so a ref can
 * never be read as a git option. A ref starting with '-' (or empty, or holding a control character) is refused
 * before git runs; either way a bad ref is a UsageError (exit 2). Only the hash is passed to later git commands.
 */
export function resolveCommit(ref: string, cwd: string): string {
  if (ref === "" || ref.startsWith("-") || /[\x00-\x1f\x7f]/.test(ref)) {
    throw new UsageError(`'${ref.replace(/[\x00-\x1f\x7f]/g, "?")}' is not a git ref${ref.startsWith("-") ? " (a ref may not start with '-')" : ""}; pass a branch, tag or commit such as origin/main`);
  }
  let sha: string;
  try {
    sha = git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], cwd).trim();
  } catch {
    throw new UsageError(`'${ref}' is not a branch, tag or commit of the repository at ${cwd}; pass one such as origin/main (run git fetch if it is a remote branch)`);
  }
  if (!/^[0-9a-f]{40,64}$/.test(sha)) throw new UsageError(`'${ref}' does not name one commit; pass a branch, tag or commit such as origin/main`);
  return sha;
}

/**
 * Writes the org directory's files as they are at `ref` into a new temporary directory. Regular files are
 * written as files; a symlink is recreated as a symlink, so the loader refuses it by the same rules as in the
 * working tree; submodules are skipped.
 */
export function materialiseOrg(orgDir: string, ref: string): string {
  const { top, rel } = repoPaths(orgDir);
  const sha = resolveCommit(ref, top);
  const out = mkdtempSync(join(tmpdir(), "mailorg-ref-"));
  const entries = git(["ls-tree", "-r", "-z", sha, "--", rel || "."], top).split("\0").filter(Boolean);
  for (const entry of entries) {
    const tab = entry.indexOf("\t");
    const [mode, type, blob] = entry.slice(0, tab).split(" ") as [string, string, string];
    const f = entry.slice(tab + 1);
    if (type !== "blob" || !/\.ya?ml$/.test(f)) continue;
    const target = join(out, rel ? relative(rel, f) : f);
    mkdirSync(dirname(target), { recursive: true });
    const content = execFileSync("git", ["cat-file", "blob", blob], { cwd: top, maxBuffer: 64 * 1024 * 1024 });
    if (mode === "120000") symlinkSync(content.toString("utf8"), target);
    else writeFileSync(target, content);
  }
  return out;
}

export interface OrgAt {
  readonly org: Org;
  readonly index: OrgIndex;
  /** "working tree" or the ref. */
  readonly label: string;
  /** The day it was validated for: the one given, else today in its organisation.timezone (model/today.ts). */
  readonly today: string;
}

/**
 * The valid org at a ref (undefined: the working tree), or undefined when there is none at all: the org
 * directory does not exist there or holds no YAML file (a first commit, a removed org). An org that exists
 * but is invalid is an OrgInvalidError, as in orgAt.
 */
export function sideAt(orgDir: string, ref: string | undefined, today?: string, shared?: Map<string, unknown>): OrgAt | undefined {
  const dir = sideDir(orgDir, ref);
  return dir === undefined ? undefined : readOrg(orgDir, dir, ref, today, shared);
}

/** The directory holding a side's org files (the org directory, or the ref's files materialised), or undefined when it has none. */
function sideDir(orgDir: string, ref: string | undefined): string | undefined {
  if (ref === undefined) {
    if (!existsDir(orgDir)) return undefined;
    const { files, diagnostics } = scanOrgDir(orgDir);
    return files.length === 0 && diagnostics.length === 0 ? undefined : orgDir;
  }
  const dir = materialiseOrg(orgDir, ref);
  return scanOrgDir(dir).files.length === 0 ? undefined : dir;
}

/**
 * Both sides of a change (head undefined: the working tree); a usage error when neither has an org. Without
 * `today`, both are read for today in the proposed org's time zone (model/today.ts), or the base's when the
 * change removes the org; `day` is the one used.
 */
export function sides(orgDir: string, base: string, head: string | undefined, today?: string): { b?: OrgAt; h?: OrgAt; labels: { base: string; head: string }; day: string } {
  // The files a change does not touch are the same text on both sides: parsed once (model/load.ts, shared).
  const shared = new Map<string, unknown>();
  const h = sideAt(orgDir, head, today, shared);
  const b = sideAt(orgDir, base, today ?? h?.today, shared);
  const labels = { base, head: head ?? "working tree" };
  if (!b && !h) throw new UsageError(`${orgDir} holds no org file at ${base} or in ${head ?? "the working tree"}; pass --org with the org directory (default org, run from the repository's top level)`);
  return { b, h, labels, day: today ?? h?.today ?? b!.today };
}

/** The valid org at a ref (undefined: the working tree); OrgInvalidError with located diagnostics otherwise. */
export function orgAt(orgDir: string, ref: string | undefined, today?: string): OrgAt {
  return readOrg(orgDir, ref === undefined ? orgDir : materialiseOrg(orgDir, ref), ref, today);
}

function readOrg(orgDir: string, dir: string, ref: string | undefined, today?: string, shared?: Map<string, unknown>): OrgAt {
  const r = validateOrg(dir, { today, shared, displayAs: shownAs(orgDir, ref) });
  refuseInvalid(r.diagnostics, ref, !r.index);
  return { org: r.org, index: r.index!, label: ref ?? "working tree", today: r.today };
}

/** How a side's file paths are shown: relative to the working directory, or `<ref>:<org dir>/...`. */
const shownAs = (orgDir: string, ref: string | undefined): string | undefined => (ref === undefined ? undefined : `${ref}:${repoPaths(orgDir).rel || "."}`);

/** The verdict on a side's diagnostics: OrgInvalidError with what refuses it (`unloaded`: its shape was invalid, so no rule ran). */
function refuseInvalid(diagnostics: Diagnostic[], ref: string | undefined, unloaded: boolean): void {
  // Expired delegations are an error today but not a reason to refuse reading history.
  const blocking = diagnostics.filter((d) => d.severity === "error" && !(ref !== undefined && d.rule === "delegation"));
  if (blocking.length > 0 || unloaded) throw new OrgInvalidError(blocking.length ? blocking : diagnostics);
}

/** Both sides of a review, as `sides` gives them, and `checked`, which settles once both sides' rules have run. */
export interface ReviewSides extends ReturnType<typeof sides> {
  /** Resolves when both sides are valid; rejects with the OrgInvalidError `sides` would have thrown (the head's first). */
  checked(): Promise<void>;
  /** With both sides present and the worker running: their credentials compared on the worker (diffCredentials). */
  credentials?(): Promise<Change[]>;
}

/**
 * `sides` on two cores, for diff and approvers: the main thread loads, indexes and plans both sides (sharing
 * the files a change does not touch), while a worker (review/rules-worker.ts) reads both too, runs the base's
 * semantic rules and builds the sending models; the head's rules run here when `checked()` is called. The
 * caller compares, then awaits `checked()` before it prints anything, so an invalid side is refused with
 * the same diagnostics, in the same order, as by `sides`. When the worker is not built (running from source:
 * the tests that call this in process), it is `sides` itself.
 */
export async function reviewSides(orgDir: string, base: string, head: string | undefined, today?: string): Promise<ReviewSides> {
  const worker = ReviewWorker.start();
  if (!worker) return { ...sides(orgDir, base, head, today), checked: async () => {} };
  try {
    const shared = new Map<string, unknown>();
    // The head's rules run on this thread once the sides are compared, the base's on the worker (which has the
    // sending models to build as well): about the same work on each.
    const h = loadedSide(orgDir, head, today, shared, worker, "here");
    let b: ReturnType<typeof loadedSide>;
    try {
      b = loadedSide(orgDir, base, today ?? h?.side.today, shared, worker, "worker");
    } catch (e) {
      // `sides` reads the head, rules included, before the base: its refusal comes first.
      await h?.check();
      throw e;
    }
    const labels = { base, head: head ?? "working tree" };
    if (!b && !h) throw new UsageError(`${orgDir} holds no org file at ${base} or in ${head ?? "the working tree"}; pass --org with the org directory (default org, run from the repository's top level)`);
    const day = today ?? h?.side.today ?? b!.side.today;
    return {
      b: b?.side,
      h: h?.side,
      labels,
      day,
      checked: async () => {
        try {
          await h?.check();
          await b?.check();
        } finally {
          if (!(b && h)) worker.stop(); // else after the credentials
        }
      },
      ...(b && h ? { credentials: () => worker.credentials(b.job, h.job, day).finally(() => worker.stop()) } : {}),
    };
  } catch (e) {
    worker.stop();
    throw e;
  }
}

/**
 * The changes between two refs (head undefined: the working tree), read as diff and approvers read them: both
 * sides (reviewSides: rules and credentials on the other core) and diffSides; an invalid side is refused before
 * anything is returned, also when comparing it failed first.
 */
export async function reviewChanges(orgDir: string, base: string, head: string | undefined): Promise<ReviewSides & { changes: Change[] }> {
  const s = await reviewSides(orgDir, base, head);
  const credentials = s.credentials?.();
  credentials?.catch(() => {}); // awaited below, once both sides are known to be valid
  let changes: Change[];
  try {
    changes = diffSides(s.b, s.h, { today: s.day, deferCredentials: credentials !== undefined });
  } catch (e) {
    await s.checked();
    throw e;
  }
  await s.checked();
  const at = changes.indexOf(DEFERRED_CREDENTIALS);
  if (credentials && at >= 0) changes.splice(at, 1, ...(await credentials));
  return { ...s, changes };
}

/**
 * One side loaded and indexed (refused here when its shape is invalid) and sent to the worker, which reads it too
 * (for the credentials); its rules run `here` when `check` is first called, or on the worker. Undefined: no org there.
 */
function loadedSide(orgDir: string, ref: string | undefined, today: string | undefined, shared: Map<string, unknown>, worker: ReviewWorker, rules: "here" | "worker"): { side: OrgAt; job: number; check: () => Promise<void> } | undefined {
  const dir = sideDir(orgDir, ref);
  if (dir === undefined) return undefined;
  const displayAs = shownAs(orgDir, ref);
  const r = loadIndexed(dir, { today, shared, displayAs });
  if (!r.index) refuseInvalid(r.diagnostics, ref, true);
  const { job, diagnostics } = worker.side({ dir, today: r.today, rules: rules === "worker", ...(displayAs !== undefined ? { displayAs } : {}) });
  let verdict: Promise<void> | undefined;
  const check = (): Promise<void> => {
    verdict ??= rules === "here" ? Promise.resolve().then(() => refuseInvalid(withRules(r).diagnostics, ref, false)) : diagnostics.then((d) => refuseInvalid(d, ref, false));
    return verdict;
  };
  return { side: { org: r.org, index: r.index!, label: ref ?? "working tree", today: r.today }, job, check };
}

/** The review's worker (review/rules-worker.ts): one per review, jobs answered in turn. */
class ReviewWorker {
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (a: ReviewAnswer) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on("message", (a: ReviewAnswer) => {
      const w = this.waiting.get(a.id);
      this.waiting.delete(a.id);
      if ("error" in a) w?.reject(new Error(a.error));
      else w?.resolve(a);
    });
    worker.on("error", (e) => this.failAll(e));
    worker.on("exit", () => this.failAll(new Error("the review's worker stopped before answering")));
  }

  /** The worker, when the CLI is built (dist/review-worker.mjs beside this module); undefined when running from source. */
  static start(): ReviewWorker | undefined {
    const url = new URL("./review-worker.mjs", import.meta.url);
    if (!import.meta.url.endsWith(".mjs") || !existsSync(url)) return undefined;
    return new ReviewWorker(new Worker(url));
  }

  /** One side read by the worker: its diagnostics (validateOrg's with `rules`), and the job's id, by which `credentials` names the side. */
  side(job: Omit<Extract<ReviewJob, { kind: "side" }>, "id" | "kind">): { job: number; diagnostics: Promise<Diagnostic[]> } {
    const id = this.next++;
    const diagnostics = this.ask({ ...job, kind: "side", id }).then((a) => (a as { diagnostics: Diagnostic[] }).diagnostics);
    diagnostics.catch(() => {}); // read by the side's check, if at all
    return { job: id, diagnostics };
  }

  /** The credentials comparer's changes between the sides two `side` jobs read. */
  credentials(base: number, head: number, today: string): Promise<Change[]> {
    return this.ask({ kind: "credentials", id: this.next++, base, head, today }).then((a) => (a as { changes: Change[] }).changes);
  }

  stop(): void {
    this.waiting.clear();
    void this.worker.terminate();
  }

  private ask(job: ReviewJob): Promise<ReviewAnswer> {
    return new Promise((resolve, reject) => {
      this.waiting.set(job.id, { resolve, reject });
      this.worker.postMessage(job);
    });
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}

export interface Commit {
  readonly sha: string;
  readonly parent: string | undefined;
  readonly author: string;
  readonly date: string;
  readonly subject: string;
}

/**
 * Refuses a shallow clone: its oldest commit has no parent to compare with, so every address in it would seem
 * to be created there. UsageError (exit 2) with the command that fetches the rest.
 */
export function requireFullHistory(orgDir: string, what: string): void {
  const { top } = repoPaths(orgDir);
  if (git(["rev-parse", "--is-shallow-repository"], top).trim() !== "true") return;
  throw new UsageError(`the repository at ${top} is a shallow clone: its history starts at a cut-off commit, which ${what} would report as the moment everything in it was created; fetch the whole history first (git fetch --unshallow; in GitHub Actions, actions/checkout with fetch-depth: 0)`);
}

/** Commits that touched the org directory, oldest first (first-parent history of `ref`). */
export function orgCommits(orgDir: string, ref = "HEAD"): Commit[] {
  const { top, rel } = repoPaths(orgDir);
  const out = git(["log", "--first-parent", "--reverse", "--format=%H%x1f%P%x1f%an%x1f%aI%x1f%s", resolveCommit(ref, top), "--", rel || "."], top);
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [sha, parents, author, date, subject] = line.split("\x1f") as [string, string, string, string, string];
      return { sha, parent: parents.split(" ")[0] || undefined, author, date, subject };
    });
}
