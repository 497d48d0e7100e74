/** Delivery: the relay that receives every delivered copy (rerouting: whose mail it carries). */
import { delivered, ORG_WIDE, union, type DiffContext, type Own } from "./context.ts";
import type { Value } from "./change.ts";

export const FIELDS = {
  delivery: ["relay"],
  relay: ["host", "port", "tls", "auth_secret"],
} as const;

/** Who a change of where delivered copies go concerns: the owners, and every address either side delivers to. */
export const deliveryOwners = (ctx: DiffContext): Own => ({ ...ORG_WIDE, reroutes: union(delivered(ctx.basePlan), delivered(ctx.headPlan)) });

export function diffDelivery(ctx: DiffContext): void {
  const { add, field, rest } = ctx;
  const bo = ctx.base.org.organisation;
  const ho = ctx.head.org.organisation;
  const br0 = bo.delivery?.relay;
  const hr0 = ho.delivery?.relay;
  const relayWho = deliveryOwners(ctx);
  const relay = (r: NonNullable<typeof br0>): Value => ({ host: r.host.toLowerCase(), port: r.port ?? 25, tls: r.tls, auth_secret: r.auth_secret ?? null });
  if (!br0 && hr0) add({ section: "Delivery", kind: "create", subject: "relay", before: null, after: relay(hr0), ...relayWho });
  else if (br0 && !hr0) {
    add({
      section: "Delivery",
      kind: "delete",
      subject: "relay",
      before: relay(br0),
      after: null,
      ...relayWho,
      reason: `the relay ${br0.host.toLowerCase()} is removed: delivered mail is only kept in the mail store and no longer reaches the company's mailbox server (point members at their new mailboxes first, then pass --allow-destructive)`,
    });
  } else if (br0 && hr0) {
    const x = relay(br0) as Record<string, Value>;
    const y = relay(hr0) as Record<string, Value>;
    for (const f of FIELDS.relay) field("Delivery", "relay", f, x[f]!, y[f]!, relayWho);
    rest("Delivery", "relay", "", br0, hr0, FIELDS.relay, relayWho);
  }
  rest("Delivery", "delivery", "", bo.delivery, ho.delivery, FIELDS.delivery, relayWho);
}
