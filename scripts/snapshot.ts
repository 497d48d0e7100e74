/** Prints the sha256 of every file the example org synthesizes (test/output-snapshot.test.ts compares them). */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { synthesize } from "../constructs/synth.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

/** `sha256  stacks/<stack>/<file>` lines, sorted, as `sha256sum` prints them. */
export function outputHashes(): string {
  const out = join(mkdtempSync(join(tmpdir(), "mailorg-snapshot-")), "out");
  synthesize({ orgDir: join(ROOT, "org"), outDir: out, today: "2026-06-01" });
  const lines = files(join(out, "stacks")).map((f) => `${createHash("sha256").update(readFileSync(f)).digest("hex")}  ${relative(out, f).split(sep).join("/")}`);
  return lines.sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1)).join("\n") + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.stdout.write(outputHashes());
