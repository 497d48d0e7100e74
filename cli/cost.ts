/** `mailorg cost`: the org's monthly AWS cost, estimated from list prices kept in plan/prices.ts with their date. */
import { InvalidArgumentError, type Command } from "commander";
import { DEFAULT_WORKLOAD, estimateCost } from "../plan/cost.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

const number = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} is '${v}'; expected a number of 0 or more`);
  return n;
};

export function register(program: Command): void {
  const cmd = program
    .command("cost")
    .description("estimate the org's monthly AWS cost (SES, S3, Lambda, SQS, KMS, and with a mailbox host EC2, EBS, Backup) from the list prices in the repository")
    .option("--received <n>", "messages each member receives per day", number("--received"), DEFAULT_WORKLOAD.receivedPerMemberDay)
    .option("--sent <n>", "messages each member sends per day", number("--sent"), DEFAULT_WORKLOAD.sentPerMemberDay)
    .option("--message-kb <n>", "average message size in KB", number("--message-kb"), DEFAULT_WORKLOAD.messageKb);
  withOrg(cmd);
  withFormat(cmd, ["text", "json"]);
  cmd.action((opts: { org: string; received: number; sent: number; messageKb: number; format: "text" | "json" }) =>
    runCommand(() => {
      const { plan } = loadValidPlan(opts.org);
      const e = estimateCost(plan, { receivedPerMemberDay: opts.received, sentPerMemberDay: opts.sent, messageKb: opts.messageKb });
      if (opts.format === "json") {
        printJson(e);
        return EXIT_OK;
      }
      const money = (n: number) => `$${n.toFixed(2)}`;
      const w = Math.max(...e.lines.map((l) => l.service.length));
      const out = [
        `monthly estimate for ${plan.sending.members.length} members with credentials, ${opts.received} messages received and ${opts.sent} sent per member and day, ${opts.messageKb} KB each`,
        `list prices of ${e.asOf} for ${e.pricedAs}${e.pricedAs !== e.region ? ` (no prices for ${e.region} in plan/prices.ts: ${e.pricedAs}'s used)` : ""}, on demand, without free tier or tax`,
        ...e.lines.map((l) => `${l.service.padEnd(w)}  ${money(l.monthly).padStart(10)}  ${l.what}`),
        `${"total".padEnd(w)}  ${money(e.total).padStart(10)}  per month`,
      ];
      process.stdout.write(out.join("\n") + "\n");
      return EXIT_OK;
    }),
  );
}
