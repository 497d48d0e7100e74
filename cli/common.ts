/** What every command shares: the --org option, output formats, exit codes and error reporting. */
import { Command, InvalidArgumentError, Option } from "commander";
import { formatDiagnostics, OrgInvalidError } from "../model/diagnostics.ts";
import { UsageError } from "../model/today.ts";

export const EXIT_OK = 0;
/** Invalid org, destructive change refused, or a denial from a simulator. */
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** Adds the --org option every command takes. */
export function withOrg(cmd: Command): Command {
  return cmd.option("--org <dir>", "org directory", "org");
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
