/** Inbound filtering: the organisation's blocked and allowed senders; and who refuses unknown recipients. */
import type { MailPlan } from "../../plan/plan.ts";
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
  // The inbound mode, a plan decision (plan/routing.ts): who refuses mail to addresses the org does not have.
  const refusedBy = (plan: MailPlan): string =>
    plan.inbound.unknownRecipients === "router"
      ? "the router (one receipt rule per domain; a bounce only when SPF or DMARC passed)"
      : "SES at SMTP time (receipt rules list every address)";
  ctx.field("Inbound", "unknown recipients", "refused by", refusedBy(ctx.basePlan), refusedBy(ctx.headPlan), ORG_WIDE);
}
