/**
 * `mailorg import dns ZONEFILE --domain D`: keeps what an existing zone must keep and lists what the first
 * apply does to each record at a name mailorg manages. `mailorg import FILE --format F --out DIR`: a
 * directory export (Google Workspace, Microsoft 365, LDIF, vCard) as an org.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { domainWithKept, importDns, orgWithDomain, readZone, writeKept, type RecordEffect } from "../adopt/zone.ts";
import { canon } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { domainRecords } from "../plan/dns.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";
import { registerDirectoryImport } from "./import-directory.ts";

export function register(program: Command): void {
  const cmd = program
    .command("import")
    .description("bring an existing provider's data in: a directory export (import FILE --format F --out DIR) or a DNS zone (import dns)")
    // import's own options (--format, --out) only before a subcommand (the program's are positional too).
    .enablePositionalOptions();
  registerDirectoryImport(cmd);
  const dns = cmd
    .command("dns")
    .description("read an existing BIND zone: write the apex TXT values and SPF senders to keep into the org, and list what the first apply does to every record at a name mailorg manages")
    .argument("<zonefile>", "the zone file (BIND format, e.g. exported from the current DNS host)")
    .requiredOption("--domain <domain>", "the org domain the zone is for")
    .option("--dry-run", "only list; do not write the org");
  withOrg(dns);
  withFormat(dns, ["text", "json"]);
  dns.action((zonefile: string, opts: { org: string; domain: string; dryRun?: boolean; format: "text" | "json" }) =>
    runCommand(() => {
      const { org } = loadValidPlan(opts.org);
      const domain = org.domains.find((d) => canon(d.name) === canon(opts.domain));
      if (!domain) throw new UsageError(`--domain ${opts.domain} is not a domain of the org; its domains: ${org.domains.map((d) => d.name).join(", ")}`);
      let text: string;
      try {
        text = readFileSync(zonefile, "utf8");
      } catch (err) {
        throw new UsageError(`cannot read zone file ${zonefile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      let zone;
      try {
        zone = readZone(text, domain.name);
      } catch (err) {
        throw new UsageError(`${zonefile} is not a zone file the parser reads: ${(err as Error).message.toLowerCase()}`);
      }
      const kept = importDns(zone, domain, []);
      const after = domainWithKept(domain, kept);
      const result = importDns(zone, domain, domainRecords(orgWithDomain(org, after), after));
      const written = opts.dryRun ? [] : writeKept(opts.org, domain.name, result);
      if (opts.format === "json") {
        printJson({ domain: canon(domain.name), kept: { txt: result.txt, spf: result.spf }, written, records: result.effects });
        return EXIT_OK;
      }
      const out: string[] = [];
      out.push(`kept in the org (${opts.dryRun ? "dry run, not written" : written.length ? `written: ${written.join(", ")}` : "already there"}):`);
      out.push(`  spf: include [${result.spf.include.join(", ")}] ip4 [${result.spf.ip4.join(", ")}] ip6 [${result.spf.ip6.join(", ")}]${result.spf.all ? ` all ${result.spf.all}` : ""}`);
      out.push(`  txt: ${result.txt.length ? result.txt.map((t) => JSON.stringify(t)).join(", ") : "(none)"}`);
      if (result.spf.dropped.length) out.push(`  not kept (no place in spf; list their addresses under spf.ip4/ip6): ${result.spf.dropped.join(" ")}`);
      out.push("", "existing records at names mailorg manages, and what the first apply does:");
      for (const e of result.effects) out.push(effectLine(e));
      if (result.effects.length === 0) out.push("  (none)");
      process.stdout.write(out.join("\n") + "\n");
      return EXIT_OK;
    }),
  );
}

function effectLine(e: RecordEffect): string {
  const r = e.record;
  const value = r.type === "TXT" ? JSON.stringify(r.value) : r.value;
  const imp = e.importId ? ` (terraform -chdir=cdktf.out/stacks/${e.stack} import 'aws_route53_record.<address>' '${e.importId}')` : "";
  return `  ${r.name} ${r.type} ${value}: ${e.effect}: ${e.detail}${imp}`;
}
