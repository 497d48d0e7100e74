/** Credentials and sending rights, as the plan's sending model issues them (one IAM user and key per member who has not departed). */
import type { SendingModel } from "../../plan/sending.ts";
import { sendingShard } from "../../plan/stacks.ts";
import { keys, type DiffContext } from "./context.ts";

/** Every From address and restriction a member's sending policies grant or impose, read from the sending model's policy documents. */
export function sendingRights(model: SendingModel): Map<string, string[]> {
  const groups = new Map(model.groups.map((g) => [g.name, g.policy]));
  const out = new Map<string, string[]>();
  const strings = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  for (const m of model.members) {
    const rights = new Set<string>();
    const statements = [...m.groups.flatMap((g) => groups.get(g)?.Statement ?? []), ...(m.inline?.Statement ?? [])];
    for (const s of statements) {
      const c = s.Condition ?? {};
      if (s.Effect === "Allow") {
        const from = strings(c.StringEqualsIgnoreCase?.["ses:FromAddress"]).filter((f) => f !== "${aws:username}");
        const until = strings(c.DateLessThan?.["aws:CurrentTime"])[0];
        for (const f of from) rights.add(`send as ${f}${until ? ` before ${until}` : ""}`);
      } else {
        for (const r of strings(c["ForAnyValue:StringEqualsIgnoreCase"]?.["ses:Recipients"])) rights.add(`may not mail ${r}`);
        if (c["ForAnyValue:StringNotLike"]) rights.add("internal recipients only");
        const ips = strings(c.NotIpAddress?.["aws:SourceIp"]);
        if (ips.length) rights.add(`send only from ${ips.join(", ")}`);
      }
    }
    out.set(m.address, [...rights].sort());
  }
  return out;
}

export function diffCredentials(ctx: DiffContext): void {
  const { add, field } = ctx;
  // The plan's sending model: the very documents synthesis renders.
  const model = (s: typeof ctx.basePlan.sending): SendingModel => ({ groups: [...s.groups], members: [...s.members] });
  const bModel = model(ctx.basePlan.sending);
  const hModel = model(ctx.headPlan.sending);
  const bc = new Map(bModel.members.map((m) => [m.address, m]));
  const hc = new Map(hModel.members.map((m) => [m.address, m]));
  const bRights = sendingRights(bModel);
  const hRights = sendingRights(hModel);
  for (const a of keys(bc, hc)) {
    const b = bc.get(a);
    const h = hc.get(a);
    const own = { departments: [...new Set([...(b?.departments ?? []), ...(h?.departments ?? [])])].sort(), orgWide: false };
    const cred = (m: typeof b) => (m ? { status: m.status, stack: sendingShard(m.address) } : null);
    if (!b || !h) add({ section: "Credentials", kind: b ? "delete" : "create", subject: a, before: cred(b), after: cred(h), ...own });
    else field("Credentials", a, "status", b.status, h.status, own);
    if (b && h) field("Sending rights", a, "rights", bRights.get(a) ?? [], hRights.get(a) ?? [], own);
  }
}
