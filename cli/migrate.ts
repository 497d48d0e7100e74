/** `mailorg migrate`: copy members' old IMAP accounts into their mailboxes on the mailbox host (doveadm sync over imapc). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../model/today.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { SSMClient } from "@aws-sdk/client-ssm";
import { migrateOnHost } from "../mailhost/migrate-remote.ts";
import { migrateMailbox, parseMigrationMap, parseSource, type MigrationEntry } from "../simulate/migrate.ts";
import { EXIT_FAIL, EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("migrate")
    .description("copy each member's old IMAP account into their mailbox (folders, flags, dates; a second run copies only what is new)")
    .requiredOption("--from <url>", "the old server: imap://HOST[:PORT] or imaps://HOST[:PORT]")
    .requiredOption("--map <file.csv>", "address,old_username,old_password lines; the password may be an app password, or xoauth2:TOKEN for an OAuth 2.0 access token (Google, Microsoft 365)")
    .option("--sandbox <maildir>", "migrate into a running sandbox's mailbox host (default: the EC2 host, through SSM Run Command)")
    .option("--ca-file <pem>", "with --sandbox: CA certificates the old server's certificate must chain to (default Debian's bundle, /etc/ssl/certs/ca-certificates.crt)")
    .option("--insecure", "allow imap:// in clear text when the old server offers no STARTTLS (old passwords cross the network unencrypted)");
  withOrg(cmd);
  cmd.action((opts: { org: string; from: string; map: string; sandbox?: string; insecure?: boolean; caFile?: string }) =>
    runCommand(async () => {
      const parsed = parseSource(opts.from);
      const source = parsed && { ...parsed, insecure: opts.insecure === true };
      if (!source) throw new UsageError(`--from is '${opts.from}'; expected imap://HOST[:PORT] or imaps://HOST[:PORT]`);
      if (opts.caFile !== undefined && opts.sandbox === undefined) throw new UsageError("--ca-file works with --sandbox only: the EC2 host trusts Debian's CA bundle");
      if (opts.caFile !== undefined && !existsSync(opts.caFile)) throw new UsageError(`--ca-file ${opts.caFile}: no such file`);
      if (!existsSync(opts.map)) throw new UsageError(`--map ${opts.map}: no such file`);
      const { entries, errors } = parseMigrationMap(readFileSync(opts.map, "utf8"));
      if (errors.length) throw new UsageError(`--map ${opts.map}: ${errors.join("; ")}`);
      const { plan } = loadValidPlan(opts.org);
      if (!plan.mailhost) throw new UsageError(`the org in ${opts.org} declares no organisation.mailbox_host to migrate into`);
      const mailboxes = new Set(plan.mailhost.mailboxes.map((m) => m.address));
      const quotaOf = new Map(plan.mailhost.mailboxes.map((m) => [m.address, m.quotaMb]));
      let failed = 0;
      const report = async (i: number, e: MigrationEntry, run: () => Promise<{ ok: boolean; before: number; after: number; error?: string; sourceBytes?: number }>): Promise<void> => {
        const at = `[${i + 1}/${entries.length}] ${e.address}`;
        const r = mailboxes.has(e.address) ? await run() : { ok: false, before: 0, after: 0, error: `not a mailbox on the host (line ${e.line} of ${opts.map})` };
        const size = "sourceBytes" in r && r.sourceBytes !== undefined ? `; ${(r.sourceBytes / (1024 * 1024)).toFixed(1)} MB at the old server, quota ${quotaOf.get(e.address)} MB` : "";
        if (r.ok) process.stdout.write(`${at}: done, ${r.after - r.before} new message${r.after - r.before === 1 ? "" : "s"} (${r.after} in the mailbox${size})\n`);
        else {
          failed++;
          process.stdout.write(`${at}: failed: ${r.error}\n`);
        }
      };
      let run: (e: MigrationEntry) => Promise<{ ok: boolean; before: number; after: number; error?: string; sourceBytes?: number }>;
      if (opts.sandbox === undefined) {
        // On the EC2 host, through SSM Run Command (mailhost/migrate-remote.ts).
        const ssm = new SSMClient({ region: plan.mailhost.region });
        run = (e) => migrateOnHost(ssm, plan.mailhost!, opts.from, { ...e, quotaMb: quotaOf.get(e.address) }, { insecure: source.insecure });
      } else {
        const config = join(opts.sandbox, "_mailhost", "dovecot", "dovecot.conf");
        if (!existsSync(config)) throw new UsageError(`--sandbox ${opts.sandbox} has no mailbox host (${config}); start mailorg sandbox with an org that declares organisation.mailbox_host`);
        run = async (e) => migrateMailbox(config, source, e, { quotaMb: quotaOf.get(e.address), caFile: opts.caFile });
      }
      for (const [i, e] of entries.entries()) await report(i, e, () => run(e));
      process.stdout.write(`${entries.length - failed} of ${entries.length} accounts migrated\n`);
      return failed ? EXIT_FAIL : EXIT_OK;
    }),
  );
}
