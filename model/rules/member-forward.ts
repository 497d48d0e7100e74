import { domainOf, memberStatus } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

/** At most this many outside addresses per member forward. */
export const MAX_FORWARDS = 3;

export const rule: Rule = {
  id: "member-forward",
  summary: `a member's forward goes to at most ${MAX_FORWARDS} outside addresses, and never from a departed member`,
  explanation:
    "A member may forward their inbound mail to an outside address (the admin console's auto-forward); the router sends " +
    "the copy through SES with the member's address as From. An address in one of the organisation's own domains is " +
    "already delivered internally (use a group or a backup rule instead) and could loop back; more than a few targets " +
    "turns a mailbox into a distribution list nobody reviews. A departed member's mail follows forward_to, which stays " +
    "inside the organisation, so a forward on a departed member is refused.",
  check({ org, index }) {
    const out: Finding[] = [];
    org.members.forEach((m, i) => {
      if (!m.forward) return;
      if (memberStatus(m) === "departed") {
        out.push({
          pointer: pointer("members", i, "forward"),
          at: "key",
          message: `member ${m.address} has departed but has forward; a departed member's mail follows forward_to (remove forward)`,
        });
      }
      if (m.forward.to.length > MAX_FORWARDS) {
        out.push({
          pointer: pointer("members", i, "forward", "to"),
          message: `member ${m.address} forwards to ${m.forward.to.length} addresses; at most ${MAX_FORWARDS} are allowed (remove ${m.forward.to.length - MAX_FORWARDS})`,
        });
      }
      m.forward.to.forEach((a, j) => {
        if (index.domains.has(domainOf(a))) {
          out.push({
            pointer: pointer("members", i, "forward", "to", j),
            message: `member ${m.address} forwards to ${a}, an address in the organisation's domain ${domainOf(a)}; forward only to outside addresses (use a group or a backup rule inside)`,
          });
        }
      });
    });
    return out;
  },
};
