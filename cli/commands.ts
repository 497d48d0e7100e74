/**
 * Every mailorg command and the module that registers it, loaded only when needed (cli/main.ts): a command
 * line loads the command it names, `--version` none, help and unknown commands all of them.
 */
import type { Command } from "commander";

type Register = (program: Command) => void;

/** Every command, in the order `mailorg --help` lists them. */
export const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
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
  plan: () => import("./plan.ts"),
  apply: () => import("./apply.ts"),
  "bootstrap-state": () => import("./bootstrap-state.ts"),
  "bootstrap-ci": () => import("./bootstrap-ci.ts"),
  init: () => import("./init.ts"),
  import: () => import("./import.ts"),
  "mailhost-config": () => import("./mailhost-config.ts"),
  "client-profile": () => import("./client-profile.ts"),
  "address-book": () => import("./address-book.ts"),
  logins: () => import("./logins.ts"),
  migrate: () => import("./migrate.ts"),
  cutover: () => import("./cutover.ts"),
  cost: () => import("./cost.ts"),
  password: () => import("./password.ts"),
};

/** The commands argv needs: the one it names, none for --version alone, every one otherwise (help, typos). */
export function commandsFor(argv: readonly string[]): string[] {
  const first = argv.find((a) => !a.startsWith("-"));
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (first === undefined && argv.length > 0 && argv.every((a) => a === "-V" || a === "--version")) return [];
  return Object.keys(COMMANDS);
}

