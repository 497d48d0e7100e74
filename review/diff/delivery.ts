/** Delivery: the relay that receives every delivered copy (rerouting: whose mail it carries). */
import { delivered, ORG_WIDE, union, type DiffContext, type Own } from "./context.ts";
import type { Value } from "./change.ts";

export const FIELDS = {
  delivery: ["relay", "also"],
  relay: ["host", "port", "tls", "auth_secret"],
  "delivery.also": ["host", "port", "tls", "auth_secret", "members"],
} as const;

const owners = new WeakMap<DiffContext, Own>();

/**
 * Who a change of where delivered copies go concerns: the owners, and every address either side delivers to.
 * `reroutes` (a sorted list of every delivered address, 100,000 at 50,000 members) is listed on first read, which
 * is when such a change is added: comparing the relay or the host reads only `departments` and `orgWide`.
 */
export function deliveryOwners(ctx: DiffContext): Own {
  let own = owners.get(ctx);
  if (!own) {
    let reroutes: readonly string[] | undefined;
    own = Object.defineProperty({ ...ORG_WIDE }, "reroutes", { enumerable: true, get: () => (reroutes ??= union(delivered(ctx.basePlan), delivered(ctx.headPlan))) }) as Own;
    owners.set(ctx, own);
  }
  return own;
}

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
  // Dual delivery to the old provider while mail moves: whose mail it copies out, to where; starting and
  // ending it are both reroutes the owners approve (ending it is how the move finishes).
  const ba = bo.delivery?.also;
  const ha = ho.delivery?.also;
  const also = (a: NonNullable<typeof ba>): Record<string, Value> => ({ host: a.host.toLowerCase(), port: a.port ?? 587, tls: a.tls, auth_secret: a.auth_secret ?? null, members: [...new Set(a.members.map((m) => m.toLowerCase()))].sort() });
  const alsoWho = (...sides: (typeof ba)[]): Own => ({ ...ORG_WIDE, reroutes: union(...sides.map((a) => (a ? (also(a).members as string[]) : []))) });
  if (!ba && ha) add({ section: "Delivery", kind: "create", subject: "also", before: null, after: also(ha), ...alsoWho(ha) });
  else if (ba && !ha) add({ section: "Delivery", kind: "delete", subject: "also", before: also(ba), after: null, ...alsoWho(ba) });
  else if (ba && ha) {
    const x = also(ba);
    const y = also(ha);
    for (const f of FIELDS["delivery.also"]) field("Delivery", "also", f, x[f]!, y[f]!, alsoWho(ba, ha));
    rest("Delivery", "also", "", ba, ha, FIELDS["delivery.also"], alsoWho(ba, ha));
  }
  rest("Delivery", "delivery", "", bo.delivery, ho.delivery, FIELDS.delivery, relayWho);
}
