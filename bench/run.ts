/**
 * `npm run bench` (full: N = 100, 1,000, 5,000, 10,000) and `npm run bench -- --short` (100 and 1,000):
 * generates orgs with bench/generate.ts and prints tables of medians over fresh processes.
 * Read docs/performance.md for what the columns mean. Prints numbers; asserts nothing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateOrg } from "./generate.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSX = join(ROOT, "node_modules/tsx/dist/cli.mjs");

const short = process.argv.includes("--short");
const sizes = short ? [100, 1000] : [100, 1000, 5000, 10000];
const runs = Number(process.env.BENCH_RUNS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runJson(script: string, args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, [TSX, join(ROOT, script), ...args], { encoding: "utf8", cwd: ROOT });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

function table(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  cells.forEach((r, k) => {
    console.log("| " + r.map((c, i) => (k === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") + " |");
    if (k === 0) console.log("| " + widths.map((w) => "-".repeat(w - 1) + ":").join(" | ") + " |");
  });
}

const work = mkdtempSync(join(tmpdir(), "mailorg-bench-"));
try {
  console.log(`mailorg bench: ${new Date().toISOString().slice(0, 10)}, node ${process.version}, medians of ${runs} fresh processes${short ? " (short)" : ""}`);
  const rows: (string | number)[][] = [];
  for (const n of sizes) {
    const dir = join(work, `org-${n}`);
    const g = generateOrg(n, dir);
    const samples = Array.from({ length: runs }, () => runJson("bench/validate-once.ts", [dir]));
    const m = (k: string): number => median(samples.map((s) => s[k]!));
    rows.push([n, g.files, m("parseSchemaMs").toFixed(0), m("rulesMs").toFixed(1), m("totalMs").toFixed(0), m("peakRssMb").toFixed(0), m("findings")]);
  }
  table("validate (in-process phases; excludes node/tsx start-up)", ["members", "files", "parse+schema ms", "rules ms (after parsing)", "total ms", "peak RSS MB", "findings"], rows);
} finally {
  rmSync(work, { recursive: true, force: true });
}
