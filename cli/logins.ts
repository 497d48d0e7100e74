/** `mailorg logins`: login records of the mailbox host, from CloudWatch Logs or a running sandbox. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { Command } from "commander";
import { loginsFromCloudWatch, loginsFromLog, type LoginRecord } from "../mailhost/logins.ts";
import { canon } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { addressArg, EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("logins")
    .description("list logins to the mailbox host (time, address, remote IP, protocol, success or failure), from CloudWatch Logs or a sandbox")
    .option("--address <address>", "only this address")
    .option("--since <date>", "only on or after this day (YYYY-MM-DD, UTC)")
    .option("--sandbox <maildir>", "read a sandbox's log (<maildir>/_mailhost/log/dovecot.log) instead of CloudWatch");
  withOrg(cmd);
  withFormat(cmd, ["text", "json"]);
  cmd.action((opts: { org: string; address?: string; since?: string; sandbox?: string; format: string }) =>
    runCommand(async () => {
      const filter = { ...(opts.address ? { address: canon(addressArg("--address", opts.address)) } : {}), ...(opts.since ? { since: sinceArg(opts.since) } : {}) };
      let records: LoginRecord[];
      if (opts.sandbox !== undefined) {
        const log = join(opts.sandbox, "_mailhost", "log", "dovecot.log");
        if (!existsSync(log)) throw new UsageError(`--sandbox ${opts.sandbox} has no mailbox host log (${log}); start mailorg sandbox with an org that declares organisation.mailbox_host`);
        // Dovecot's logins and the account service's password events (set, changed, reset, failed attempts).
        const account = join(opts.sandbox, "_mailhost", "log", "account.log");
        records = loginsFromLog(readFileSync(log, "utf8") + (existsSync(account) ? readFileSync(account, "utf8") : ""), filter);
      } else {
        const { plan } = loadValidPlan(opts.org);
        if (!plan.mailhost) {
          process.stderr.write(`mailorg: the org in ${opts.org} declares no organisation.mailbox_host, so there are no logins to list\n`);
          return EXIT_FAIL;
        }
        records = await loginsFromCloudWatch(new CloudWatchLogsClient({ region: plan.mailhost.region }), plan.mailhost.logGroup, filter);
      }
      if (opts.format === "json") printJson(records);
      else process.stdout.write(records.map((r) => `${r.time}  ${r.result.padEnd(7)}  ${r.protocol}  ${r.method.padEnd(5)}  ${r.ip.padEnd(15)}  ${r.address}\n`).join(""));
      return EXIT_OK;
    }),
  );
}

function sinceArg(value: string): string {
  if (!/^\d{4}-\d\d-\d\d$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new UsageError(`--since is '${value}'; expected a date YYYY-MM-DD`);
  return value;
}
