import { isRoleAddress } from "../role-addresses.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "role-address",
  summary: "a role address (postmaster, hostmaster, abuse and the rest) belongs to a group or shared mailbox, not to one person (warning)",
  explanation:
    "RFC 2142's role addresses, and those certificate authorities send domain-validation mail to (admin, " +
    "administrator, hostmaster, postmaster, webmaster), speak for the whole domain: whoever receives " +
    "hostmaster@ can obtain certificates for it. Held by one member (as their address or an alias), such mail " +
    "follows that person and leaves with them. Give the address to a group or shared mailbox; changing who " +
    "receives one always needs the organisation owners in review.",
  check({ index }) {
    const out: Finding[] = [];
    for (const e of index.declarations) {
      if ((e.kind === "member" || e.kind === "alias") && isRoleAddress(e.address)) {
        out.push({
          pointer: e.pointer,
          severity: "warning",
          message: `${e.address} is a role address held by member ${e.target} personally; declare it as a group or shared mailbox instead, so it does not follow one person`,
        });
      }
    }
    return out;
  },
};
