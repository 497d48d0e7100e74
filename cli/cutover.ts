/**
 * `mailorg cutover --domain D --zone FILE`: the checks before D's MX moves to SES, step by step with ✓/✗,
 * the MX switch last; exit 1 while any step is ✗ (adopt/cutover.ts decides; this gathers the facts: the
 * zone as exported now, SES's view of the identity, the MTA-STS policy over HTTPS).
 */
import { readFileSync } from "node:fs";
import { GetEmailIdentityCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import type { Command } from "commander";
import { cutoverSteps, type IdentityStatus } from "../adopt/cutover.ts";
import { readPolicies, readZone } from "../adopt/zone.ts";
import { canon } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { EXIT_FAIL, EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

async function identityStatus(region: string, domain: string): Promise<IdentityStatus> {
  try {
    const r = await new SESv2Client({ region, maxAttempts: 2 }).send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
    return { dkim: r.DkimAttributes?.Status, mailFrom: r.MailFromAttributes?.MailFromDomainStatus };
  } catch (err) {
    return { error: `SES GetEmailIdentity: ${(err as Error).name === "NotFoundException" ? `no identity ${domain} in ${region}` : (err as Error).message}` };
  }
}

async function fetchPolicy(domain: string): Promise<{ text?: string; error?: string }> {
  const url = `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: "error" });
    return r.ok ? { text: await r.text() } : { error: `${url}: HTTP ${r.status}` };
  } catch (err) {
    return { error: `${url}: ${(err as Error).message}` };
  }
}

export function register(program: Command): void {
  const cmd = program
    .command("cutover")
    .description("check, step by step, that a domain's MX can move to SES without losing mail: DKIM and MAIL FROM verified, SPF and DMARC, every sender's alignment, the MX TTL, MTA-STS; the MX switch last (exit 1 while a step fails)")
    .requiredOption("--domain <domain>", "the org domain to move")
    .requiredOption("--zone <file>", "the domain's zone as it is now (BIND format, freshly exported from the DNS host)")
    .option("--mta-sts-policy <file>", "the MTA-STS policy text (default: fetched from https://mta-sts.<domain>/.well-known/mta-sts.txt when the zone publishes _mta-sts)");
  withOrg(cmd);
  withFormat(cmd, ["text", "json"]);
  cmd.action((opts: { org: string; domain: string; zone: string; mtaStsPolicy?: string; format: "text" | "json" }) =>
    runCommand(async () => {
      const { org } = loadValidPlan(opts.org);
      const domain = org.domains.find((d) => canon(d.name) === canon(opts.domain));
      if (!domain) throw new UsageError(`--domain ${opts.domain} is not a domain of the org; its domains: ${org.domains.map((d) => d.name).join(", ")}`);
      const read = (file: string, what: string): string => {
        try {
          return readFileSync(file, "utf8");
        } catch (err) {
          throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
      };
      let zone;
      try {
        zone = readZone(read(opts.zone, "zone file"), domain.name);
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`${opts.zone} is not a zone file the parser reads: ${(err as Error).message.toLowerCase()}`);
      }
      const name = canon(domain.name);
      const region = org.organisation.region;
      const mtaStsPolicy = opts.mtaStsPolicy ? { text: read(opts.mtaStsPolicy, "MTA-STS policy") } : readPolicies(zone, name).mtaSts ? await fetchPolicy(name) : undefined;
      const steps = cutoverSteps({ domain, region, zone, identity: await identityStatus(region, name), mtaStsPolicy });
      const failed = steps.filter((s) => s.mark === "✗").length;
      if (opts.format === "json") printJson({ domain: name, ready: failed === 0, steps });
      else {
        process.stdout.write(steps.map((s, i) => `${s.mark} ${i + 1}. ${s.title}\n     ${s.detail}\n`).join(""));
        process.stdout.write(failed ? `${failed} step${failed === 1 ? "" : "s"} to do before the MX of ${name} moves\n` : `${name} is ready: the MX switch is the last step\n`);
      }
      return failed ? EXIT_FAIL : EXIT_OK;
    }),
  );
}
