/** `mailorg audit`: who may do what, and (with --address) how an address's setup changed over time. */
import type { Command } from "commander";
import { canon } from "../model/org.ts";
import { loadOrg } from "../model/load.ts";
import { today } from "../model/today.ts";
import { addressHistory, auditReport, type AuditReport, type GroupSenders } from "../review/audit.ts";
import { orgAt } from "../review/git.ts";
import { describe, mdTable, mdText } from "../review/render.ts";
import { addressArg, EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

const SENDERS: Record<GroupSenders["senders"], string> = { anyone: "anyone", organisation: "organisation", members: "members", list: "listed" };

function reportMarkdown(r: AuditReport, label: string): string {
  const s: string[] = [`# mailorg access report (${label})`];
  s.push("", "## Who may mail each group", "", mdTable(["group", "senders", "may mail it"], r.groups.map((g) => [g.group, g.senders === "list" ? g.listed.join(", ") : SENDERS[g.senders], g.mayMail ? g.mayMail.join(", ") || "no one" : g.senders === "anyone" ? "anyone, inside or outside the org" : "every member"])));
  s.push("", "## Internal-only members", "", r.internalOnly.length ? r.internalOnly.map((m) => `- ${m}`).join("\n") : "none");
  s.push("", "## Sending IP restriction", "", r.ipRestriction ? `Only from ${r.ipRestriction.ranges.join(", ")}; exempt: ${r.ipRestriction.exempt.join(", ") || "none"}` : "none: members may send from anywhere");
  s.push("", "## Delegations", "", mdTable(["mailbox", "delegate", "until"], r.delegations.map((d) => [d.mailbox, d.member, d.until ?? "no end"])));
  s.push("", "## Disabled members", "", r.disabled.length ? r.disabled.map((m) => `- ${m}`).join("\n") : "none");
  s.push("", "## Departed members", "", mdTable(["member", "mail goes to"], r.departed.map((d) => [d.member, d.forwardTo.join(", ") || "their own (kept) mailbox"])));
  s.push("", "## Forwards outside the organisation", "", mdTable(["member", "forwards to", "mailbox keeps a copy"], r.forwards.map((f) => [f.member, f.to.join(", "), f.keepCopy ? "yes" : "no"])));
  s.push("", "## Delivery", "", r.relay ? `Every delivered copy is relayed to ${r.relay.host}:${r.relay.port} (STARTTLS required${r.relay.authSecret ? `, AUTH with secret ${r.relay.authSecret}` : ""})` : "no relay: delivered mail is kept in the mail store only");
  s.push("", "## Backup rules", "", mdTable(["rule", "copies to", "senders", "recipients covered"], r.backups.map((b) => [b.name, b.to, b.senders.join(", ") || "any", b.recipients.join(", ") || "any"])));
  return s.join("\n") + "\n";
}

export function register(program: Command): void {
  const cmd = program
    .command("audit")
    .description("print the access report (every group's senders, internal-only, IP exemptions, delegations, leavers, forwards, the relay, backups) or an address's history")
    .option("--at <ref>", "report on the org at this git ref (default: the working tree)")
    .option("--address <address>", "instead, list every commit that changed this address, with author and date; exit 1 if no commit ever did");
  withOrg(cmd);
  withFormat(cmd, ["markdown", "json"]);
  cmd.action((opts: { org: string; at?: string; address?: string; format: string }) =>
    runCommand(() => {
      if (opts.address) {
        const address = canon(addressArg("--address", opts.address));
        // Today in the working tree's organisation.timezone (model/today.ts); the org need not be valid to read history.
        const history = addressHistory(opts.org, address, opts.at, today(loadOrg(opts.org).org));
        if (history.length === 0) {
          process.stderr.write(`mailorg: ${address} was never in the org: no commit of ${opts.at ?? "HEAD"} mentions it\n`);
          return EXIT_FAIL;
        }
        if (opts.format === "json") printJson({ address, history });
        else process.stdout.write(`# History of ${address}\n\n` + mdTable(["commit", "date", "author", "subject", "changes"], history.map((h) => [h.commit, h.date, mdText(h.author), mdText(h.subject), mdText(h.changes.map((c) => `${c.section}: ${c.subject} ${describe(c)}`).join("; "))])) + "\n");
        return EXIT_OK;
      }
      const o = orgAt(opts.org, opts.at);
      const report = auditReport(o.org, o.index);
      if (opts.format === "json") printJson({ at: o.label, ...report });
      else process.stdout.write(reportMarkdown(report, o.label));
      return EXIT_OK;
    }),
  );
}
