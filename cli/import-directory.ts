/** `mailorg import FILE --format F --out DIR`: registered by cli/import.ts. */
import type { Command } from "commander";

export function registerDirectoryImport(cmd: Command): void {
  void cmd;
}
