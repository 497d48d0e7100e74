/** `mailorg owners`: a CODEOWNERS file from department admins and organisation owners. */
import type { Command } from "commander";
import { loadValidOrg } from "../model/validate.ts";
import { repoPaths } from "../review/git.ts";
import { codeowners } from "../review/owners.ts";
import { EXIT_FAIL, EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program.command("owners").description("print a CODEOWNERS file (npx mailorg owners > .github/CODEOWNERS): department admins own their department's org files, organisation owners the rest");
  withOrg(cmd);
  cmd.action((opts: { org: string }) =>
    runCommand(() => {
      const { org, index, sources } = loadValidOrg(opts.org);
      if (!(org.organisation.owners ?? []).length) {
        // Without them the code and every file whose department has no admins would have no owner.
        process.stderr.write(`mailorg: organisation.owners is empty in ${opts.org}: CODEOWNERS needs them for the code and as every org file's fallback owner (add owners: ["@your-org/mail-admins"])\n`);
        return EXIT_FAIL;
      }
      process.stdout.write(codeowners(org, index, sources, repoPaths(opts.org)));
      return EXIT_OK;
    }),
  );
}
