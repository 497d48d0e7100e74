import { canon } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "mailbox-host-address",
  summary: "with a mailbox host, no member's or mailbox's address has '+' in its local part",
  explanation:
    "The mailbox host reads '+' as plus-addressing, as the router does: li.na+news@example.com is delivered to " +
    "li.na@example.com (Postfix's and Dovecot's recipient_delimiter). A mailbox whose own address holds a '+' " +
    "would be read as another mailbox with a tag, and its mail refused after the host accepted it. Every other " +
    "character the schema allows in a local part (letters, digits, '.', '_', '%', '-') is one Dovecot accepts as " +
    "a user name (auth_username_chars). Rename the address without '+' (jo.ann@ rather than jo+ann@); the old " +
    "address can stay as an alias, which the router resolves before relaying.",
  check({ org }) {
    if (!org.organisation.mailbox_host) return [];
    const out: Finding[] = [];
    const check = (section: "members" | "mailboxes", i: number, address: string) => {
      const a = canon(address);
      const local = a.slice(0, a.lastIndexOf("@"));
      const plus = local.indexOf("+");
      if (plus < 0) return;
      const base = `${local.slice(0, plus)}${a.slice(a.lastIndexOf("@"))}`;
      out.push({
        pointer: pointer(section, i, "address"),
        message: `${a} has '+' in its local part, which the mailbox host reads as plus-addressing (mail for ${base} with a tag); use an address without '+', e.g. ${local.replaceAll("+", ".")}${a.slice(a.lastIndexOf("@"))}, and keep ${a} as an alias`,
      });
    };
    org.members.forEach((m, i) => check("members", i, m.address));
    org.mailboxes.forEach((m, i) => check("mailboxes", i, m.address));
    return out;
  },
};
