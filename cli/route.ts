/** `mailorg route`: what would happen to a message, computed by the router's own function and table. */
import type { Command } from "commander";
import { UsageError } from "../model/today.ts";
import { loadValidPlan } from "../plan/validate.ts";
import type { DmarcPolicy } from "../plan/contract.ts";
import { decide, type Verdict } from "../runtime/router/core.ts";
import { addressArg, addressListArg, EXIT_FAIL, EXIT_OK, ipArg, printJson, runCommand, withFormat, withOrg } from "./common.ts";

const VERDICTS = ["PASS", "FAIL", "GRAY", "PROCESSING_FAILED", "DISABLED"];
const POLICIES = ["none", "quarantine", "reject"];

function verdict(name: string, v: string | undefined): Verdict | undefined {
  if (v === undefined) return undefined;
  const up = v.toUpperCase();
  if (!VERDICTS.includes(up)) throw new UsageError(`--${name} is '${v}'; allowed: ${VERDICTS.join(", ")}`);
  return up as Verdict;
}

export function register(program: Command): void {
  const cmd = program
    .command("route")
    .description("show where a message would be delivered, dropped, quarantined or backed up (exit 1 when nothing is delivered)")
    .requiredOption("--from <sender>", "the From address")
    .requiredOption("--to <recipients>", "envelope recipients, comma-separated")
    .option("--ip <ip>", "sending IP")
    .option("--spam <verdict>", "SES spam verdict (PASS|FAIL)", "PASS")
    .option("--virus <verdict>", "SES virus verdict (PASS|FAIL)", "PASS")
    .option("--dmarc <verdict>", "SES DMARC verdict (PASS|FAIL)", "PASS")
    .option("--dmarc-policy <policy>", "the From domain's published DMARC policy, as SES reports it when DMARC fails (none|quarantine|reject); the org's own domains use the org's policy")
    .option("--size-mb <n>", "message size in MB");
  withOrg(cmd);
  withFormat(cmd, ["json", "text"]);
  cmd.action((opts: { org: string; from: string; to: string; ip?: string; spam: string; virus: string; dmarc: string; dmarcPolicy?: string; sizeMb?: string; format: string }) =>
    runCommand(() => {
      const size = opts.sizeMb === undefined ? undefined : Number(opts.sizeMb);
      if (size !== undefined && !(size >= 0)) throw new UsageError(`--size-mb must be a number of MB, got '${opts.sizeMb}'`);
      const from = addressArg("--from", opts.from);
      const recipients = addressListArg("--to", opts.to);
      const ip = ipArg("--ip", opts.ip);
      const policy = opts.dmarcPolicy?.toLowerCase();
      if (policy !== undefined && !POLICIES.includes(policy)) throw new UsageError(`--dmarc-policy is '${opts.dmarcPolicy}'; allowed: ${POLICIES.join(", ")}`);
      const { plan } = loadValidPlan(opts.org);
      const d = decide(plan.inbound.table, {
        from,
        recipients,
        ip,
        spam: verdict("spam", opts.spam),
        virus: verdict("virus", opts.virus),
        dmarc: verdict("dmarc", opts.dmarc),
        dmarcPolicy: policy as DmarcPolicy | undefined,
        sizeBytes: size === undefined ? undefined : Math.round(size * 1048576),
      });
      if (opts.format === "json") printJson(d);
      else {
        const lines = [d.accepted ? "accepted by SES" : d.quarantined ? `refused by the router: ${d.rejected_reason}` : `rejected at SMTP time: ${d.rejected_reason}`];
        if (d.quarantined) lines.push("quarantined");
        if (d.junk) lines.push(`junk     ${d.junk}`);
        for (const a of d.deliveries) lines.push(`deliver  ${a}`);
        for (const b of d.backups) lines.push(`backup   ${b}`);
        for (const x of d.dropped) lines.push(`drop     ${x.recipient}: ${x.reason}`);
        process.stdout.write(lines.join("\n") + "\n");
      }
      return d.deliveries.length > 0 ? EXIT_OK : EXIT_FAIL;
    }),
  );
}
