/** `mailorg owners`: a CODEOWNERS file from department admins and organisation owners. */
import type { Command } from "commander";
import { repoPaths } from "../review/git.ts";
import { loadValidOrg } from "../model/validate.ts";
import { codeowners } from "../review/owners.ts";
import { relative, resolve } from "node:path";
import { EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program.command("owners").description("print a CODEOWNERS file: department admins own their department's org entries");
  withOrg(cmd);
  cmd.action((opts: { org: string }) =>
    runCommand(() => {
      const { org, index, sources } = loadValidOrg(opts.org);
      // Source paths are relative to the working directory; CODEOWNERS wants them relative to the repository.
      let prefix = "";
      try {
        prefix = relative(repoPaths(opts.org).top, resolve(".")).split("\\").join("/");
        if (prefix) prefix += "/";
      } catch {
        prefix = "";
      }
      process.stdout.write(codeowners(org, index, sources, prefix));
      return EXIT_OK;
    }),
  );
}
