/** Signature templates, by id. */
import { byKey, keys, ORG_WIDE, type DiffContext } from "./context.ts";

export const FIELDS = {
  signature: ["id", "applies_to", "html", "text"],
} as const;

export function diffSignatures(ctx: DiffContext): void {
  const bsg = byKey(ctx.base.org.signatures, (s) => s.id);
  const hsg = byKey(ctx.head.org.signatures, (s) => s.id);
  for (const n of keys(bsg, hsg)) {
    const b = bsg.get(n);
    const h = hsg.get(n);
    if (JSON.stringify(b) === JSON.stringify(h)) continue;
    ctx.add({ section: "Signatures", kind: !b ? "create" : !h ? "delete" : "modify", subject: n, field: b && h ? "template" : undefined, before: b ? n : null, after: h ? n : null, ...ORG_WIDE });
  }
}
