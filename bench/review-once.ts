/**
 * Reviews of a one-member change at scale (issue #31, item 5), as docs/performance.md measures them: a git
 * repository of a generated org with a mailbox host, a commit renaming one member and one adding a member, then
 * the built CLI's `diff HEAD~1 --org org` and `approvers HEAD~1 --org org` (head: the working tree), each run in
 * a fresh process under /usr/bin/time. Prints one Markdown row per run: wall, CPU (user + sys, both threads),
 * peak RSS, and the 1-minute load average just before it (the machine is shared: compare CPU across days).
 *   tsx bench/review-once.ts <members> [runs]     (default 50000 members, 3 runs)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateOrg } from "./generate.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const members = Number(process.argv[2] ?? 50000);
const runs = Number(process.argv[3] ?? 3);
if (!Number.isInteger(members) || members < 10 || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write("usage: tsx bench/review-once.ts <members> [runs]\n");
  process.exit(2);
}

const repo = mkdtempSync(join(tmpdir(), "mailorg-review-bench-"));
generateOrg(members, join(repo, "org"), 42, { mailboxHost: true });
const git = (...args: string[]): string => execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], { cwd: repo, encoding: "utf8" });
git("init", "-q", "-b", "main");
git("add", "-A");
git("commit", "-q", "-m", "the org");

/** One change to the first members file: `rename` the first member, or `add` one at its end. */
function change(kind: "rename" | "add"): void {
  const file = join(repo, "org/members/d1.yaml");
  const text = readFileSync(file, "utf8");
  if (kind === "rename") writeFileSync(file, text.replace(/\n {4}name: ([^\n]+)/, "\n    name: $1 junior"));
  else appendFileSync(file, "  - address: new.person.bench@example.com\n    name: new person\n    title: Staff\n    departments:\n      - d1\n");
  git("commit", "-q", "-am", kind);
}

/** Runs the built CLI once under /usr/bin/time: wall s, CPU s, peak RSS MB, exit code. */
function timed(args: string[]): { wall: number; cpu: number; rssMb: number; status: number | null; load: number } {
  const load = loadavg()[0]!;
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", process.execPath, join(ROOT, "bin/mailorg.mjs"), ...args], { cwd: repo, env: { ...process.env, MAILORG_TODAY: "2026-06-01" }, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  const [wall, user, sys, kb] = r.stderr.trim().split("\n").at(-1)!.split(" ").map(Number) as [number, number, number, number];
  return { wall, cpu: user + sys, rssMb: kb / 1024, status: r.status, load };
}

console.log(`reviews of a one-member change, ${members} members, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log("| change | command | run | wall s | CPU s (user+sys) | peak RSS MB | exit | load (1 min) |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const kind of ["rename", "add"] as const) {
  change(kind);
  for (const cmd of ["diff", "approvers"]) {
    for (let i = 1; i <= runs; i++) {
      const t = timed([cmd, "HEAD~1", "--org", "org"]);
      console.log(`| ${kind} a member | ${cmd} | ${i} | ${t.wall.toFixed(2)} | ${t.cpu.toFixed(2)} | ${t.rssMb.toFixed(0)} | ${t.status} | ${t.load.toFixed(2)} |`);
    }
  }
}
