/** `mailorg can-send`: would SES accept this message from this member's credentials? */
import type { Command } from "commander";
import { loadValidPlan } from "../plan/validate.ts";
import { canSend } from "../simulate/can-send.ts";
import { addressArg, addressListArg, EXIT_FAIL, EXIT_OK, ipArg, printJson, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("can-send")
    .description("evaluate the member's synthesised IAM sending policies for one message (exit 1 when denied)")
    .requiredOption("--as <member>", "the member whose SMTP credentials send")
    .requiredOption("--from <address>", "the From address")
    .requiredOption("--to <recipients>", "recipients, comma-separated")
    .option("--ip <ip>", "the client's source IP");
  withOrg(cmd);
  withFormat(cmd, ["json", "text"]);
  cmd.action((opts: { org: string; as: string; from: string; to: string; ip?: string; format: string }) =>
    runCommand(() => {
      const req = { as: addressArg("--as", opts.as), from: addressArg("--from", opts.from), to: addressListArg("--to", opts.to), ip: ipArg("--ip", opts.ip) };
      // Today in organisation.timezone, the day validation and synthesis use.
      const { org, index, today } = loadValidPlan(opts.org);
      const r = canSend(org, index, { ...req, today });
      if (opts.format === "json") printJson(r);
      else process.stdout.write(`${r.allowed ? "allowed" : "denied"}: ${r.reason}\n`);
      return r.allowed ? EXIT_OK : EXIT_FAIL;
    }),
  );
}
