/**
 * The one sending decision, over a plan computed once: may this member send this message? It reads only plain
 * data taken from the MailPlan (the sending model's IAM documents, members' statuses, the org's region, time zone
 * and domains), so the same code decides in `mailorg can-send`, in the sandbox, and on the mailbox host, where
 * the Postfix policy service (mailhost/policy-service.ts, an esbuild bundle of this module) loads that data as
 * JSON once and answers every request from it.
 */
import { canon, domainOf, memberStatus, type Org } from "../model/org.ts";
import { startOfDay } from "../model/timezone.ts";
import { ACCOUNT_ID_PLACEHOLDER, memberPolicies, type DatedDelegation, type MemberCredentials, type SharedGroup } from "./sending.ts";
import { evaluate, type IamRequest } from "./iam-eval.ts";

/** Sample account used to instantiate ARNs in simulation (the policies are account-independent otherwise). */
export const SIMULATION_ACCOUNT_ID = "123456789012";

/** What a sending decision reads: plain JSON, computed once from the plan (sendDecisionInput). */
export interface SendDecisionInput {
  readonly region: string;
  /** organisation.timezone (default UTC): `today` means noon of that day there. */
  readonly timezone: string;
  /** The org's domains, canonical, sorted (to say that a From domain is not one of them). */
  readonly domains: readonly string[];
  /** Every member's primary address (canonical) -> status; aliases, mailboxes and groups are not members. */
  readonly statuses: Readonly<Record<string, "active" | "disabled" | "departed">>;
  /** The plan's sending model with the account placeholder replaced by SIMULATION_ACCOUNT_ID. */
  readonly groups: readonly SharedGroup[];
  readonly members: readonly MemberCredentials[];
  /**
   * Every delegation with an end date, canonical and sorted: a denial names the one that ended, whether the plan
   * already left it out (can-send, a later day) or its DateLessThan ended it since (the host, by its clock).
   */
  readonly datedDelegations: readonly DatedDelegation[];
  /** What each address of the org is (canonical): a member's own, an alias (owner: its member), a group, a mailbox. */
  readonly addresses: Readonly<Record<string, { readonly kind: "member" | "alias" | "group" | "mailbox"; readonly owner: string }>>;
}

/** Why no statement allows a From address: what the org says of it. */
export type Because =
  | { readonly rule: "delegation-ended"; readonly mailbox: string; readonly until: string; readonly today: string; readonly timezone: string }
  | { readonly rule: "not-a-delegate"; readonly mailbox: string }
  | { readonly rule: "another-member"; readonly owner: string }
  | { readonly rule: "group-address"; readonly group: string }
  | { readonly rule: "unknown-address"; readonly address: string }
  | { readonly rule: "not-an-org-domain"; readonly domain: string };

export interface SendRequest {
  /** Who is logged in (a member's primary address, any case). */
  readonly as: string;
  /** The From address exactly as the client sent it. */
  readonly from: string;
  /** The recipients exactly as the client sent them. */
  readonly to: readonly string[];
  readonly ip?: string;
  /** When: an instant (ISO 8601, the host's clock), or a day (YYYY-MM-DD: noon that day in the org's time zone). */
  readonly at: { readonly instant: string } | { readonly today: string };
}

export interface SendDecision {
  readonly allowed: boolean;
  readonly reason: string;
  /** The deciding statement as "<policy name>: <Sid>", or null when none decided (implicit deny, no member). */
  readonly statement: string | null;
  /** When no statement allows the From address: the rule that would have, and why it did not. */
  readonly because?: Because;
}

const inputs = new WeakMap<object, SendDecisionInput>();

/**
 * The decision's input from the plan's sending model (computed once, by planOrg) and the org's members,
 * region, time zone and domains; computed once per plan.
 */
export function sendDecisionInput(plan: { readonly sending: { readonly groups: readonly SharedGroup[]; readonly members: readonly MemberCredentials[] } }, org: Org): SendDecisionInput {
  const cached = inputs.get(plan);
  if (cached) return cached;
  const json = JSON.stringify({ groups: plan.sending.groups, members: plan.sending.members }).replaceAll(ACCOUNT_ID_PLACEHOLDER, SIMULATION_ACCOUNT_ID);
  const model = JSON.parse(json) as { groups: SharedGroup[]; members: MemberCredentials[] };
  const statuses = org.members.map((m) => [canon(m.address), memberStatus(m)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const input: SendDecisionInput = {
    region: org.organisation.region,
    timezone: org.organisation.timezone ?? "UTC",
    domains: [...new Set(org.domains.map((d) => canon(d.name)))].sort(),
    statuses: Object.fromEntries(statuses),
    groups: model.groups,
    members: model.members,
    datedDelegations: org.mailboxes
      .flatMap((mb) => (mb.delegates ?? []).flatMap((d) => (d.until === undefined ? [] : [{ member: canon(d.member), mailbox: canon(mb.address), until: d.until }])))
      .sort((a, b) => (a.member + " " + a.mailbox < b.member + " " + b.mailbox ? -1 : 1)),
    addresses: orgAddresses(org),
  };
  inputs.set(plan, input);
  return input;
}

/** Every address of the org and what it is; the first declaration wins, as in the index. */
function orgAddresses(org: Org): SendDecisionInput["addresses"] {
  const out: Record<string, { kind: "member" | "alias" | "group" | "mailbox"; owner: string }> = Object.create(null);
  const put = (address: string, kind: "member" | "alias" | "group" | "mailbox", owner: string) => {
    const key = canon(address);
    if (!(key in out)) out[key] = { kind, owner: canon(owner) };
  };
  for (const m of org.members) put(m.address, "member", m.address);
  for (const m of org.members) for (const a of m.aliases ?? []) put(a, "alias", m.address);
  for (const g of org.groups) put(g.address, "group", g.address);
  for (const mb of org.mailboxes) put(mb.address, "mailbox", mb.address);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The org's day of a request: the day given, or the instant's date in the org's time zone. */
function dayOf(at: SendRequest["at"], timezone: string): string {
  if ("today" in at) return at.today;
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(at.instant));
}

/**
 * The rule that would have let `member` send as `from`, and why it does not: a delegation the plan left out
 * because it ended, a mailbox they are not a delegate of, another member's address or alias, a group, or an
 * address the org does not have. Read from the decision's input; the decision itself was the policies'.
 */
export function whyNot(input: SendDecisionInput, member: string, from: string, today: string): Because {
  const domain = domainOf(from);
  if (!input.domains.includes(domain)) return { rule: "not-an-org-domain", domain };
  const lapsed = input.datedDelegations.find((d) => d.member === member && d.mailbox === from && d.until < today);
  if (lapsed) return { rule: "delegation-ended", mailbox: from, until: lapsed.until, today, timezone: input.timezone };
  const entry = Object.hasOwn(input.addresses, from) ? input.addresses[from] : undefined;
  if (entry?.kind === "mailbox") return { rule: "not-a-delegate", mailbox: from };
  if (entry?.kind === "group") return { rule: "group-address", group: from };
  if (entry) return { rule: "another-member", owner: entry.owner };
  return { rule: "unknown-address", address: from };
}

export function explain(member: string, from: string, b: Because): string {
  switch (b.rule) {
    case "delegation-ended":
      return `delegation of ${b.mailbox} to ${member} ended on ${b.until} (today is ${b.today} in ${b.timezone})`;
    case "not-a-delegate":
      return `${b.mailbox} is a shared mailbox and ${member} is not among its delegates (its department adds delegates)`;
    case "group-address":
      return `${b.group} is a group; mail to a group is sent from the sender's own address`;
    case "another-member":
      return `${from} is ${b.owner === from ? "another member's address" : `an alias of ${b.owner}`}; only they may send as it`;
    case "unknown-address":
      return `${b.address} is no address of the org (a member's address or alias, or a mailbox delegated to the sender)`;
    case "not-an-org-domain":
      return `${b.domain} is not an org domain`;
  }
}

/** The instant a request is evaluated at, as IAM's aws:CurrentTime (ISO 8601, seconds). */
export function requestTime(at: SendRequest["at"], timezone: string): string {
  const t = "instant" in at ? new Date(at.instant) : new Date(startOfDay(at.today, timezone).getTime() + 12 * 3600_000);
  return t.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The request SES makes to IAM for this message, with the values exactly as the client sends them: IAM sees
 * the From address and recipients in the case they were typed, so the decision does too. The user name is the
 * member's canonical address.
 */
export function sendIamRequest(input: Pick<SendDecisionInput, "region" | "timezone">, member: string, req: SendRequest): IamRequest {
  return {
    action: "ses:SendRawEmail",
    resource: `arn:aws:ses:${input.region}:${SIMULATION_ACCOUNT_ID}:identity/${domainOf(req.from)}`,
    context: {
      "aws:username": canon(member),
      "ses:FromAddress": req.from,
      "ses:Recipients": [...req.to],
      "aws:SourceIp": req.ip,
      "aws:CurrentTime": requestTime(req.at, input.timezone),
    },
  };
}

/** A member lookup over the input, built once per input (the host answers many requests from one input). */
const lookups = new WeakMap<SendDecisionInput, { members: Map<string, MemberCredentials>; domains: Set<string> }>();

export function decideSend(input: SendDecisionInput, req: SendRequest): SendDecision {
  let lookup = lookups.get(input);
  if (!lookup) lookups.set(input, (lookup = { members: new Map(input.members.map((m) => [m.address, m])), domains: new Set(input.domains) }));
  const address = canon(req.as);
  const status = Object.hasOwn(input.statuses, address) ? input.statuses[address] : undefined;
  if (status === undefined) return { allowed: false, reason: `${req.as} is not a member's primary address; no credentials exist for it`, statement: null };
  if (status === "departed") return { allowed: false, reason: `${address} has departed: no IAM user or SMTP credentials exist`, statement: null };
  if (status === "disabled") return { allowed: false, reason: `${address} is disabled: the access key behind their SMTP credentials is Inactive`, statement: null };
  const policies = memberPolicies({ groups: input.groups, members: lookup.members.has(address) ? [lookup.members.get(address)!] : [] }, address) ?? [];
  const result = evaluate(policies, sendIamRequest(input, address, req));
  const because = result.decision === "ImplicitDeny" ? whyNot(input, address, canon(req.from), dayOf(req.at, input.timezone)) : undefined;
  const reason =
    result.decision === "Allow"
      ? `allowed by ${result.statement}`
      : result.decision === "Deny"
        ? `denied by ${result.statement}`
        : `no statement allows ${address} to send as ${canon(req.from)}: ${explain(address, canon(req.from), because!)}`;
  // IAM compares ses:Recipients case-sensitively against the internal-only patterns: say why a colleague was refused.
  const mixed = req.to.filter((r) => r !== r.slice(0, r.lastIndexOf("@") + 1) + domainOf(r) && lookup.domains.has(domainOf(r)));
  const hint =
    result.statement?.includes("DenyRecipientsOutsideTheOrg") && mixed.length
      ? ` (IAM compares recipient domains case-sensitively: write ${mixed.map((r) => r.slice(0, r.lastIndexOf("@") + 1) + domainOf(r)).join(", ")})`
      : "";
  return { allowed: result.decision === "Allow", reason: reason + hint, statement: result.statement, ...(because ? { because } : {}) };
}
