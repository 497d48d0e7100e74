import { canon, memberStatus } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "auto-reply-host",
  summary: "auto_reply needs a mailbox_host that holds the member's mail",
  explanation:
    "A member's auto_reply is sent by the mailbox host's Sieve (vacation) when the member's mail is delivered there. " +
    "Without organisation.mailbox_host nothing would send it, and a departed member with forward_to has no mailbox on " +
    "the host (their mail goes to the successor), so the reply would never be sent: both are errors. An auto_reply " +
    "whose until date has passed is a warning (remove it).",
  check({ org, today }) {
    const host = org.organisation.mailbox_host;
    const out: Finding[] = [];
    org.members.forEach((m, i) => {
      if (!m.auto_reply) return;
      const at = pointer("members", i, "auto_reply");
      const who = canon(m.address);
      if (!host) out.push({ pointer: at, message: `member ${who} has an auto_reply but the org declares no organisation.mailbox_host, which sends it; remove auto_reply or declare the host`, at: "key" });
      else if (memberStatus(m) === "departed" && m.forward_to?.length)
        out.push({ pointer: at, message: `member ${who} has an auto_reply but has departed with forward_to, so their mail never reaches the mailbox host; remove forward_to (their mailbox then receives and answers) or remove auto_reply`, at: "key" });
      else if (m.auto_reply.until !== undefined && m.auto_reply.until < today)
        out.push({ pointer: pointer("members", i, "auto_reply", "until"), message: `member ${who}'s auto_reply ended on ${m.auto_reply.until} (today is ${today}); remove it`, severity: "warning" });
    });
    return out;
  },
};
