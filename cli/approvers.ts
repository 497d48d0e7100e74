/** `mailorg approvers BASE [HEAD]`: who must approve a change; with --check, whether the given approvals suffice. */
import type { Command } from "commander";
import { missingApprovals, requiredApprovals, type Requirement } from "../review/approvers.ts";
import { reviewChanges } from "../review/git.ts";
import { EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

const oneOf = (r: Requirement): string => (r.anyOf.length ? `one of ${r.anyOf.join(", ")}` : "no one can: set organisation.owners or the department's admins");

export function register(program: Command): void {
  const cmd = program
    .command("approvers")
    .description("list the approvals the change between two refs needs: one admin of every affected department (both sides of a move), one organisation owner for organisation-wide and destructive changes")
    .argument("<base>", "base git ref")
    .argument("[head]", "head git ref (default: the working tree)")
    .option("--check", "exit 1, naming what is missing, unless --approved-by satisfies every requirement")
    .option("--approved-by <list>", "with --check: who approved, comma-separated GitHub users and teams (@alice,@org/team); expand teams to those whose members approved", "");
  withOrg(cmd, { mayBeAbsent: true });
  withFormat(cmd, ["text", "json"]);
  cmd.action((base: string, head: string | undefined, opts: { org: string; format: string; check?: boolean; approvedBy: string }) =>
    runCommand(async () => {
      // Today in the proposed org's time zone (model/today.ts), for both sides.
      const { b, h, changes } = await reviewChanges(opts.org, base, head);
      const reqs = requiredApprovals(changes, { base: b, head: h });
      const approvedBy = opts.approvedBy.split(/[\s,]+/).filter(Boolean);
      const missing = opts.check ? missingApprovals(reqs, approvedBy) : [];
      if (opts.format === "json") printJson(opts.check ? { requirements: reqs, approvedBy, missing } : { requirements: reqs });
      else if (reqs.length === 0) process.stdout.write("no approval needed: no change to the organisation\n");
      else process.stdout.write(reqs.map((r) => `${r.scope}: ${oneOf(r)}${opts.check ? (missing.includes(r) ? "  MISSING" : "  approved") : ""}\n${r.reasons.map((x) => `  - ${x}`).join("\n")}\n`).join(""));
      if (missing.length) {
        process.stderr.write(`mailorg: missing approval: ${missing.map((r) => `${r.scope} (${oneOf(r)})`).join("; ")}\n`);
        return EXIT_FAIL;
      }
      return EXIT_OK;
    }),
  );
}
