import { canon, memberStatus } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "delivery-target",
  summary: "catch_all, backups[].to and forward_to name an active member or a mailbox",
  explanation:
    "Mail redirected by the catch-all, a backup rule or a departed member's forward must land in a mailbox " +
    "someone reads: an active member's or a shared mailbox. A group, an alias, a disabled or departed member, " +
    "or an unknown address would lose it.",
  check({ org, index }) {
    const out: Finding[] = [];
    const check = (address: string, at: string, what: string): void => {
      const entry = index.addresses.get(canon(address));
      let problem: string | undefined;
      if (!entry) problem = "an address the org does not declare";
      else if (entry.kind === "group") problem = "a group";
      else if (entry.kind === "alias") problem = `an alias of ${entry.target}`;
      else if (entry.kind === "member") {
        const status = memberStatus(index.members.get(entry.target)!);
        if (status !== "active") problem = `a ${status} member`;
      }
      if (problem) out.push({ pointer: at, message: `${what} ${address}, ${problem}; name an active member or a mailbox` });
    };
    if (org.organisation.catch_all) check(org.organisation.catch_all, pointer("organisation", "catch_all"), "organisation.catch_all is");
    org.backups.forEach((b, i) => check(b.to, pointer("backups", i, "to"), `backup rule ${b.name} delivers to`));
    org.members.forEach((m, i) => {
      if (memberStatus(m) !== "departed") return; // forward-to reports forwards on non-departed members
      (m.forward_to ?? []).forEach((a, j) => {
        const entry = index.addresses.get(canon(a));
        // A forward to another departed member is reported by forward-to with a better hint.
        if (entry?.kind === "member" && memberStatus(index.members.get(entry.target)!) === "departed") return;
        check(a, pointer("members", i, "forward_to", j), `member ${m.address} forwards to`);
      });
    });
    return out;
  },
};
