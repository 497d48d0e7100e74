import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "mailbox-host-relay",
  summary: "organisation.mailbox_host and organisation.delivery.relay are not both declared",
  explanation:
    "With a mailbox host, the router relays every delivered copy to it; delivery.relay is for a company that " +
    "runs its own mailbox server. Declaring both leaves it unclear where mail goes: keep one of them. A second " +
    "copy to the old provider while mail moves is delivery.also, which a mailbox host allows.",
  check({ org }) {
    const o = org.organisation;
    const out: Finding[] = [];
    if (o.mailbox_host && o.delivery?.relay) {
      out.push({
        pointer: pointer("organisation", "delivery", "relay"),
        message: `delivery.relay is ${o.delivery.relay.host} but organisation.mailbox_host ${o.mailbox_host.hostname} is the relay target; remove one of them`,
        at: "key",
      });
    }
    return out;
  },
};
