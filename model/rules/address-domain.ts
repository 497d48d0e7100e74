import { domainOf } from "../org.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "address-domain",
  summary: "every address of a member, alias, group or mailbox belongs to a declared domain",
  explanation:
    "SES can only receive and send for the organisation's own domains. An address in an undeclared domain " +
    "would never receive mail; this is also what stops a domain from being removed while members, groups or " +
    "mailboxes still use it. Declare the domain under `domains` or change the address.",
  check({ index }) {
    const out: Finding[] = [];
    for (const d of index.declarations) {
      const domain = domainOf(d.address);
      if (!index.domains.has(domain)) {
        out.push({
          pointer: d.pointer,
          message: `${d.kind} ${d.address} is in domain ${domain}, which is not declared under domains; declare it or change the address`,
        });
      }
    }
    return out;
  },
};
