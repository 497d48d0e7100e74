/** `mailorg dns`: every mail DNS record of the org's domains, as a zone fragment or JSON. */
import type { Command } from "commander";
import { canon } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { loadValidOrg } from "../model/validate.ts";
import { domainRecords, zoneFragment } from "../plan/dns.ts";
import { EXIT_OK, printJson, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("dns")
    .description("print the mail DNS records (MX, SPF, DKIM, MAIL FROM, DMARC, TLS-RPT, BIMI) of each domain")
    .option("--domain <domain>", "only this domain");
  withOrg(cmd);
  withFormat(cmd, ["zone", "json"]);
  cmd.action((opts: { org: string; format: "zone" | "json"; domain?: string }) =>
    runCommand(() => {
      const { org } = loadValidOrg(opts.org);
      let domains = [...org.domains].sort((a, b) => (canon(a.name) < canon(b.name) ? -1 : 1));
      if (opts.domain !== undefined) {
        domains = domains.filter((d) => canon(d.name) === canon(opts.domain!));
        if (domains.length === 0) {
          throw new UsageError(`--domain ${opts.domain} is not a domain of the org; its domains: ${org.domains.map((d) => d.name).join(", ")}`);
        }
      }
      if (opts.format === "json") {
        printJson(domains.flatMap((d) => domainRecords(org, d).map(({ name, type, ttl, values }) => ({ name, type, ttl, values }))));
      } else {
        process.stdout.write(domains.map((d) => zoneFragment(org, d, domainRecords(org, d))).join("\n"));
      }
      return EXIT_OK;
    }),
  );
}
