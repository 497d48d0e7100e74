/**
 * The mailorg command line: one file per command in cli/, registered here. A command module (and all it
 * imports: the org model, the framework, the sandbox's servers) is loaded only when that command runs; help
 * and unknown commands load them all, `--version` none.
 */
import { readFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { Command, CommanderError } from "commander";
import { COMMANDS, commandsFor } from "./commands.ts";
import { EXIT_USAGE } from "./common.ts";

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  const program = new Command("mailorg")
    .description("a company's mail organisation as code on Amazon SES")
    .version(version, "-V, --version", "print mailorg's version")
    // Commander's own errors (unknown option, missing argument, bad choice) in the style of every other error:
    // one line, prefixed "mailorg:". Set before the commands are added, so that they inherit it.
    .configureOutput({ outputError: (text, write) => write(`${text.trim().replace(/^error: /, "mailorg: ").replace(/\.$/, "")} (see mailorg --help)\n`) })
    .exitOverride()
    // Each command's options belong to it: `import dns ... --format json` is dns's --format, not import's.
    .enablePositionalOptions();
  const modules = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!()));
  for (const m of modules) m.register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
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

// V8's compile cache (Node 22.1+; absent on 22.0): the modules a command loads are compiled once per machine, not at every call.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await main(process.argv.slice(2));
