/**
 * The mailorg command line: one file per command in cli/, registered here. A command module (and all it
 * imports: the org model, the framework, the sandbox's servers) is loaded only when that command runs; help
 * and unknown commands load them all, `--version` none.
 */
import { readFileSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { Command, CommanderError } from "commander";
import { EXIT_USAGE } from "./common.ts";

type Register = (program: Command) => void;

/** Every command, in the order `mailorg --help` lists them. */
const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  validate: () => import("./validate.ts"),
  synth: () => import("./synth.ts"),
  dns: () => import("./dns.ts"),
  route: () => import("./route.ts"),
  "can-send": () => import("./can-send.ts"),
  sandbox: () => import("./sandbox.ts"),
  signature: () => import("./signature.ts"),
  diff: () => import("./diff.ts"),
  approvers: () => import("./approvers.ts"),
  owners: () => import("./owners.ts"),
  audit: () => import("./audit.ts"),
  stacks: () => import("./stacks.ts"),
  "bootstrap-state": () => import("./bootstrap-state.ts"),
  "bootstrap-ci": () => import("./bootstrap-ci.ts"),
  init: () => import("./init.ts"),
  import: () => import("./import.ts"),
  "mailhost-config": () => import("./mailhost-config.ts"),
  logins: () => import("./logins.ts"),
  migrate: () => import("./migrate.ts"),
};

/** The commands argv needs: the one it names, none for --version alone, every one otherwise (help, typos). */
export function commandsFor(argv: readonly string[]): string[] {
  const first = argv.find((a) => !a.startsWith("-"));
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (first === undefined && argv.length > 0 && argv.every((a) => a === "-V" || a === "--version")) return [];
  return Object.keys(COMMANDS);
}

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

// V8's compile cache (Node 22.1+): the modules a command loads are compiled once per machine, not at every call.
enableCompileCache?.();
await main(process.argv.slice(2));
