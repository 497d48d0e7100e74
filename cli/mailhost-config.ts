/** `mailorg mailhost-config`: the mailbox host's files (cloud-init user data, Postfix, Dovecot) from the org's plan. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { mailhostFiles } from "../mailhost/files.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { EXIT_FAIL, EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("mailhost-config")
    .description("write the mailbox host's files: cloud-init user data, Postfix main.cf and master.cf with their maps, Dovecot's configuration")
    .requiredOption("--out <dir>", "directory to write into (cloud-init/, postfix/, dovecot/)");
  withOrg(cmd);
  cmd.action((opts: { org: string; out: string }) =>
    runCommand(() => {
      const { plan } = loadValidPlan(opts.org);
      if (!plan.mailhost) {
        process.stderr.write(`mailorg: the org in ${opts.org} declares no organisation.mailbox_host; add one (docs/mailhost.md) to get its files\n`);
        return EXIT_FAIL;
      }
      const files = mailhostFiles(plan.mailhost);
      for (const [rel, text] of Object.entries(files)) {
        mkdirSync(dirname(join(opts.out, rel)), { recursive: true });
        writeFileSync(join(opts.out, rel), text);
      }
      process.stdout.write(Object.keys(files).map((f) => `${join(opts.out, f)}\n`).join(""));
      return EXIT_OK;
    }),
  );
}
