/** `mailorg migrate`: copy members' old IMAP accounts into their mailboxes on the mailbox host (doveadm sync over imapc). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../model/today.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { migrateMailbox, parseMigrationMap, parseSource } from "../simulate/migrate.ts";
import { EXIT_FAIL, EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("migrate")
    .description("copy each member's old IMAP account into their mailbox (folders, flags, dates; a second run copies only what is new)")
    .requiredOption("--from <url>", "the old server: imap://HOST[:PORT] or imaps://HOST[:PORT]")
    .requiredOption("--map <file.csv>", "address,old_username,old_password lines")
    .option("--sandbox <maildir>", "migrate into a running sandbox's mailbox host");
  withOrg(cmd);
  cmd.action((opts: { org: string; from: string; map: string; sandbox?: string }) =>
    runCommand(() => {
      const source = parseSource(opts.from);
      if (!source) throw new UsageError(`--from is '${opts.from}'; expected imap://HOST[:PORT] or imaps://HOST[:PORT]`);
      if (!existsSync(opts.map)) throw new UsageError(`--map ${opts.map}: no such file`);
      const { entries, errors } = parseMigrationMap(readFileSync(opts.map, "utf8"));
      if (errors.length) throw new UsageError(`--map ${opts.map}: ${errors.join("; ")}`);
      if (opts.sandbox === undefined) {
        throw new UsageError("migration on the EC2 host (through SSM Run Command) is not built yet; run it with --sandbox, or on the host with doveadm sync as docs/mailhost.md shows");
      }
      const config = join(opts.sandbox, "_mailhost", "dovecot", "dovecot.conf");
      if (!existsSync(config)) throw new UsageError(`--sandbox ${opts.sandbox} has no mailbox host (${config}); start mailorg sandbox with an org that declares organisation.mailbox_host`);
      const { plan } = loadValidPlan(opts.org);
      const mailboxes = new Set((plan.mailhost?.mailboxes ?? []).map((m) => m.address));
      let failed = 0;
      entries.forEach((e, i) => {
        const at = `[${i + 1}/${entries.length}] ${e.address}`;
        if (!mailboxes.has(e.address)) {
          failed++;
          process.stdout.write(`${at}: failed: not a mailbox on the host (line ${e.line} of ${opts.map})\n`);
          return;
        }
        const r = migrateMailbox(config, source, e);
        if (r.ok) process.stdout.write(`${at}: done, ${r.after - r.before} new message${r.after - r.before === 1 ? "" : "s"} (${r.after} in the mailbox)\n`);
        else {
          failed++;
          process.stdout.write(`${at}: failed: ${r.error}\n`);
        }
      });
      process.stdout.write(`${entries.length - failed} of ${entries.length} accounts migrated\n`);
      return failed ? EXIT_FAIL : EXIT_OK;
    }),
  );
}
