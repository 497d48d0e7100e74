/** What every command shares: the --org option, output formats, exit codes and error reporting. */
import { statSync } from "node:fs";
import { isIP } from "node:net";
import { Command, InvalidArgumentError, Option } from "commander";
import { formatDiagnostics, OrgInvalidError } from "../model/diagnostics.ts";
import { UsageError } from "../model/today.ts";

export const EXIT_OK = 0;
/** Invalid org, destructive change refused, or a denial from a simulator. */
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/**
 * Adds the --org option every command takes; a path that is not a directory is a usage error (exit 2), except
 * for commands that compare git refs (`mayBeAbsent`), where a removed org directory is a change to report.
 */
export function withOrg(cmd: Command, opts: { mayBeAbsent?: boolean } = {}): Command {
  return cmd.option("--org <dir>", "org directory", "org").hook("preAction", (_, action) => {
    const dir = (action.opts() as { org?: string }).org;
    if (dir !== undefined && !isDirectory(dir) && !(opts.mayBeAbsent && !pathExists(dir))) {
      process.stderr.write(`mailorg: --org ${dir} is not a directory; pass the org directory (default org, run from the repository's top level)\n`);
      process.exit(EXIT_USAGE);
    }
  });
}

function pathExists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * An address given on the command line: an RFC 5321 dot-atom local part (any atext character) and a domain of
 * DNS labels, at most 254 characters. Anything else is a usage error naming the option.
 */
export function addressArg(option: string, value: string): string {
  const atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
  const ok = value.length <= 254 && new RegExp(`^(?=[^@]{1,64}@)${atext}(?:\\.${atext})*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$`).test(value);
  if (!ok) throw new UsageError(`${option} is '${value.replace(/[\x00-\x1f\x7f]/g, "?")}'; expected an email address such as li.na@example.com`);
  return value;
}

/** A comma-separated list of addresses (--to). */
export function addressListArg(option: string, value: string): string[] {
  const list = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`${option} is empty; expected one or more addresses, comma-separated`);
  return list.map((a) => addressArg(option, a));
}

/** An IP address given on the command line (IPv4 or IPv6, no prefix length). */
export function ipArg(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (isIP(value) === 0) throw new UsageError(`${option} is '${value.replace(/[\x00-\x1f\x7f]/g, "?")}'; expected one IPv4 or IPv6 address such as 192.0.2.7 or 2001:db8::7 (no /prefix)`);
  return value;
}

/** Adds --format with the given choices (first is the default). */
export function withFormat(cmd: Command, choices: readonly string[]): Command {
  return cmd.addOption(new Option("--format <format>", "output format").choices(choices).default(choices[0]));
}

/** Parses a whole number option, for commander. */
export function intOption(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got '${v}'`);
    return n;
  };
}

/**
 * Runs a command body; its return value is the exit code. Known failures are reported without a
 * stack trace: an invalid org as sorted diagnostics (exit 1), a usage error (exit 2).
 */
export async function runCommand(body: () => Promise<number> | number): Promise<never> {
  let code: number;
  try {
    code = await body();
  } catch (err) {
    code = reportError(err);
  }
  process.exitCode = code;
  // Let stdout drain before exiting.
  await new Promise((r) => process.stdout.write("", () => r(undefined)));
  process.exit(code);
}

export function reportError(err: unknown): number {
  if (err instanceof OrgInvalidError) {
    process.stderr.write(formatDiagnostics(err.diagnostics) + "\n");
    return EXIT_FAIL;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`mailorg: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`mailorg: internal error: ${message}\n`);
  if (process.env.MAILORG_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + "\n");
  else process.stderr.write("(set MAILORG_DEBUG=1 to see where it happened)\n");
  return EXIT_INTERNAL;
}

/** Writes JSON with sorted keys and a trailing newline. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}
