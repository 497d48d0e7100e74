/**
 * Signature templates, by id, and what they decide: which template each member gets. The first template whose
 * applies_to covers a member wins, so reordering templates (or moving one to another file) can change a
 * member's signature with no template changed: that outcome is shown member by member.
 */
import { canon, memberStatus } from "../../model/org.ts";
import { templateFor } from "../../plan/signatures.ts";
import type { OrgSide } from "./change.ts";
import { byKey, keys, ORG_WIDE, type DiffContext } from "./context.ts";

export const FIELDS = {
  signature: ["id", "applies_to", "html", "text"],
} as const;

/** The template each active member gets, by address. */
function templates(side: OrgSide): Map<string, string | null> {
  return new Map(side.org.members.filter((m) => memberStatus(m) === "active").map((m) => [canon(m.address), templateFor(side.org, side.index, m)?.id ?? null]));
}

export function diffSignatures(ctx: DiffContext): void {
  const bsg = byKey(ctx.base.org.signatures, (s) => s.id);
  const hsg = byKey(ctx.head.org.signatures, (s) => s.id);
  for (const n of keys(bsg, hsg)) {
    const b = bsg.get(n);
    const h = hsg.get(n);
    if (JSON.stringify(b) === JSON.stringify(h)) continue;
    ctx.add({ section: "Signatures", kind: !b ? "create" : !h ? "delete" : "modify", subject: n, field: b && h ? "template" : undefined, before: b ? n : null, after: h ? n : null, ...ORG_WIDE });
  }
  // Who gets which template: for members active on both sides (an arrival or a departure is its own change).
  const tb = templates(ctx.base);
  const th = templates(ctx.head);
  for (const a of [...tb.keys()].filter((x) => th.has(x)).sort()) {
    ctx.field("Signatures", a, "member's template", tb.get(a)!, th.get(a)!, ORG_WIDE);
  }
}
