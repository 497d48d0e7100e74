/** `mailorg validate`: every schema and semantic finding, sorted, file:line:col. */
import type { Command } from "commander";
import { formatDiagnostics } from "../model/diagnostics.ts";
import { validatePlan } from "../plan/validate.ts";
import { EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("validate")
    .description("check the org against the schema and every semantic rule; exit 1 on any error");
  withOrg(cmd);
  withFormat(cmd, ["text", "json"]);
  cmd.action((opts: { org: string; format: "text" | "json" }) =>
    runCommand(() => {
      const r = validatePlan(opts.org);
      if (opts.format === "json") {
        printJson({ ok: r.ok, diagnostics: r.diagnostics });
      } else {
        if (r.diagnostics.length > 0) process.stderr.write(formatDiagnostics(r.diagnostics) + "\n");
        if (r.ok) {
          const o = r.org;
          process.stdout.write(
            `${opts.org}: valid: ${o.domains.length} domains, ${o.departments.length} departments, ` +
              `${o.members.length} members, ${o.groups.length} groups, ${o.mailboxes.length} mailboxes\n`,
          );
        }
      }
      return r.ok ? EXIT_OK : EXIT_FAIL;
    }),
  );
}
