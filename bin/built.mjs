/**
 * The built CLI (dist/), rebuilt first when it is missing or older than any source it is made from, so that a
 * checkout edited or pulled since `npm ci` never runs stale code. The check stats the source folders (about a
 * hundred files, ~1 ms); the build, when needed, takes esbuild well under a second.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/**
 * Top-level folders that are not built into the CLI. Every other folder is an input (the sources, and schemas/,
 * whose validator the build compiles ahead of time): derived, so that a new source folder is never missed.
 */
const NOT_INPUTS = new Set(["bench", "bin", "dist", "docs", "examples", "node_modules", "org", "reports", "test", ".git", ".ci"]);
const FILES = ["main.ts", "package.json", "scripts/build.mjs"];

/** The folders and files the build reads, relative to root. */
export function buildInputs(root = ROOT) {
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !NOT_INPUTS.has(e.name) && !e.name.startsWith("dist.") && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  return [...dirs, ...FILES];
}

function newest(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** Rebuilds dist/ when stale; returns the path of the built entry (`cli` or `main`). */
export async function built(entry) {
  let stamp = 0;
  try {
    stamp = statSync(join(ROOT, "dist/.build-stamp")).mtimeMs;
  } catch {
    stamp = 0;
  }
  const sources = Math.max(...buildInputs().map((p) => newest(join(ROOT, p))));
  if (stamp === 0 || sources > stamp) {
    const { build } = await import("../scripts/build.mjs");
    await build();
  }
  return join(ROOT, "dist", `${entry}.mjs`);
}
