/** Shared mailboxes and their delegations (who may send as a mailbox, until when). */
import { canon } from "../../model/org.ts";
import { byKey, keys, type DiffContext } from "./context.ts";

export const FIELDS = {
  mailbox: ["address", "name", "department", "delegates"],
  delegate: ["member", "until"],
} as const;

export function diffMailboxes(ctx: DiffContext): void {
  const { base, head, add, field, rest } = ctx;
  const bx = byKey(base.org.mailboxes, (m) => canon(m.address));
  const hx = byKey(head.org.mailboxes, (m) => canon(m.address));
  for (const a of keys(bx, hx)) {
    const b = bx.get(a);
    const h = hx.get(a);
    const d = [...new Set([b?.department, h?.department].filter((x): x is string => !!x))].sort();
    const own = { departments: d, orgWide: d.length === 0 };
    if (!b && h) add({ section: "Mailboxes", kind: "create", subject: a, before: null, after: { department: h.department ?? null }, ...own });
    else if (b && !h) {
      add({
        section: "Mailboxes",
        kind: "delete",
        subject: a,
        before: { department: b.department ?? null },
        after: null,
        ...own,
        reason: `shared mailbox ${a} is removed: new mail to it is no longer delivered${(b.delegates ?? []).length ? ` and its delegates lose the right to send as it` : ""} (its stored mail stays until it expires; keep the mailbox, or forward its address through a group first)`,
      });
    }
    const dl = (m: typeof b) => byKey(m?.delegates ?? [], (x) => canon(x.member));
    const db = dl(b);
    const dh = dl(h);
    for (const who of keys(db, dh)) {
      const x = db.get(who);
      const y = dh.get(who);
      const u0 = x ? (x.until ?? null) : undefined;
      const u1 = y ? (y.until ?? null) : undefined;
      if (u0 === undefined) add({ section: "Delegations", kind: "create", subject: a, field: "delegate", before: null, after: { member: who, until: u1 ?? null }, ...own });
      else if (u1 === undefined) add({ section: "Delegations", kind: "delete", subject: a, field: "delegate", before: { member: who, until: u0 }, after: null, ...own });
      else if (u0 !== u1) add({ section: "Delegations", kind: "modify", subject: a, field: "delegate", before: { member: who, until: u0 }, after: { member: who, until: u1 }, ...own });
      if (x && y) rest("Delegations", a, `delegate ${who} `, x, y, FIELDS.delegate, own);
    }
    if (b && h) {
      field("Mailboxes", a, "department", b.department ?? null, h.department ?? null, own);
      field("Mailboxes", a, "name", b.name, h.name, own);
      rest("Mailboxes", a, "", b, h, FIELDS.mailbox, own);
    }
  }
}
