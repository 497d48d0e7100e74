/** `mailorg dns`: every mail DNS record of the org's domains, as a zone fragment or JSON. */
import type { Command } from "commander";
import { canon } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { zoneFragment } from "../plan/dns.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("dns")
    .description("print the mail DNS records (MX, SPF, DKIM, MAIL FROM, DMARC, TLS-RPT, BIMI; with a mailbox host, the client set-up names) of each domain")
    .option("--domain <domain>", "only this domain");
  withOrg(cmd);
  withFormat(cmd, ["zone", "json"]);
  cmd.action((opts: { org: string; format: "zone" | "json"; domain?: string }) =>
    runCommand(() => {
      const { org, plan } = loadValidPlan(opts.org);
      // The domain's mail records, then the mailbox host's client records (SRV, autoconfig, autodiscover) in it.
      const recordsOf = (name: string) => [...plan.domains.find((p) => p.name === canon(name))!.records, ...(plan.mailhost?.clientRecords ?? []).filter((r) => r.domain === canon(name))];
      let domains = [...org.domains].sort((a, b) => (canon(a.name) < canon(b.name) ? -1 : 1));
      if (opts.domain !== undefined) {
        domains = domains.filter((d) => canon(d.name) === canon(opts.domain!));
        if (domains.length === 0) {
          throw new UsageError(`--domain ${opts.domain} is not a domain of the org; its domains: ${org.domains.map((d) => d.name).join(", ")}`);
        }
      }
      if (opts.format === "json") {
        printJson(domains.flatMap((d) => recordsOf(d.name).map(({ name, type, ttl, values }) => ({ name, type, ttl, values }))));
      } else {
        process.stdout.write(domains.map((d) => zoneFragment(org, d, recordsOf(d.name))).join("\n"));
      }
      return EXIT_OK;
    }),
  );
}
