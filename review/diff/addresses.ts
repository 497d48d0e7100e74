/**
 * Who receives each address: an address that the catch-all or another target received before, and now someone
 * else does (a new alias, member, group or mailbox taking it over), is mail going somewhere else, so the
 * organisation owners approve it. Role addresses (RFC 2142's, and those certificate authorities send
 * domain-validation mail to) always need the owners and carry a warning, whichever way they change hands.
 */
import { domainOf } from "../../model/org.ts";
import { CERTIFICATE_ROLES, isRoleAddress, localPart } from "../../model/role-addresses.ts";
import type { OrgSide } from "./change.ts";
import { ORG_WIDE, type DiffContext } from "./context.ts";

/** Who receives an address on a side: "member x", "group g", "mailbox m", "the catch-all c", or null (refused). */
function receiver(side: OrgSide, catchAllDomains: ReadonlySet<string>, address: string): string | null {
  const e = side.index.addresses.get(address);
  if (e) return `${e.kind === "alias" ? "member" : e.kind} ${e.target}`;
  const c = side.org.organisation.catch_all;
  return c && catchAllDomains.has(domainOf(address)) ? `the catch-all ${c.toLowerCase()}` : null;
}

export function diffAddresses(ctx: DiffContext): void {
  const bDomains = new Set(ctx.basePlan.inbound.table.receivingDomains);
  const hDomains = new Set(ctx.headPlan.inbound.table.receivingDomains);
  const all = [...new Set([...ctx.base.index.addresses.keys(), ...ctx.head.index.addresses.keys()])].sort();
  for (const a of all) {
    // Declared on both sides as the same kind of address of the same target: the same receiver (the common case, cheaply).
    const eb = ctx.base.index.addresses.get(a);
    const eh = ctx.head.index.addresses.get(a);
    if (eb && eh && eb.kind === eh.kind && eb.target === eh.target) continue;
    if (!hDomains.has(domainOf(a)) && !bDomains.has(domainOf(a))) continue;
    const before = receiver(ctx.base, bDomains, a);
    const after = receiver(ctx.head, hDomains, a);
    if (before === after) continue;
    const role = isRoleAddress(a);
    // Only an address that someone now receives instead (removals are their own changes), and that the
    // catch-all or another target received before (a new address nobody received is an ordinary creation);
    // a role address whichever way it changes hands.
    // A person arriving with their own address is a hire, approved by their department, not a takeover.
    const arrival = after === `member ${a}` && !ctx.base.index.members.has(a);
    const takenOver = after !== null && !after.startsWith("the catch-all") && before !== null && !arrival;
    if (!takenOver && !role) continue;
    const warning = role
      ? `${a} is a role address (RFC 2142)${CERTIFICATE_ROLES.has(localPart(a)) ? `; certificate authorities send domain-validation mail to it, so whoever receives it can obtain certificates for ${domainOf(a)}` : ""}`
      : undefined;
    ctx.add({ section: "Inbound", kind: "modify", subject: a, field: "receiver", before, after, ...ORG_WIDE, reroutes: [a], ...(warning ? { warning } : {}) });
  }
}
