import { canon } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "mailbox-host-apostrophe",
  summary: "with a mailbox host, no member or mailbox address holds an apostrophe (an alias may)",
  explanation:
    "RFC 5321 allows an apostrophe in an address (conor.o'brien@) and mailorg accepts it: SES receives for it, " +
    "and its IAM user name writes it as =27. On the mailbox host, though, the address is the Dovecot user name, " +
    "and Dovecot 2.3 escapes an apostrophe before it looks a user up in its passwd-file (str_escape), so such a " +
    "member could never log in nor get mail delivered. Give the member an address without it and keep the " +
    "apostrophe one as an alias: aliases are resolved by the router and never reach Dovecot.",
  check({ org }) {
    const out: Finding[] = [];
    if (!org.organisation.mailbox_host) return out;
    const check = (section: "members" | "mailboxes", i: number, address: string): void => {
      if (!address.includes("'")) return;
      const [local, domain] = canon(address).split("@");
      out.push({
        pointer: pointer(section, i, "address"),
        message: `${address} holds an apostrophe, which the mailbox host's Dovecot cannot look up (it escapes it); use an address without it, e.g. ${local!.replaceAll("'", "")}@${domain}, and keep ${canon(address)} as an alias`,
      });
    };
    org.members.forEach((m, i) => check("members", i, m.address));
    org.mailboxes.forEach((m, i) => check("mailboxes", i, m.address));
    return out;
  },
};
