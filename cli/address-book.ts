/** `mailorg address-book`: the company address book (every active member, group and shared mailbox) as vCard 4.0 or CSV. */
import type { Command } from "commander";
import { addressBookCsv, addressBookVcard } from "../plan/address-book.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { EXIT_OK, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program
    .command("address-book")
    .description("export the company address book: active members, groups and shared mailboxes with department, title and phone (organisation.address_book.hide kept out)");
  withOrg(cmd);
  withFormat(cmd, ["vcard", "csv"]);
  cmd.action((opts: { org: string; format: "vcard" | "csv" }) =>
    runCommand(() => {
      const { plan } = loadValidPlan(opts.org);
      process.stdout.write(opts.format === "csv" ? addressBookCsv(plan.addressBook) : addressBookVcard(plan.organisation.name, plan.addressBook));
      return EXIT_OK;
    }),
  );
}
