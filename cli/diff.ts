/** `mailorg diff BASE [HEAD]`: what a change does to the organisation, for reviewers; refuses destructive changes. */
import type { Command } from "commander";
import { orgAt } from "../review/git.ts";
import { today } from "../model/today.ts";
import { diffOrgs, type Change } from "../review/diff.ts";
import { EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";
import { mdTable } from "./markdown.ts";

const MARK: Record<Change["kind"], string> = { create: "+ CREATE", delete: "- DELETE", modify: "± MODIFY" };

export function renderMarkdown(changes: readonly Change[], base: string, head: string): string {
  const destructive = changes.filter((c) => c.destructive);
  const lines = [`**mailorg diff** \`${base}\` → \`${head}\`: ${changes.length} change${changes.length === 1 ? "" : "s"}${destructive.length ? `, **${destructive.length} destructive**` : ""}`];
  if (changes.length === 0) return lines[0] + "\n\nNo change to the organisation.\n";
  if (destructive.length) lines.push("", "> [!CAUTION]", ...destructive.map((c) => `> ${c.destructive}`));
  const categories = [...new Set(changes.map((c) => c.category))];
  for (const cat of categories) {
    lines.push("", `### ${cat.charAt(0).toUpperCase()}${cat.slice(1)}`, "", mdTable(["", "subject", "change"], changes.filter((c) => c.category === cat).map((c) => [MARK[c.kind], `\`${c.subject}\``, c.detail + (c.destructive ? " ⚠️" : "")])));
  }
  return lines.join("\n") + "\n";
}

export function renderText(changes: readonly Change[]): string {
  return changes.map((c) => `${MARK[c.kind]} [${c.category}] ${c.subject}: ${c.detail}${c.destructive ? "  (destructive)" : ""}`).join("\n") + (changes.length ? "\n" : "no change to the organisation\n");
}

export function register(program: Command): void {
  const cmd = program
    .command("diff")
    .description("compare the org at two git refs (HEAD: the working tree) in the organisation's terms; exit 1 on destructive changes")
    .argument("<base>", "base git ref, e.g. origin/main")
    .argument("[head]", "head git ref (default: the working tree)")
    .option("--allow-destructive", "do not fail on destructive changes (after review)", false);
  withOrg(cmd);
  withFormat(cmd, ["markdown", "json", "text"]);
  cmd.action((base: string, head: string | undefined, opts: { org: string; format: string; allowDestructive: boolean }) =>
    runCommand(() => {
      const day = today();
      const b = orgAt(opts.org, base, day);
      const h = orgAt(opts.org, head, day);
      const changes = diffOrgs(b, h);
      const destructive = changes.filter((c) => c.destructive);
      if (opts.format === "json") {
        printJson({ base: b.label, head: h.label, summary: { changes: changes.length, destructive: destructive.length }, changes });
      } else {
        process.stdout.write(opts.format === "markdown" ? renderMarkdown(changes, b.label, h.label) : renderText(changes));
      }
      if (destructive.length && !opts.allowDestructive) {
        process.stderr.write(`mailorg: refusing ${destructive.length} destructive change${destructive.length === 1 ? "" : "s"}:\n${destructive.map((c) => `  - ${c.destructive}`).join("\n")}\n(pass --allow-destructive once reviewers have agreed)\n`);
        return EXIT_FAIL;
      }
      return EXIT_OK;
    }),
  );
}
