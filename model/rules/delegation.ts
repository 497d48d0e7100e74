import { canon, memberStatus } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "delegation",
  summary: "a mailbox delegate is a current member, and a delegation's until date is not in the past",
  explanation:
    "Temporary delegations end on a date; one that has ended must be removed (or extended) in review, so the " +
    "org file always says who can use a shared mailbox today (MAILORG_TODAY overrides today). A delegate must " +
    "be a member's primary address; a departed delegate is an error, a disabled one a warning.",
  check({ org, index, today }) {
    const out: Finding[] = [];
    org.mailboxes.forEach((mb, i) => {
      (mb.delegates ?? []).forEach((d, j) => {
        const entry = index.addresses.get(canon(d.member));
        const at = pointer("mailboxes", i, "delegates", j, "member");
        if (!entry || entry.kind !== "member") {
          out.push({
            pointer: at,
            message: `mailbox ${mb.address} delegates to ${d.member}, which is ${entry ? (entry.kind === "alias" ? `an alias of ${entry.target}` : `a ${entry.kind}`) : "not a member"}; name a member's primary address`,
          });
        } else {
          const status = memberStatus(index.members.get(entry.target)!);
          if (status !== "active") {
            out.push({
              pointer: at,
              severity: status === "departed" ? "error" : "warning",
              message: `mailbox ${mb.address} delegates to ${d.member}, a ${status} member; remove the delegate${status === "departed" ? " and rotate the mailbox's credentials" : ""}`,
            });
          }
        }
        if (d.until !== undefined && d.until < today) {
          out.push({
            pointer: pointer("mailboxes", i, "delegates", j, "until"),
            message: `delegation of ${mb.address} to ${d.member} ended on ${d.until} (today is ${today}); remove the delegate or extend until`,
          });
        }
      });
    });
    return out;
  },
};
