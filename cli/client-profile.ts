/** `mailorg client-profile ADDRESS`: a member's Apple configuration profile (.mobileconfig) for the mailbox host; no password in it. */
import type { Command } from "commander";
import { writeFileSync } from "node:fs";
import { canon, memberStatus } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { mobileconfig } from "../mailhost/client-setup.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { EXIT_FAIL, EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("client-profile")
    .description("write a member's Apple configuration profile (.mobileconfig: IMAP at the mailbox host and the sending server; no password)")
    .argument("<address>", "the member's address")
    .option("--out <file>", "write it to this file (default: standard output)");
  withOrg(cmd);
  cmd.action((address: string, opts: { org: string; out?: string }) =>
    runCommand(() => {
      const { index, plan } = loadValidPlan(opts.org);
      if (!plan.mailhost) {
        process.stderr.write(`mailorg: the org in ${opts.org} declares no organisation.mailbox_host; client profiles describe the host's IMAP (docs/mailhost.md)\n`);
        return EXIT_FAIL;
      }
      const m = index.members.get(canon(address));
      if (!m || index.addresses.get(canon(address))?.kind !== "member") throw new UsageError(`${address} is not a member's primary address`);
      if (memberStatus(m) !== "active") {
        process.stderr.write(`mailorg: ${canon(m.address)} is ${memberStatus(m)} and has no login on the mailbox host; no profile written\n`);
        return EXIT_FAIL;
      }
      const text = mobileconfig(plan.mailhost, { address: canon(m.address), name: m.name });
      if (opts.out === undefined) process.stdout.write(text);
      else writeFileSync(opts.out, text);
      return EXIT_OK;
    }),
  );
}
