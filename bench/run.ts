/**
 * `npm run bench` (full: N = 100, 1,000, 5,000, 10,000, 20,000, 50,000; from 10,000 on the org has a mailbox host,
 * so members need no IAM user) and `npm run bench -- --short` (100 and 1,000):
 * generates orgs with bench/generate.ts and prints tables of medians over fresh processes; then the router
 * with N recipients (100, 1,000, 5,000) against mocked S3 and SQS (bench/router-once.ts), and the built CLI's
 * start-up against a bare node (`-- --router` runs only the router and CLI tables, `-- --cli` only the CLI's;
 * `-- --mailhost` only the mailbox host on the sandbox, bench/mailhost-once.ts, and at 1,000, 10,000 and 50,000
 * members, bench/mailhost-scale-once.ts).
 * Read docs/performance.md for what the columns mean. Prints numbers; asserts nothing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { generateOrg } from "./generate.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSX = join(ROOT, "node_modules/tsx/dist/cli.mjs");

const short = process.argv.includes("--short");
/** Only the CLI start-up table (`npm run bench -- --cli`). */
const cliOnly = process.argv.includes("--cli");
/** Only the router table (`npm run bench -- --router`). */
const routerOnly = process.argv.includes("--router") || cliOnly;
const sizes = short ? [100, 1000] : [100, 1000, 5000, 10000, 20000, 50000];
/** Past IAM's 5,000 users per account an org needs a mailbox host (members' accounts live there, no IAM user each). */
const HOST_FROM = 10000;
/** Router fan-outs: one run each past 5,000 (a 50,000 fan-out delivers 200 batches one after another here). */
const routerSizes = short ? [100, 1000] : [100, 1000, 5000, 20000, 50000];
const runs = Number(process.env.BENCH_RUNS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runJson(script: string, args: string[], env: Record<string, string> = {}): Record<string, number> {
  const r = spawnSync(process.execPath, [TSX, join(ROOT, script), ...args], { encoding: "utf8", cwd: ROOT, env: { ...process.env, ...env } });
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

/** Only the mailbox host on the sandbox (`npm run bench -- --mailhost`; needs root and Debian's postfix, dovecot-imapd, dovecot-lmtpd). */
if (process.argv.includes("--mailhost")) {
  const samples = Array.from({ length: runs }, () => runJson("bench/mailhost-once.ts", ["1000", "1000", "100", "1000", "2000"]));
  const m = (k: string): number => median(samples.map((s) => s[k]!));
  console.log(`mailorg bench --mailhost: ${new Date().toISOString().slice(0, 10)}, node ${process.version}, medians of ${runs} fresh sandboxes`);
  table(
    "mailbox host on the sandbox (Postfix 3.7 -> LMTP -> Dovecot 2.3.19, 1,000 mailboxes, bcrypt cost 10)",
    ["deliveries/s (1,000 x 3 KB, 8 relay connections)", "IMAPS login + SELECT p50 ms", "p95 ms", "KB per connected IMAP session (PSS, 100 open)", "IMAPS sessions held of 2,000 at once", "KB per session (all Dovecot processes, 2,000 open)", "migration msgs/s (doveadm sync, 1,000 x 1 KB)"],
    [[m("deliveredPerSec").toFixed(0), m("loginP50Ms").toFixed(0), m("loginP95Ms").toFixed(0), m("imapPssKbPerConnection").toFixed(0), m("sessionsHeld").toFixed(0), m("sessionPssKb").toFixed(0), m("migrateMsgsPerSec").toFixed(0)]],
  );
  // Members' submissions through the host's enforcement (policy service + SES relay) at 5,000 members.
  const submits = Array.from({ length: runs }, () => runJson("bench/mailhost-submit-once.ts", ["5000", "300"]));
  const s = (k: string): number => median(submits.map((x) => x[k]!));
  table(
    "members' submissions through the host's enforcement (5,000 members; 300 messages on 8 authenticated 587 connections; SES relay to a local sink)",
    ["decision p50 us (in process)", "p95 us", "policy service p50 us (sender + recipient)", "p95 us", "policy service start ms (whole input)", "start ms (split by address, as on the host)", "p50 us (split)", "accepted submissions/s", "relayed/s"],
    [[s("decisionP50Us").toFixed(0), s("decisionP95Us").toFixed(0), s("policyP50Us").toFixed(0), s("policyP95Us").toFixed(0), s("policyLoadMs").toFixed(0), s("policySplitLoadMs").toFixed(0), s("policySplitP50Us").toFixed(0), s("acceptedPerSec").toFixed(1), s("relayedPerSec").toFixed(1)]],
  );
  // The host at scale: a generated org with a mailbox host, one run each (a 50,000-member sandbox takes minutes).
  const scale = [1000, 10000, 50000].map((n) => runJson("bench/mailhost-scale-once.ts", [String(n), "500", "50"]));
  table(
    "the host at scale (generated org with a mailbox host; sync = mailorg-sync --local with every check; one run each)",
    ["members", "object MB", "sync: first install ms", "one member added ms", "unchanged ms", "password write ms (store + 2 passwd-files)", "sandbox start ms", "deliveries/s (500 x 3 KB)", "IMAPS login + SELECT p50 ms", "p95 ms", "login after a passwd-file change ms"],
    scale.map((x) => [x.members!, x.objectMb!.toFixed(1), x.syncFirstMs!.toFixed(0), x.syncChangeMs!.toFixed(0), x.syncUnchangedMs!.toFixed(0), x.passwordWriteMs!.toFixed(1), x.sandboxStartMs!.toFixed(0), x.deliveredPerSec!.toFixed(0), x.loginP50Ms!.toFixed(0), x.loginP95Ms!.toFixed(0), x.loginAfterChangeMs!.toFixed(0)]),
  );
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), "mailorg-bench-"));
try {
  console.log(`mailorg bench: ${new Date().toISOString().slice(0, 10)}, node ${process.version}, medians of ${runs} fresh processes${short ? " (short)" : ""}`);
  const rows: (string | number)[][] = [];
  for (const n of routerOnly ? [] : sizes) {
    const dir = join(work, `org-${n}`);
    const g = generateOrg(n, dir, 42, { mailboxHost: n >= HOST_FROM });
    const samples = Array.from({ length: runs }, () => runJson("bench/validate-once.ts", [dir]));
    const m = (k: string): number => median(samples.map((s) => s[k]!));
    rows.push([n, n >= HOST_FROM ? "yes" : "no", g.files, m("parseSchemaMs").toFixed(0), m("rulesMs").toFixed(1), m("totalMs").toFixed(0), m("cpuMs").toFixed(0), m("peakRssMb").toFixed(0), m("findings"), m("addresses"), m("receiptRules"), m("routerRefuses") ? "router" : "SES"]);
  }
  if (!routerOnly) table("validate (in-process phases; excludes node/tsx start-up)", ["members", "host", "files", "parse+schema ms", "rules ms (after parsing)", "total ms", "CPU ms", "peak RSS MB", "findings", "SES recipient addresses", "receipt rules (max 200)", "unknown recipients refused by"], rows);

  // Synthesis against the floor: a bare cdktf program making the same resources (bench/floor.ts).
  const synthRows: (string | number)[][] = [];
  const wholeRows: (string | number)[][] = [];
  for (const n of routerOnly ? [] : sizes) {
    const dir = join(work, `org-${n}`);
    const mine: Record<string, number>[] = [];
    const floor: Record<string, number>[] = [];
    const traces: Record<string, number>[] = [];
    for (let i = 0; i < runs; i++) {
      const out = join(work, `out-${n}-${i}`);
      mine.push(runJson("bench/synth-once.ts", [dir, out]));
      floor.push(runJson("bench/floor.ts", [out, join(work, `floor-${n}-${i}`)]));
      if (i === 0) traces.push(runJson("bench/synth-once.ts", [dir, join(work, `traces-${n}`)], { MAILORG_DEBUG: "1" }));
      rmSync(join(work, `floor-${n}-${i}`), { recursive: true, force: true });
    }
    const med = (xs: Record<string, number>[], k: string): number => median(xs.map((x) => x[k]!));
    synthRows.push([
      n,
      n >= HOST_FROM ? "yes" : "no",
      med(mine, "stacks"),
      med(mine, "resources"),
      med(mine, "maxStack"),
      med(mine, "ms").toFixed(0),
      med(mine, "cpuMs").toFixed(0),
      med(floor, "ms").toFixed(0),
      (med(mine, "ms") / med(floor, "ms")).toFixed(2),
      med(mine, "peakRssMb").toFixed(0),
      med(floor, "peakRssMb").toFixed(0),
      traces[0]!.ms!.toFixed(0),
      med(mine, "routerZipKb").toFixed(0),
      med(mine, "routingTableKb").toFixed(0),
    ]);
    // The whole `npm run synth` a user runs: process start, imports, validation, synthesis.
    const wall: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, "dist/main.mjs")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, MAILORG_ORG_DIR: dir, CDKTF_OUTDIR: join(work, `whole-${n}`), MAILORG_TODAY: "2026-06-01" } });
      if (r.status !== 0) throw new Error(`npm run synth failed for ${n}: ${r.stderr}`);
      wall.push(performance.now() - t0);
    }
    wholeRows.push([n, median(wall).toFixed(0)]);
    for (let i = 0; i < runs; i++) rmSync(join(work, `out-${n}-${i}`), { recursive: true, force: true });
  }
  if (!routerOnly) table(
    "synth vs the cdktf floor (construct + synth, after imports; alternated, medians)",
    ["members", "host", "stacks", "resources", "largest stack", "mailorg ms", "mailorg CPU ms", "floor ms", "ratio", "mailorg RSS MB", "floor RSS MB", "mailorg ms with token traces", "router zip KB", "routing table KB"],
    synthRows,
  );
  if (!routerOnly && sizes.some((n) => n >= HOST_FROM)) console.log(`(host yes: from ${HOST_FROM} members the org has a mailbox host, so members need no IAM user; Lambda allows a 50 MB zip, 250 MB unzipped)`);
  if (!routerOnly) table("whole `npm run synth` (wall, including node/tsx start-up and imports)", ["members", "wall ms"], wholeRows);

  if (!cliOnly) routerTable();
  cliTable();
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * The CLI as a user starts it, against a bare `node -e 0` measured in the same run: the three commands are
 * alternated (so a busy machine slows all of them alike) and each ratio is a ratio of medians. Targets (issue 19):
 * `--version` within 4x, `validate` of the example org within 10x.
 */
function cliTable(): void {
  const n = Number(process.env.BENCH_CLI_RUNS ?? 15);
  const cli = join(ROOT, "dist/cli.mjs");
  const cases: [string, string[]][] = [
    ["node -e 0", ["-e", "0"]],
    ["mailorg --version", [cli, "--version"]],
    ["mailorg validate (example org)", [cli, "validate", "--org", join(ROOT, "org")]],
  ];
  const samples = cases.map((): number[] => []);
  spawnSync(process.execPath, [cli, "validate", "--org", join(ROOT, "org")]); // fills V8's compile cache, as any earlier call does
  for (let i = 0; i < n; i++) {
    cases.forEach(([, args], k) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${cases[k]![0]} failed (${r.status}): ${r.stderr}`);
      samples[k]!.push(performance.now() - t0);
    });
  }
  const floor = median(samples[0]!);
  table(
    `CLI start-up (wall ms, medians of ${n} alternated runs, built CLI; ratio to node -e 0 in the same run)`,
    ["command", "median ms", "ratio", "target"],
    cases.map(([name], k) => [name, median(samples[k]!).toFixed(0), (median(samples[k]!) / floor).toFixed(2), ["", "<= 4", "<= 10"][k]!]),
  );
}

function routerTable(): void {
  // The router: one message to a group of N members, mocked S3/SQS with realistic latency (bench/router-once.ts).
  const routerRows: (string | number)[][] = [];
  for (const n of routerSizes) {
    const samples = Array.from({ length: n > 5000 ? 1 : runs }, () => runJson("bench/router-once.ts", [String(n)]));
    const m = (k: string): number => median(samples.map((s) => s[k]!));
    routerRows.push([n, m("copies"), m("batches"), m("sesMs").toFixed(0), m("maxBatchMs").toFixed(0), m("totalMs").toFixed(0), m("peakHeapMb").toFixed(0), m("peakRssMb").toFixed(0)]);
  }
  table(
    "router: one message to a group of N (mocked S3 25-45 ms per copy, 16 in flight; > 500 copies go to SQS batches of 250)",
    ["recipients", "copies", "queued batches", "SES invocation ms", "largest batch ms", "total ms (batches in sequence)", "peak heap MB", "peak RSS MB"],
    routerRows,
  );
}
