/** The can-send simulation: a member's request evaluated against the very policy documents synthesised for them. */
import { canon, domainOf, memberStatus, type Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { planOrg, withAccount } from "../plan/plan.ts";
import { memberPolicies, type EndedDelegation } from "../plan/sending.ts";
import { evaluate, type IamRequest } from "./iam-eval.ts";
import { startOfDay } from "../model/timezone.ts";

export interface CanSendRequest {
  readonly as: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly ip?: string;
  /** YYYY-MM-DD; the request time is noon that day in organisation.timezone. */
  readonly today: string;
}

export interface CanSendResult {
  readonly allowed: boolean;
  readonly reason: string;
  readonly statement: string | null;
  /**
   * When no statement allows the request, the rule that would have allowed it and why it did not, read from
   * the plan that decided (absent when a statement decided, or when nothing would have allowed it).
   */
  readonly because?: Because;
}

/** Why no statement allows a From address: what the org says of it. */
export type Because =
  | { readonly rule: "delegation-ended"; readonly mailbox: string; readonly until: string; readonly today: string; readonly timezone: string }
  | { readonly rule: "not-a-delegate"; readonly mailbox: string }
  | { readonly rule: "another-member"; readonly owner: string }
  | { readonly rule: "group-address"; readonly group: string }
  | { readonly rule: "unknown-address"; readonly address: string }
  | { readonly rule: "not-an-org-domain"; readonly domain: string };

/** Sample account used to instantiate ARNs in simulation (the policies are account-independent otherwise). */
export const SIMULATION_CONTEXT = { accountId: "123456789012" } as const;

export function canSend(org: Org, index: OrgIndex, req: CanSendRequest): CanSendResult {
  const member = index.members.get(canon(req.as));
  // index.members holds members' primary addresses only (an alias, mailbox or group is not there).
  if (!member) {
    return { allowed: false, reason: `${req.as} is not a member's primary address; no credentials exist for it`, statement: null };
  }
  const status = memberStatus(member);
  if (status === "departed") return { allowed: false, reason: `${member.address} has departed: no IAM user or SMTP credentials exist`, statement: null };
  if (status === "disabled") return { allowed: false, reason: `${member.address} is disabled: the access key behind their SMTP credentials is Inactive`, statement: null };
  // The very documents synthesis renders (the plan's), in a sample account.
  // Stryker disable next-line ObjectLiteral: equivalent, a delegation the plan drops as ended before today is also refused by its DateLessThan condition at noon today
  const plan = planOrg(org, index, { today: req.today });
  const policies = JSON.parse(withAccount(JSON.stringify(memberPolicies(plan.sending, member.address)), SIMULATION_CONTEXT.accountId)) as NonNullable<ReturnType<typeof memberPolicies>>;
  const fromDomain = domainOf(req.from);
  const request = canSendRequest(org, member.address, req);
  const result = evaluate(policies, request);
  const because = result.decision === "ImplicitDeny" ? whyNot(org, index, plan.sending.endedDelegations, canon(member.address), canon(req.from), req.today) : undefined;
  const reason =
    result.decision === "Allow"
      ? `allowed by ${result.statement}`
      : result.decision === "Deny"
        ? `denied by ${result.statement}`
        : `no statement allows ${canon(member.address)} to send as ${canon(req.from)}: ${explain(canon(member.address), canon(req.from), because!)}`;
  // IAM compares ses:Recipients case-sensitively against the internal-only patterns: say why a colleague was refused.
  const mixed = req.to.filter((r) => r !== r.slice(0, r.lastIndexOf("@") + 1) + domainOf(r) && index.domains.has(domainOf(r)));
  const hint = result.statement?.includes("DenyRecipientsOutsideTheOrg") && mixed.length
    ? ` (IAM compares recipient domains case-sensitively: write ${mixed.map((r) => r.slice(0, r.lastIndexOf("@") + 1) + domainOf(r)).join(", ")})`
    : "";
  return { allowed: result.decision === "Allow", reason: reason + hint, statement: result.statement, ...(because ? { because } : {}) };
}

/**
 * The rule that would have let `member` send as `from`, and why it does not: a delegation the plan left out
 * because it ended, a mailbox they are not a delegate of, another member's address, a group, or an address
 * the org does not have. Read from the plan and the index; the decision itself was the policies'.
 */
export function whyNot(org: Org, index: OrgIndex, ended: readonly EndedDelegation[], member: string, from: string, today: string): Because {
  const domain = domainOf(from);
  if (!index.domains.has(domain)) return { rule: "not-an-org-domain", domain };
  const lapsed = ended.find((d) => d.member === member && d.mailbox === from);
  if (lapsed) return { rule: "delegation-ended", mailbox: from, until: lapsed.until, today, timezone: org.organisation.timezone ?? "UTC" };
  const entry = index.addresses.get(from);
  if (entry?.kind === "mailbox") return { rule: "not-a-delegate", mailbox: from };
  if (entry?.kind === "group") return { rule: "group-address", group: from };
  if (entry) return { rule: "another-member", owner: entry.target };
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

/**
 * The request SES makes to IAM for this message, with the values exactly as the client sends them: IAM sees
 * the From address and recipients in the case they were typed, so the simulation does too. The user name is
 * the member's canonical address (the IAM user is created with it); the time is noon of `today` in the
 * organisation's time zone.
 */
export function canSendRequest(org: Org, member: string, req: CanSendRequest): IamRequest {
  const tz = org.organisation.timezone ?? "UTC";
  return {
    action: "ses:SendRawEmail",
    resource: `arn:aws:ses:${org.organisation.region}:${SIMULATION_CONTEXT.accountId}:identity/${domainOf(req.from)}`,
    context: {
      "aws:username": canon(member),
      "ses:FromAddress": req.from,
      "ses:Recipients": [...req.to],
      "aws:SourceIp": req.ip,
      "aws:CurrentTime": new Date(startOfDay(req.today, tz).getTime() + 12 * 3600_000).toISOString().replace(".000Z", "Z"),
    },
  };

}
