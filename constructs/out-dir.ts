/**
 * Synthesis writes only what it owns. The output directory keeps a record of the files synth wrote
 * (OWNED_RECORD); a later synth replaces those, deletes the ones it no longer writes, and leaves everything
 * else alone: state files, `.terraform/` directories, saved plans. A directory holding files that synth did
 * not write is refused, so `--out ~` cannot touch a home directory.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { UsageError } from "../model/today.ts";
import type { OutputSource } from "../plan/fingerprint.ts";

/** The record of what synth wrote, relative to the output directory. */
export const OWNED_RECORD = ".mailorg-synth.json";

interface OwnedRecord {
  readonly generator: "mailorg";
  readonly files: string[];
  /** What the output was made from (readers such as `mailorg stacks` refuse a stale output). */
  readonly source?: OutputSource;
}

/** The source an output directory's record names, if any. */
export function recordedSource(outDir: string): Partial<OutputSource> | undefined {
  const record = join(outDir, OWNED_RECORD);
  if (!existsSync(record)) return undefined;
  return (JSON.parse(readFileSync(record, "utf8")) as Partial<OwnedRecord>).source;
}

/** Is this a path synth writes (relative to the output directory, '/'-separated)? */
function isSynthPath(rel: string): boolean {
  return rel === "manifest.json" || /^stacks\/[^/]+\/cdk\.tf\.json$/.test(rel) || /^stacks\/[^/]+\/assets\//.test(rel);
}

function walk(dir: string, root: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (lstatSync(p).isDirectory()) walk(p, root, out);
    else out.push(relative(root, p).split(sep).join("/"));
  }
  return out;
}

/**
 * Checks that synth may write into `outDir` and returns the files an earlier synth wrote there. Refuses
 * (exit 2) a path that is a file, and a non-empty directory synth has never written to, unless it holds only
 * an earlier cdktf output (manifest.json and stacks/), whose synthesized files are then taken over.
 */
export function claimOutDir(outDir: string): Set<string> {
  if (!existsSync(outDir)) return new Set();
  if (!statSync(outDir).isDirectory()) throw new UsageError(`--out ${outDir} is an existing file, not a directory; pass a directory (it is created when missing)`);
  const record = join(outDir, OWNED_RECORD);
  if (existsSync(record)) {
    const parsed = JSON.parse(readFileSync(record, "utf8")) as Partial<OwnedRecord>;
    return new Set((parsed.files ?? []).filter(isSynthPath));
  }
  const entries = readdirSync(outDir);
  const foreign = entries.filter((e) => !["manifest.json", "stacks", "state"].includes(e));
  if (foreign.length > 0 || (entries.length > 0 && !entries.includes("manifest.json"))) {
    const shown = (foreign.length ? foreign : entries).slice(0, 3).join(", ");
    throw new UsageError(`--out ${outDir} holds files mailorg did not write (${shown}); synthesise into a new or empty directory, or one an earlier mailorg synth wrote`);
  }
  return new Set(walk(outDir, outDir).filter(isSynthPath));
}

/** After synthesis: deletes what an earlier synth wrote and this one did not, and records what this one wrote. */
export function recordOutput(outDir: string, previous: ReadonlySet<string>, source?: OutputSource): void {
  const written = walk(outDir, outDir).filter(isSynthPath);
  const now = new Set(written);
  for (const rel of previous) {
    if (now.has(rel)) continue;
    const p = join(outDir, rel);
    if (!existsSync(p)) continue;
    unlinkSync(p);
    // Remove directories the deleted file leaves empty, up to the stack's directory.
    for (let d = dirname(p); relative(outDir, d).split(sep).length > 2 && readdirSync(d).length === 0; d = dirname(d)) rmdirSync(d);
  }
  const record: OwnedRecord = { generator: "mailorg", files: written, ...(source ? { source } : {}) };
  writeFileSync(join(outDir, OWNED_RECORD), JSON.stringify(record, null, 1) + "\n");
}
