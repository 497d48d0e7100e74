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
      const { text, unsafe } = codeowners(org, index, sources, repoPaths(opts.org));
      if (unsafe.length) {
        // Written as is, such a name is a glob in CODEOWNERS (owning other files too) or an invalid line.
        for (const u of unsafe) process.stderr.write(`mailorg: ${u.path}: the name holds ${u.chars.map((c) => `'${c.replace(/[\x00-\x1f\x7f]/g, "?")}'`).join(", ")}, which CODEOWNERS reads as a pattern and cannot escape; rename it using letters, digits, '.', '-', '_' and spaces\n`);
        return EXIT_FAIL;
      }
      process.stdout.write(text);
      return EXIT_OK;
    }),
  );
}
