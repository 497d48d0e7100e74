/** `mailorg init`: a minimal valid organisation to start from. */
import { Option, type Command } from "commander";
import { hasOrg, initOrg, initProblems } from "../adopt/init.ts";
import { OrgInvalidError } from "../model/diagnostics.ts";
import { UsageError } from "../model/today.ts";
import { validatePlan } from "../plan/validate.ts";
import { EXIT_OK, runCommand } from "./common.ts";

/** --name, --region and --owners, shared with import (required for init, for import only when --out is new). */
export function initOptions(cmd: Command, required: boolean): Command {
  const opt = (flags: string, description: string) => {
    const o = new Option(flags, description);
    if (required) o.makeOptionMandatory();
    return o;
  };
  return cmd
    .addOption(opt("--name <name>", "the organisation's name"))
    .addOption(opt("--region <region>", "the AWS region where SES sends and receives (e.g. eu-west-1)"))
    .option("--owners <owners>", "code-host owners of organisation-wide changes, comma-separated (@org/team,@user)");
}

export function register(program: Command): void {
  const cmd = program
    .command("init")
    .description("write a minimal valid org (organisation, one domain, a top department, the DMARC mailbox) in the example's file layout")
    .requiredOption("--out <dir>", "the directory to write (must not hold an org)")
    .requiredOption("--domain <domain>", "the organisation's mail domain");
  initOptions(cmd, true);
  cmd.action((opts: { out: string; name: string; domain: string; region: string; owners?: string }) =>
    runCommand(() => {
      if (hasOrg(opts.out)) throw new UsageError(`--out ${opts.out} already holds an org; choose an empty directory`);
      const owners = opts.owners?.split(",").map((s) => s.trim()).filter(Boolean);
      const init = { name: opts.name, domains: [opts.domain], region: opts.region, owners };
      const problems = initProblems(init);
      if (problems.length) throw new UsageError(problems.join("; "));
      const files = initOrg(opts.out, init);
      for (const f of files) process.stdout.write(`wrote ${opts.out}/${f}\n`);
      const v = validatePlan(opts.out);
      if (!v.ok) throw new OrgInvalidError(v.diagnostics);
      process.stdout.write(`${opts.out}: valid; next: mailorg import (docs/adopting.md)\n`);
      return EXIT_OK;
    }),
  );
}
