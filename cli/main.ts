/** The mailorg command line: one file per command in cli/, registered here. */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { EXIT_USAGE } from "./common.ts";
import { register as approvers } from "./approvers.ts";
import { register as audit } from "./audit.ts";
import { register as bootstrapState } from "./bootstrap-state.ts";
import { register as canSend } from "./can-send.ts";
import { register as diff } from "./diff.ts";
import { register as dns } from "./dns.ts";
import { register as logins } from "./logins.ts";
import { register as mailhostConfig } from "./mailhost-config.ts";
import { register as migrate } from "./migrate.ts";
import { register as owners } from "./owners.ts";
import { register as route } from "./route.ts";
import { register as sandbox } from "./sandbox.ts";
import { register as signature } from "./signature.ts";
import { register as stacks } from "./stacks.ts";
import { register as synth } from "./synth.ts";
import { register as validate } from "./validate.ts";

export function buildProgram(): Command {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  const program = new Command("mailorg")
    .description("a company's mail organisation as code on Amazon SES")
    .version(version, "-V, --version", "print mailorg's version")
    // Commander's own errors (unknown option, missing argument, bad choice) in the style of every other error:
    // one line, prefixed "mailorg:". Set before the commands are added, so that they inherit it.
    .configureOutput({ outputError: (text, write) => write(`${text.trim().replace(/^error: /, "mailorg: ").replace(/\.$/, "")} (see mailorg --help)\n`) })
    .exitOverride();
  for (const register of [validate, synth, dns, route, canSend, sandbox, signature, diff, approvers, owners, audit, stacks, bootstrapState, mailhostConfig, logins, migrate]) register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // "commander.help" is help shown because no command was given: a usage error.
      const ok = err.code === "commander.helpDisplayed" || err.code === "commander.version";
      process.exit(ok ? 0 : EXIT_USAGE);
    }
    throw err;
  }
}

await main(process.argv.slice(2));
