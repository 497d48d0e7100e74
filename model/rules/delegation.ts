import { canon, memberStatus } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

/** Days before a delegation's last day from which validation warns. */
export const WARN_DAYS = 14;

/** YYYY-MM-DD plus n calendar days. */
function addDays(day: string, n: number): string {
  const t = new Date(`${day}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

export const rule: Rule = {
  id: "delegation",
  summary: "a mailbox delegate is a current member; a delegation that has ended or ends within 14 days is a warning",
  explanation:
    "Temporary delegations end on a date. IAM cuts a delegate off at the end of its until day by itself, and " +
    "synthesis leaves an ended delegation out, so a date passing never breaks the build: an ended delegation " +
    "is a warning (remove it from the file), and one ending within 14 days is a warning naming the date, so " +
    "it can be extended in time (`validate --strict` fails on warnings; MAILORG_TODAY overrides today). A " +
    "delegate must be a member's primary address; a departed delegate is an error, a disabled one a warning.",
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
            severity: "warning",
            message: `delegation of ${mb.address} to ${d.member} ended on ${d.until} (today is ${today}) and is left out of synthesis; remove the delegate or extend until`,
          });
        } else if (d.until !== undefined && d.until <= addDays(today, WARN_DAYS)) {
          out.push({
            pointer: pointer("mailboxes", i, "delegates", j, "until"),
            severity: "warning",
            message: `delegation of ${mb.address} to ${d.member} ends on ${d.until}, within ${WARN_DAYS} days (today is ${today}); extend until if it should go on`,
          });
        }
      });
    });
    return out;
  },
};
