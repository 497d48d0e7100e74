/**
 * The built CLI (dist/), rebuilt first when it is missing or older than any source it is made from, so that a
 * checkout edited or pulled since `npm ci` never runs stale code. The check stats the source folders (about a
 * hundred files, ~1 ms); the build, when needed, takes esbuild well under a second.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCES = ["adopt", "cli", "model", "plan", "review", "simulate", "runtime", "constructs", "mailhost"];
const FILES = ["main.ts", "package.json", "scripts/build.mjs"];

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
  const sources = Math.max(...SOURCES.map((d) => newest(join(ROOT, d))), ...FILES.map((f) => newest(join(ROOT, f))));
  if (stamp === 0 || sources > stamp) {
    const { build } = await import("../scripts/build.mjs");
    await build();
  }
  return join(ROOT, "dist", `${entry}.mjs`);
}
