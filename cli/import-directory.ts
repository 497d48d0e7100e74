/** `mailorg import FILE --format F --out DIR`: registered on the import command by cli/import.ts. */
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { ImportRefused, importDirectory } from "../adopt/directory.ts";
import { DirectoryFormatError, FORMATS, readDirectory, type DirectoryFormat } from "../adopt/directory-formats.ts";
import { hasOrg, initProblems } from "../adopt/init.ts";
import { formatDiagnostics } from "../model/diagnostics.ts";
import { UsageError } from "../model/today.ts";
import { validatePlan } from "../plan/validate.ts";
import { EXIT_FAIL, EXIT_OK, printJson, runCommand } from "./common.ts";
import { initOptions } from "./init.ts";

export function registerDirectoryImport(cmd: Command): void {
  cmd
    .argument("[file]", "a directory export: Google Workspace or Microsoft 365 users CSV, LDIF, vCard")
    .addOption(new Option("--format <format>", "the export's format").choices(FORMATS))
    .option("--out <dir>", "the org directory to create or add to");
  initOptions(cmd, false);
  cmd.addOption(new Option("--report <format>", "report format").choices(["text", "json"]).default("text"));
  cmd.action((file: string | undefined, opts: { format?: DirectoryFormat; out?: string; name?: string; region?: string; owners?: string; report: "text" | "json" }) =>
    runCommand(() => {
      if (!file || !opts.format || !opts.out) throw new UsageError("import needs FILE --format F --out DIR (or: import dns ZONEFILE --domain D); see mailorg import --help");
      if (!hasOrg(opts.out) && (!opts.name || !opts.region)) throw new UsageError(`--out ${opts.out} holds no org yet: give --name and --region for the new one`);
      const owners = opts.owners?.split(",").map((s) => s.trim()).filter(Boolean);
      if (!hasOrg(opts.out)) {
        const problems = initProblems({ name: opts.name!, region: opts.region!, owners, domains: [] });
        if (problems.length) throw new UsageError(problems.join("; "));
      }
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      let read;
      try {
        read = readDirectory(text, opts.format);
      } catch (err) {
        if (err instanceof DirectoryFormatError || (err as { code?: string }).code?.startsWith("CSV_")) throw new UsageError(`${file}: ${(err as Error).message.replace(/\.$/, "").replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())}`);
        throw err;
      }
      let report;
      try {
        report = importDirectory(opts.out, read.people, { name: opts.name, region: opts.region, owners });
      } catch (err) {
        if (err instanceof ImportRefused) throw new UsageError(err.message);
        throw err;
      }
      const notes = [...read.skipped, ...report.notes];
      const v = validatePlan(opts.out);
      if (opts.report === "json") {
        printJson({ ...report, notes, valid: v.ok, diagnostics: v.diagnostics });
        return v.ok ? EXIT_OK : EXIT_FAIL;
      }
      const list = (title: string, items: readonly string[]): string[] => (items.length ? [`${title} (${items.length}):`, ...items.map((i) => `  ${i}`)] : []);
      const out = [
        `${report.created ? "created" : "updated"} ${opts.out}: ${report.added.length} people added, ${report.departmentsAdded.length} departments added`,
        ...list("added", report.added),
        ...list("added as departed, suspended in the export (set forward_to to a successor)", report.departed),
        ...list("departments added", report.departmentsAdded),
        ...list("already in the org under another of their addresses", report.matched),
        ...list("quotas from the mail each person holds now", report.quotas),
        ...list("gone from the export, still in the org (set status: departed and forward_to once they have left)", report.gone),
        ...list("different in the export, left as the org has them", report.differs),
        ...list("left out", notes),
      ];
      process.stdout.write(out.join("\n") + "\n");
      if (v.diagnostics.length) process.stderr.write(formatDiagnostics(v.diagnostics) + "\n");
      process.stdout.write(v.ok ? `${opts.out}: valid; review it, then mailorg diff and mailorg dns (docs/adopting.md)\n` : `${opts.out}: not valid yet; fix the findings above\n`);
      return v.ok ? EXIT_OK : EXIT_FAIL;
    }),
  );
}
