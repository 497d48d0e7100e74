/** Test helpers: temporary org directories and running the real CLI. */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The smallest valid organisation file, for tests to extend. */
export const BASE_ORG = `organisation:
  name: Test Co
  region: eu-west-1
  default_department: hq
domains:
  - name: example.com
departments:
  - id: hq
    name: Head Office
`;

/** Writes files (relative path -> content) into a new temporary directory and returns it. */
export function writeOrg(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mailorg-test-"));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** The built CLI (test/global-setup.ts builds it before any test runs). */
export const CLI = join(ROOT, "dist/cli.mjs");

/** The command line that runs `mailorg <args>` as a user would (the built CLI): [executable, ...arguments]. */
export function cliCommand(args: string[]): [string, ...string[]] {
  return [process.execPath, CLI, ...args];
}

/**
 * Starts `mailorg <args>` without waiting (a server: the sandbox), with runCli's environment; with npx, as
 * `npx mailorg <args>` from the repository (npm exec and its shell in between, as users run it).
 */
export function startCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; npx?: boolean } = {}): ChildProcessWithoutNullStreams {
  const [exe, ...rest] = opts.npx ? ["npx", "--no-install", "mailorg", ...args] : cliCommand(args);
  return spawn(exe, rest, { cwd: opts.npx ? ROOT : (opts.cwd ?? ROOT), env: { ...process.env, MAILORG_TODAY: "2026-06-01", ...opts.env } });
}

/** Runs `mailorg <args>` as a user would (the built CLI), in cwd (default the repo root). */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const [exe, ...rest] = cliCommand(args);
  const r = spawnSync(exe, rest, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, MAILORG_TODAY: "2026-06-01", ...opts.env },
    encoding: "utf8",
    timeout: opts.timeoutMs,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Validates an org made of BASE_ORG plus extra files, returning the formatted diagnostics (one string each). */
export async function findings(files: Record<string, string>, opts: { rule?: string; today?: string } = {}): Promise<string[]> {
  const { validatePlan } = await import("../plan/validate.ts");
  const { formatDiagnostic } = await import("../model/diagnostics.ts");
  const dir = writeOrg({ "a.yaml": BASE_ORG, ...files });
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const r = validatePlan(".", { today: opts.today ?? "2026-06-01" });
    return r.diagnostics.filter((d) => !opts.rule || d.rule === opts.rule).map(formatDiagnostic);
  } finally {
    process.chdir(cwd);
  }
}

/** Every file below dir (relative path -> content), in sorted order. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out[rel + e.name] = readFileSync(join(d, e.name), "utf8");
    }
  };
  walk(dir, "");
  return out;
}

/** A new git repository in a temporary directory with `files` committed as its first commit. */
export function tempGitRepo(files: Record<string, string>): { repo: string; git: (...args: string[]) => string; commit: (message: string) => void } {
  const repo = writeOrg(files);
  const git = (...args: string[]): string => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
  const commit = (message: string): void => {
    git("add", "-A");
    git("-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", message);
  };
  git("init", "-q", "-b", "main");
  commit("initial");
  return { repo, git, commit };
}

/** Loads a zone fragment into a zone with SOA and NS and asserts named-checkzone accepts it. */
export function checkZone(origin: string, fragment: string): void {
  const which = spawnSync("named-checkzone", ["-v"], { encoding: "utf8" });
  if (which.error) throw new Error("named-checkzone is not installed (apt-get install bind9-utils; .ci/run does it)");
  const zone = join(mkdtempSync(join(tmpdir(), "zone-")), "z.zone");
  writeFileSync(zone, `$TTL 600\n@ IN SOA ns1.${origin}. hostmaster.${origin}. 1 7200 3600 1209600 600\n@ IN NS ns1.${origin}.\nns1 IN A 192.0.2.53\n` + fragment);
  const check = spawnSync("named-checkzone", ["-i", "local", origin, zone], { encoding: "utf8" });
  expect(check.stdout + check.stderr).toContain("OK");
  expect(check.status).toBe(0);
}
