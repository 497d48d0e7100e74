/** Backup rules: where they copy to, and whose mail (the recipients they cover, departed members included, and the senders). */
import { canon, type Org } from "../../model/org.ts";
import type { MailPlan } from "../../plan/plan.ts";
import { setDiff, type OrgSide, type Value } from "./change.ts";
import { anyAddress, byKey, keys, list, ORG_WIDE, sameList, union, type DiffContext } from "./context.ts";

export const FIELDS = {
  backup: ["name", "to", "match"],
  "backup.match": ["recipients", "senders"],
} as const;

type Backup = Org["backups"][number];

export function diffBackups(ctx: DiffContext): void {
  const { base, head, add, field, rest } = ctx;
  const orgWide = ORG_WIDE;
  const bb = byKey(base.org.backups, (b) => b.name);
  const hb = byKey(head.org.backups, (b) => b.name);
  const covered = (side: OrgSide, b: Backup): string[] => (b.match.recipients ? side.index.expand(b.match.recipients, { includeDeparted: true }) : []);
  const rule = (side: OrgSide, b: Backup): Value => ({ to: canon(b.to), senders: list(b.match.senders), recipients: covered(side, b) });
  /** Whose mail a backup rule copies: the recipients it covers, or every address of each receiving domain. */
  const copied = (side: OrgSide, plan: MailPlan, b: Backup): string[] => {
    const c = covered(side, b);
    return c.length ? c : anyAddress(plan);
  };
  for (const n of keys(bb, hb)) {
    const b = bb.get(n);
    const h = hb.get(n);
    if (!b || !h) {
      add({
        section: "Backups",
        kind: b ? "delete" : "create",
        subject: n,
        before: b ? rule(base, b) : null,
        after: h ? rule(head, h) : null,
        ...orgWide,
        // A new rule starts copying their mail; a removed one stops copying it.
        reroutes: h ? copied(head, ctx.headPlan, h) : copied(base, ctx.basePlan, b!),
        reason: b ? `backup rule ${n} is removed: matching mail is no longer copied to ${canon(b.to)} (copies already made stay; keep the rule, or pass --allow-destructive once the retention obligation has ended)` : undefined,
      });
      continue;
    }
    const copies = { ...orgWide, reroutes: union(copied(base, ctx.basePlan, b), copied(head, ctx.headPlan, h)) };
    field("Backups", n, "to", canon(b.to), canon(h.to), copies);
    field("Backups", n, "senders", list(b.match.senders), list(h.match.senders), copies);
    const cb = covered(base, b);
    const ch = covered(head, h);
    if (!sameList(cb, ch)) {
      // No recipient covered: the rule copies mail to anyone ("*").
      const d = setDiff(cb, ch);
      add({ section: "Backups", kind: "modify", subject: n, field: "recipients", before: cb.length ? cb : ["*"], after: ch.length ? ch : ["*"], via: ctx.viaLabels(b.match.recipients ?? [], h.match.recipients ?? [], d.added, d.removed, { includeDeparted: true }), ...copies });
    }
    rest("Backups", n, "match.", b.match, h.match, FIELDS["backup.match"], copies);
    rest("Backups", n, "", b, h, FIELDS.backup, copies);
  }
}
