/** `mailorg password reset ADDRESS`: a one-time activation link for a member's account on the mailbox host. */
import { SSMClient } from "@aws-sdk/client-ssm";
import type { Command } from "commander";
import { resetInSandbox, resetOnHost } from "../mailhost/password-reset.ts";
import { canon, memberStatus } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { addressArg, EXIT_FAIL, EXIT_OK, runCommand, withOrg } from "./common.ts";

export function register(program: Command): void {
  const password = program.command("password").description("members' accounts on the mailbox host");
  const reset = password
    .command("reset <address>")
    .description("issue a one-time activation link (valid 7 days, shown once): the old password stops working at once, the member sets a new one on the host")
    .option("--sandbox <maildir>", "reset in a running sandbox instead of on the EC2 host");
  withOrg(reset);
  reset.action((raw: string, opts: { org: string; sandbox?: string }) =>
    runCommand(async () => {
      const address = canon(addressArg("ADDRESS", raw));
      const { org, plan } = loadValidPlan(opts.org);
      if (!plan.mailhost) throw new UsageError(`the org in ${opts.org} declares no organisation.mailbox_host; accounts live on the host (docs/mailhost.md)`);
      const member = org.members.find((m) => canon(m.address) === address);
      if (!member || memberStatus(member) === "departed") {
        process.stderr.write(`mailorg: ${address} is not a member of the org with an account (departed members and other addresses have none)\n`);
        return EXIT_FAIL;
      }
      let link: string;
      try {
        link = opts.sandbox !== undefined ? await resetInSandbox(opts.sandbox, address) : await resetOnHost(new SSMClient({ region: plan.mailhost.region }), plan.mailhost, address);
      } catch (err) {
        process.stderr.write(`mailorg: ${(err as Error).message}\n`);
        return EXIT_FAIL;
      }
      const note = memberStatus(member) === "disabled" ? " (the member is disabled: they can set a password, and log in once re-enabled)" : "";
      process.stdout.write(`the old password of ${address} no longer works${note}\nactivation link, valid 7 days, shown only now (hand it to the member, never by mail to the same account):\n${link}\n`);
      return EXIT_OK;
    }),
  );
}
