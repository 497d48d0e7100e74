/** `mailorg validate`: every schema and semantic finding, sorted, file:line:col. */
import type { Command } from "commander";
import { formatDiagnostics } from "../model/diagnostics.ts";
import { validatePlan } from "../plan/validate.ts";
import { EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("validate")
    .description("check the org against the schema and every semantic rule; exit 1 on any error (warnings pass unless --strict)")
    .option("--strict", "fail (exit 1) on warnings too");
  withOrg(cmd);
  withFormat(cmd, ["text", "json"]);
  cmd.action((opts: { org: string; format: "text" | "json"; strict?: boolean }) =>
    runCommand(() => {
      const r = validatePlan(opts.org);
      const ok = r.ok && !(opts.strict && r.diagnostics.length > 0);
      if (opts.format === "json") {
        printJson({ ok, diagnostics: r.diagnostics });
      } else {
        if (r.diagnostics.length > 0) process.stderr.write(formatDiagnostics(r.diagnostics) + "\n");
        if (ok) {
          const o = r.org;
          process.stdout.write(
            `${opts.org}: valid: ${o.domains.length} domains, ${o.departments.length} departments, ` +
              `${o.members.length} members, ${o.groups.length} groups, ${o.mailboxes.length} mailboxes\n`,
          );
        }
      }
      return ok ? EXIT_OK : EXIT_FAIL;
    }),
  );
}
