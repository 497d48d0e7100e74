/** Credentials and sending rights, as the plan's sending model issues them (one IAM user and key per member who has not departed). */
import type { MemberCredentials, SendingModel, Statement } from "../../plan/sending.ts";
import { sendingShard } from "../../plan/stacks.ts";
import { keys, type DiffContext } from "./context.ts";

/** The rights a list of policy statements grants or imposes: From addresses (and until when), denied recipients, internal only, source IPs. */
function statementRights(statements: readonly Statement[]): string[] {
  const rights: string[] = [];
  const strings = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  for (const s of statements) {
    const c = s.Condition ?? {};
    if (s.Effect === "Allow") {
      const from = strings(c.StringEqualsIgnoreCase?.["ses:FromAddress"]).filter((f) => f !== "${aws:username}");
      const until = strings(c.DateLessThan?.["aws:CurrentTime"])[0];
      for (const f of from) rights.push(`send as ${f}${until ? ` before ${until}` : ""}`);
    } else {
      for (const r of strings(c["ForAnyValue:StringEqualsIgnoreCase"]?.["ses:Recipients"])) rights.push(`may not mail ${r}`);
      if (c["ForAnyValue:StringNotLike"]) rights.push("internal recipients only");
      const ips = strings(c.NotIpAddress?.["aws:SourceIp"]);
      if (ips.length) rights.push(`send only from ${ips.join(", ")}`);
    }
  }
  return rights;
}

/** Each shared group's rights, read once (a group's deny list can name hundreds of restricted groups, and thousands of members share it). */
function groupRights(model: Pick<SendingModel, "groups" | "members">): Map<string, string[]> {
  return new Map(model.groups.map((g) => [g.name, statementRights(g.policy.Statement)]));
}

function memberRights(m: MemberCredentials, byGroup: ReadonlyMap<string, readonly string[]>): string[] {
  const rights = new Set<string>();
  for (const g of m.groups) for (const r of byGroup.get(g) ?? []) rights.add(r);
  for (const r of statementRights(m.inline?.Statement ?? [])) rights.add(r);
  return [...rights].sort();
}

/** Every From address and restriction a member's sending policies grant or impose, read from the sending model's policy documents. */
export function sendingRights(model: Pick<SendingModel, "groups" | "members">): Map<string, string[]> {
  const byGroup = groupRights(model);
  return new Map(model.members.map((m) => [m.address, memberRights(m, byGroup)]));
}

/** A sending model's groups and members, as the plan or the sending model gives them. */
export type SendingView = { readonly groups: readonly SendingModel["groups"][number][]; readonly members: readonly MemberCredentials[] };

/**
 * Credentials and sending rights, compared from both sides' sending models (the plan's, the very documents
 * synthesis renders): diffOrgs passes the plans', and the review's other thread (review/rules-worker.ts) its own.
 */
export function diffCredentials(ctx: Pick<DiffContext, "add" | "field">, base: SendingView, head: SendingView): void {
  const { add, field } = ctx;
  const model = (s: SendingView): Pick<SendingModel, "groups" | "members"> => ({ groups: [...s.groups], members: [...s.members] });
  const bModel = model(base);
  const hModel = model(head);
  const bc = new Map(bModel.members.map((m) => [m.address, m]));
  const hc = new Map(hModel.members.map((m) => [m.address, m]));
  const bGroups = groupRights(bModel);
  const hGroups = groupRights(hModel);
  // Groups whose rights differ between the sides (or that exist on one side only): a member in none of them,
  // with the same groups and inline policy on both sides, has the same rights, and is not compared string by string.
  const changedGroups = new Set([...new Set([...bGroups.keys(), ...hGroups.keys()])].filter((n) => JSON.stringify(bGroups.get(n)) !== JSON.stringify(hGroups.get(n))));
  const sameRights = (b: MemberCredentials, h: MemberCredentials): boolean =>
    b.groups.length === h.groups.length && b.groups.every((g, i) => g === h.groups[i] && !changedGroups.has(g)) && JSON.stringify(b.inline) === JSON.stringify(h.inline);
  for (const a of keys(bc, hc)) {
    const b = bc.get(a);
    const h = hc.get(a);
    const own = { departments: [...new Set([...(b?.departments ?? []), ...(h?.departments ?? [])])].sort(), orgWide: false };
    const cred = (m: typeof b) => (m ? { status: m.status, stack: sendingShard(m.address) } : null);
    if (!b || !h) add({ section: "Credentials", kind: b ? "delete" : "create", subject: a, before: cred(b), after: cred(h), ...own });
    else field("Credentials", a, "status", b.status, h.status, own);
    if (b && h && !sameRights(b, h)) field("Sending rights", a, "rights", memberRights(b, bGroups), memberRights(h, hGroups), own);
  }
}
