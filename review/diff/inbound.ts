/** Inbound filtering: the organisation's blocked and allowed senders. */
import { listSetting, ORG_WIDE, type DiffContext } from "./context.ts";

export const FIELDS = {
  inbound: ["blocked", "allowed"],
} as const;

export function diffInbound(ctx: DiffContext): void {
  const b = ctx.base.org.inbound;
  const h = ctx.head.org.inbound;
  listSetting(ctx, "Inbound", "inbound.blocked", b.blocked, h.blocked, false);
  listSetting(ctx, "Inbound", "inbound.allowed", b.allowed, h.allowed, false);
  ctx.rest("Inbound", "inbound", "", b, h, FIELDS.inbound, ORG_WIDE);
}
