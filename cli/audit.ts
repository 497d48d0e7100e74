/** `mailorg audit`: who may do what, and (with --address) how an address's setup changed over time. */
import type { Command } from "commander";
import { orgAt, orgCommits } from "../review/git.ts";
import { canon } from "../model/org.ts";
import { today } from "../model/today.ts";
import { auditReport, type AuditReport } from "../review/audit.ts";
import { diffOrgs, emptyOrg, type Change } from "../review/diff.ts";
import { OrgIndex } from "../model/views/org-index.ts";
import { addressArg, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";
import { mdTable } from "./markdown.ts";

export interface HistoryEntry {
  readonly commit: string;
  readonly author: string;
  readonly date: string;
  readonly subject: string;
  readonly changes: Change[];
}

/** Every commit that changed the address's semantics, oldest first. */
export function addressHistory(orgDir: string, address: string, at: string | undefined, day: string): HistoryEntry[] {
  const a = canon(address);
  const out: HistoryEntry[] = [];
  const cache = new Map<string, ReturnType<typeof orgAt>>();
  const load = (ref: string) => {
    let v = cache.get(ref);
    if (!v) {
      v = orgAt(orgDir, ref, day);
      cache.set(ref, v);
    }
    return v;
  };
  for (const c of orgCommits(orgDir, at ?? "HEAD")) {
    const head = load(c.sha);
    let base;
    try {
      base = c.parent ? load(c.parent) : undefined;
    } catch {
      base = undefined; // the parent had no (valid) org: treat this commit as the first
    }
    const from = base ?? { org: emptyOrg(head.org), index: new OrgIndex(emptyOrg(head.org)), label: "empty" };
    const mentions = (ch: Change) => canon(ch.subject) === a || ch.detail.toLowerCase().split(/[\s,:;()>]+/).includes(a);
    const changes = diffOrgs(from, head).filter(mentions);
    if (changes.length) out.push({ commit: c.sha.slice(0, 12), author: c.author, date: c.date, subject: c.subject, changes });
  }
  return out;
}

function reportMarkdown(r: AuditReport, label: string): string {
  const s: string[] = [`# mailorg access report (${label})`];
  s.push("", "## Who may mail each group", "", mdTable(["group", "senders", "may mail it"], r.restrictedGroups.map((g) => [g.group, g.senders, g.mayMail.join(", ")])));
  s.push("", "## Internal-only members", "", r.internalOnly.length ? r.internalOnly.map((m) => `- ${m}`).join("\n") : "none");
  s.push("", "## Sending IP restriction", "", r.ipRestriction ? `Only from ${r.ipRestriction.ranges.join(", ")}; exempt: ${r.ipRestriction.exempt.join(", ") || "none"}` : "none: members may send from anywhere");
  s.push("", "## Delegations", "", mdTable(["mailbox", "delegate", "until"], r.delegations.map((d) => [d.mailbox, d.member, d.until ?? "no end"])));
  s.push("", "## Disabled members", "", r.disabled.length ? r.disabled.map((m) => `- ${m}`).join("\n") : "none");
  s.push("", "## Departed members", "", mdTable(["member", "mail goes to"], r.departed.map((d) => [d.member, d.forwardTo.join(", ") || "their own (kept) mailbox"])));
  s.push("", "## Backup rules", "", mdTable(["rule", "copies to", "senders", "recipients covered"], r.backups.map((b) => [b.name, b.to, b.senders.join(", ") || "any", b.recipients.join(", ") || "any"])));
  return s.join("\n") + "\n";
}

export function register(program: Command): void {
  const cmd = program
    .command("audit")
    .description("print the access report (restricted groups, internal-only, IP exemptions, delegations, leavers, backups) or an address's history")
    .option("--at <ref>", "report on the org at this git ref (default: the working tree)")
    .option("--address <address>", "instead, list every commit that changed this address, with author and date");
  withOrg(cmd);
  withFormat(cmd, ["markdown", "json"]);
  cmd.action((opts: { org: string; at?: string; address?: string; format: string }) =>
    runCommand(() => {
      const day = today();
      if (opts.address) {
        const history = addressHistory(opts.org, addressArg("--address", opts.address), opts.at, day);
        if (opts.format === "json") printJson({ address: canon(opts.address), history });
        else {
          process.stdout.write(`# History of ${canon(opts.address)}\n\n` + mdTable(["commit", "date", "author", "subject", "changes"], history.map((h) => [h.commit, h.date, h.author, h.subject, h.changes.map((c) => `${c.category}: ${c.detail}`).join("; ")])) + "\n");
        }
        return EXIT_OK;
      }
      const o = orgAt(opts.org, opts.at, day);
      const report = auditReport(o.org, o.index);
      if (opts.format === "json") printJson({ at: o.label, ...report });
      else process.stdout.write(reportMarkdown(report, o.label));
      return EXIT_OK;
    }),
  );
}
