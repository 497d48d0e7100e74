/** The can-send simulation: a member's request evaluated against the very policy documents synthesised for them. */
import { canon, domainOf, memberStatus, type Org } from "../org.ts";
import type { OrgIndex } from "./org-index.ts";
import { orgSlug } from "./naming.ts";
import { evaluate } from "./iam-eval.ts";
import { buildSendingModel, memberPolicies } from "./sending.ts";

export interface CanSendRequest {
  readonly as: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly ip?: string;
  /** YYYY-MM-DD; the request time is noon UTC that day. */
  readonly today: string;
}

export interface CanSendResult {
  readonly allowed: boolean;
  readonly reason: string;
  readonly statement: string | null;
}

/** Sample account used to instantiate ARNs in simulation (the policies are account-independent otherwise). */
export const SIMULATION_CONTEXT = { accountId: "123456789012" } as const;

export function canSend(org: Org, index: OrgIndex, req: CanSendRequest): CanSendResult {
  const member = index.members.get(canon(req.as));
  if (!member || index.addresses.get(canon(req.as))?.kind !== "member") {
    return { allowed: false, reason: `${req.as} is not a member's primary address; no credentials exist for it`, statement: null };
  }
  const status = memberStatus(member);
  if (status === "departed") return { allowed: false, reason: `${member.address} has departed: no IAM user or SMTP credentials exist`, statement: null };
  if (status === "disabled") return { allowed: false, reason: `${member.address} is disabled: the access key behind their SMTP credentials is Inactive`, statement: null };
  const ctx = { region: org.organisation.region, accountId: SIMULATION_CONTEXT.accountId };
  const model = buildSendingModel(org, index, req.today, ctx, orgSlug(org));
  const policies = memberPolicies(model, member.address)!;
  const fromDomain = domainOf(req.from);
  const result = evaluate(policies, {
    action: "ses:SendRawEmail",
    resource: `arn:aws:ses:${ctx.region}:${ctx.accountId}:identity/${fromDomain}`,
    context: {
      "aws:username": canon(member.address),
      "ses:FromAddress": canon(req.from),
      "ses:Recipients": req.to.map(canon),
      "aws:SourceIp": req.ip,
      "aws:CurrentTime": `${req.today}T12:00:00Z`,
    },
  });
  const reason =
    result.decision === "Allow"
      ? `allowed by ${result.statement}`
      : result.decision === "Deny"
        ? `denied by ${result.statement}`
        : `no statement allows ${canon(member.address)} to send as ${canon(req.from)}${index.domains.has(fromDomain) ? "" : ` (${fromDomain} is not an org domain)`}`;
  return { allowed: result.decision === "Allow", reason, statement: result.statement };
}
