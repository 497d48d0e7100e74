import { canon, memberStatus } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "delivery-also",
  summary: "delivery.also lists members of the org and a port the router can reach",
  explanation:
    "During a move, delivery.also sends a second copy of the listed members' mail to the old provider. Each " +
    "entry must be a member's own address (an alias, a group or a departed member has no mailbox there to " +
    "keep), and the port must not be 25: the router runs in AWS Lambda, which cannot open port 25. Google " +
    "Workspace's SMTP relay service listens on 587 (smtp-relay.gmail.com); Microsoft 365 and Exmail take mail " +
    "only on 25 or with implicit TLS, so they cannot be reached this way (docs/adopting.md).",
  check({ org, index }) {
    const also = org.organisation.delivery?.also;
    const out: Finding[] = [];
    if (!also) return out;
    if (also.port === 25) {
      out.push({
        pointer: pointer("organisation", "delivery", "also", "port"),
        message: `delivery.also port is 25, which AWS Lambda cannot open; use the old provider's submission relay on 587 (Google Workspace: smtp-relay.gmail.com with an app password in auth_secret)`,
      });
    }
    also.members.forEach((a, i) => {
      const entry = index.addresses.get(canon(a));
      let problem: string | undefined;
      if (!entry) problem = "not an address of the org";
      else if (entry.kind === "alias") problem = `an alias of ${entry.target}; list the member's address`;
      else if (entry.kind !== "member") problem = `a ${entry.kind}, not a member`;
      else if (memberStatus(index.members.get(entry.target)!) === "departed") problem = "a departed member";
      if (problem) out.push({ pointer: pointer("organisation", "delivery", "also", "members", i), message: `delivery.also lists ${a}, ${problem}` });
    });
    return out;
  },
};
