/** `mailorg diff BASE [HEAD]`: what a change does to the organisation, for reviewers; refuses destructive changes. */
import type { Command } from "commander";
import { reviewChanges } from "../review/git.ts";
import { renderJson, renderMarkdown, renderText } from "../review/render.ts";
import { EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("diff")
    .description("compare the org at two git refs (HEAD: the working tree) in the organisation's terms; exit 1 on destructive changes")
    .argument("<base>", "base git ref, e.g. origin/main")
    .argument("[head]", "head git ref (default: the working tree)")
    .option("--allow-destructive", "do not fail on destructive changes (after review)", false);
  withOrg(cmd, { mayBeAbsent: true });
  withFormat(cmd, ["markdown", "json", "text"]);
  cmd.action((base: string, head: string | undefined, opts: { org: string; format: string; allowDestructive: boolean }) =>
    runCommand(async () => {
      // Today in the proposed org's time zone (model/today.ts), for both sides.
      const { labels, changes } = await reviewChanges(opts.org, base, head);
      const destructive = changes.filter((c) => c.destructive);
      if (opts.format === "json") printJson(renderJson(changes, labels.base, labels.head));
      else process.stdout.write(opts.format === "markdown" ? renderMarkdown(changes, labels.base, labels.head) : renderText(changes));
      if (destructive.length && !opts.allowDestructive) {
        process.stderr.write(`mailorg: refusing ${destructive.length} destructive change${destructive.length === 1 ? "" : "s"}:\n${destructive.map((c) => `  - ${c.reason}`).join("\n")}\n(pass --allow-destructive once reviewers have agreed)\n`);
        return EXIT_FAIL;
      }
      return EXIT_OK;
    }),
  );
}
