/** `mailorg approvers BASE [HEAD]`: who must approve a change. */
import type { Command } from "commander";
import { orgAt } from "../review/git.ts";
import { today } from "../model/today.ts";
import { diffOrgs } from "../review/diff.ts";
import { approvers } from "../review/owners.ts";
import { EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("approvers")
    .description("list who must approve the change between two refs: department admins, both sides of moves, organisation owners")
    .argument("<base>", "base git ref")
    .argument("[head]", "head git ref (default: the working tree)");
  withOrg(cmd);
  withFormat(cmd, ["text", "json"]);
  cmd.action((base: string, head: string | undefined, opts: { org: string; format: string }) =>
    runCommand(() => {
      const day = today();
      const b = orgAt(opts.org, base, day);
      const h = orgAt(opts.org, head, day);
      const list = approvers(diffOrgs(b, h), [b, h]);
      if (opts.format === "json") printJson(list);
      else process.stdout.write(list.map((a) => `${a.owner}\n${a.reasons.map((r) => `  - ${r}`).join("\n")}`).join("\n") + (list.length ? "\n" : "no approval needed: no change\n"));
      return EXIT_OK;
    }),
  );
}
