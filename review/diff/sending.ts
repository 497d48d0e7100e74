/** Organisation-wide sending restrictions: allowed IP ranges, who is exempt, who may mail only colleagues, and the named IP ranges. */
import { listSetting, ORG_WIDE, type DiffContext } from "./context.ts";

export const FIELDS = {
  sending: ["allowed_ip_ranges", "exempt", "internal_only"],
} as const;

export function diffSending(ctx: DiffContext): void {
  const bs = ctx.base.org.sending;
  const hs = ctx.head.org.sending;
  listSetting(ctx, "Sending", "allowed_ip_ranges", bs.allowed_ip_ranges, hs.allowed_ip_ranges, false);
  listSetting(ctx, "Sending", "exempt", bs.exempt, hs.exempt, true);
  listSetting(ctx, "Internal only", "sending.internal_only", bs.internal_only, hs.internal_only, true);
  const bi = ctx.base.org.ip_ranges;
  const hi = ctx.head.org.ip_ranges;
  for (const name of [...new Set([...Object.keys(bi), ...Object.keys(hi)])].sort()) listSetting(ctx, "IP ranges", name, bi[name], hi[name], false);
  ctx.rest("Sending", "sending", "", bs, hs, FIELDS.sending, ORG_WIDE);
}
