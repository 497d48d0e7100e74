/**
 * `mailorg import dns ZONEFILE --domain D`: keeps what an existing zone must keep and lists what the first
 * apply does to each record at a name mailorg manages. `mailorg import FILE --format F --out DIR`: a
 * directory export (Google Workspace, Microsoft 365, LDIF, vCard) as an org.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import {
  domainWithKept,
  domainWithPolicies,
  importDns,
  orgWithDomain,
  readPolicies,
  readZone,
  receiveSet,
  weakerThanZone,
  writeKept,
  writePolicies,
  type RecordEffect,
  type ZonePolicies,
} from "../adopt/zone.ts";
import { synthesize } from "../constructs/synth.ts";
import { canon } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { dmarcValue, domainRecords, tlsRptValue } from "../plan/dns.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";
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
      const policies = readPolicies(zone, domain.name);
      const kept = importDns(zone, domain, []);
      const after = domainWithPolicies(domainWithKept(domain, kept), policies, { receiveSet: receiveSet(opts.org, domain.name) });
      const weaker = weakerThanZone(after, policies);
      const result = importDns(zone, domain, domainRecords(orgWithDomain(org, after), after));
      const write = (dir: string): string[] => [...writeKept(dir, domain.name, result), ...writePolicies(dir, domain.name, domain, after)];
      const written = opts.dryRun || weaker.length ? [] : write(opts.org);
      const commands = weaker.length ? [] : importCommands(result.effects, () => {
        if (!opts.dryRun) return recordAddresses(opts.org);
        // A dry run: the same edits in a copy of the org, for the records' Terraform addresses.
        const copy = join(mkdtempSync(join(tmpdir(), "mailorg-import-")), "org");
        cpSync(opts.org, copy, { recursive: true });
        write(copy);
        return recordAddresses(copy);
      });
      const notes = policyNotes(canon(domain.name), policies, org.organisation.region);
      if (opts.format === "json") {
        printJson({ domain: canon(domain.name), kept: { txt: result.txt, spf: result.spf }, written, weaker, records: result.effects, import_commands: commands, notes });
        return weaker.length ? EXIT_FAIL : EXIT_OK;
      }
      const out: string[] = [];
      if (weaker.length) {
        out.push(`refusing to write the org: it would publish records weaker than the zone's (${weaker.length}):`, ...weaker.map((w) => `  ${w}`), "");
      }
      out.push(`kept in the org (${opts.dryRun ? "dry run, not written" : weaker.length ? "not written" : written.length ? `written: ${written.join(", ")}` : "already there"}):`);
      out.push(`  spf: include [${result.spf.include.join(", ")}] ip4 [${result.spf.ip4.join(", ")}] ip6 [${result.spf.ip6.join(", ")}]${result.spf.all ? ` all ${result.spf.all}` : ""}`);
      out.push(`  txt: ${result.txt.length ? result.txt.map((t) => JSON.stringify(t)).join(", ") : "(none)"}`);
      if (after.dmarc) out.push(`  dmarc: ${dmarcValue(after)}`);
      const tls = tlsRptValue(after);
      if (tls) out.push(`  tls-rpt: ${tls}`);
      if (after.bimi_logo_url) out.push(`  bimi: ${after.bimi_logo_url}`);
      if (after.receive === false) out.push(`  receive: false (${policies.otherMx.length ? `the MX is ${policies.otherMx.join(", ")}` : "as the org has it"})`);
      if (result.spf.dropped.length) out.push(`  not kept (no place in spf; list their addresses under spf.ip4/ip6): ${result.spf.dropped.join(" ")}`);
      if (notes.length) out.push("", ...notes);
      out.push("", "existing records at names mailorg manages, and what the first apply does:");
      for (const e of result.effects) out.push(effectLine(e));
      if (result.effects.length === 0) out.push("  (none)");
      if (commands.length) out.push("", "import each record set once before the first apply, with the apply role (docs/deploying.md):", ...commands.map((c) => `  ${c}`));
      process.stdout.write(out.join("\n") + "\n");
      return weaker.length ? EXIT_FAIL : EXIT_OK;
    }),
  );
}

/** What the zone says about the move that the org cannot hold: another provider's MX, an MTA-STS policy. */
function policyNotes(domain: string, z: ZonePolicies, region: string): string[] {
  const out: string[] = [];
  if (z.otherMx.length) {
    out.push(`the MX points at another provider (${z.otherMx.join(", ")}): receive stays false until the MX switch, the last step of \`mailorg cutover --domain ${domain}\` (then set receive: true and import again for the MX's terraform import command)`);
  }
  if (z.mtaSts) {
    out.push(
      `the zone publishes MTA-STS (_mta-sts.${domain} id=${z.mtaSts.id}); its policy at https://mta-sts.${domain}/.well-known/mta-sts.txt lists the old provider's MX: before the MX switch, add "mx: inbound-smtp.${region}.amazonaws.com" to it in mode testing and change the id, or senders that enforce it refuse mail at SES's MX`,
    );
  }
  return out;
}

/** The Terraform address of every Route53 record of the org's stacks: "<stack> <name> <type>" -> aws_route53_record.<id>. */
function recordAddresses(orgDir: string): Map<string, string> {
  const out = mkdtempSync(join(tmpdir(), "mailorg-import-synth-"));
  const map = new Map<string, string>();
  try {
    for (const s of synthesize({ orgDir, outDir: out }).stacks) {
      const json = JSON.parse(readFileSync(s.file, "utf8")) as { resource?: { aws_route53_record?: Record<string, { name: string; type: string }> } };
      for (const [id, r] of Object.entries(json.resource?.aws_route53_record ?? {})) map.set(`${s.name} ${canon(r.name)} ${r.type}`, `aws_route53_record.${id}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return map;
}

/** One runnable `terraform import` per record set that needs one, with the record's real address. */
function importCommands(effects: readonly RecordEffect[], addresses: () => Map<string, string>): string[] {
  const sets = [...new Map(effects.filter((e) => e.importId && e.stack).map((e) => [e.importId!, e])).values()];
  if (sets.length === 0) return [];
  const byName = addresses();
  return sets.map((e) => {
    const address = byName.get(`${e.stack} ${e.record.name} ${e.record.type}`);
    if (!address) throw new Error(`no Terraform address for ${e.record.name} ${e.record.type} in stack ${e.stack}`);
    return `terraform -chdir=cdktf.out/stacks/${e.stack} import '${address}' '${e.importId}'`;
  });
}

function effectLine(e: RecordEffect): string {
  const r = e.record;
  const value = r.type === "TXT" ? JSON.stringify(r.value) : r.value;
  return `  ${r.name} ${r.type} ${value}: ${e.effect}: ${e.detail}${e.importId ? ` (import id ${e.importId})` : ""}`;
}
