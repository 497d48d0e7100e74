import { canon, memberStatus } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "forward-to",
  summary: "forward_to is only for departed members, and never points at a departed member",
  explanation:
    "When someone leaves, their mail goes to a successor or an administrator and nothing is deleted. " +
    "forward_to on an active or disabled member would silently divert a working person's mail; a forward to " +
    "another departed member leads nowhere. A departed member without forward_to is a warning: their mail " +
    "is then delivered only to their own (kept) mailbox.",
  check({ org, index }) {
    const out: Finding[] = [];
    org.members.forEach((m, i) => {
      const status = memberStatus(m);
      if (m.forward_to && status !== "departed") {
        out.push({
          pointer: pointer("members", i, "forward_to"),
          at: "key",
          message: `member ${m.address} is ${status} but has forward_to; only departed members forward (set status: departed or remove forward_to)`,
        });
      }
      if (status === "departed" && (!m.forward_to || m.forward_to.length === 0)) {
        out.push({
          pointer: pointer("members", i, "status"),
          severity: "warning",
          message: `departed member ${m.address} has no forward_to; name a successor or an administrator's mailbox so their mail is read`,
        });
      }
      (m.forward_to ?? []).forEach((a, j) => {
        const target = index.members.get(canon(a));
        if (target && index.addresses.get(canon(a))?.kind === "member" && memberStatus(target) === "departed") {
          out.push({
            pointer: pointer("members", i, "forward_to", j),
            message: `member ${m.address} forwards to ${a}, who has departed too; forward to their successor instead${target.forward_to?.[0] ? ` (${target.forward_to[0]})` : ""}`,
          });
        }
      });
    });
    return out;
  },
};
