/**
 * The one sending decision, over a plan computed once: may this member send this message? It reads only plain
 * data taken from the MailPlan (the sending model's IAM documents, members' statuses, the org's region, time zone
 * and domains), so the same code decides in `mailorg can-send`, in the sandbox, and on the mailbox host, where
 * the Postfix policy service (mailhost/policy-service.ts, an esbuild bundle of this module) loads that data as
 * JSON once and answers every request from it.
 */
import { canon, domainOf, memberStatus, type Org } from "../model/org.ts";
import { startOfDay } from "../model/timezone.ts";
import { ACCOUNT_ID_PLACEHOLDER, memberPolicies, type MemberCredentials, type SharedGroup } from "./sending.ts";
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
}

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
  };
  inputs.set(plan, input);
  return input;
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
  const fromDomain = domainOf(req.from);
  const result = evaluate(policies, sendIamRequest(input, address, req));
  const reason =
    result.decision === "Allow"
      ? `allowed by ${result.statement}`
      : result.decision === "Deny"
        ? `denied by ${result.statement}`
        : `no statement allows ${address} to send as ${canon(req.from)}${lookup.domains.has(fromDomain) ? "" : ` (${fromDomain} is not an org domain)`}`;
  // IAM compares ses:Recipients case-sensitively against the internal-only patterns: say why a colleague was refused.
  const mixed = req.to.filter((r) => r !== r.slice(0, r.lastIndexOf("@") + 1) + domainOf(r) && lookup.domains.has(domainOf(r)));
  const hint =
    result.statement?.includes("DenyRecipientsOutsideTheOrg") && mixed.length
      ? ` (IAM compares recipient domains case-sensitively: write ${mixed.map((r) => r.slice(0, r.lastIndexOf("@") + 1) + domainOf(r)).join(", ")})`
      : "";
  return { allowed: result.decision === "Allow", reason: reason + hint, statement: result.statement };
}
