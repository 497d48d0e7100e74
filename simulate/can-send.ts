/** The can-send simulation: a member's request evaluated against the very policy documents synthesised for them. */
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { planOrg } from "../plan/plan.ts";
import type { IamRequest } from "../plan/iam-eval.ts";
import { decideSend, sendDecisionInput, sendIamRequest, SIMULATION_ACCOUNT_ID } from "../plan/send-decision.ts";

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
}

/** Sample account used to instantiate ARNs in simulation (the policies are account-independent otherwise). */
export const SIMULATION_CONTEXT = { accountId: SIMULATION_ACCOUNT_ID } as const;

export function canSend(org: Org, index: OrgIndex, req: CanSendRequest): CanSendResult {
  // The one decision (plan/send-decision.ts, also the mailbox host's policy service), over the plan computed once.
  // Stryker disable next-line ObjectLiteral: equivalent, a delegation the plan drops as ended before today is also refused by its DateLessThan condition at noon today
  const plan = planOrg(org, index, { today: req.today });
  return decideSend(sendDecisionInput(plan, org), { as: req.as, from: req.from, to: req.to, ip: req.ip, at: { today: req.today } });
}

/**
 * The request SES makes to IAM for this message, with the values exactly as the client sends them: IAM sees
 * the From address and recipients in the case they were typed, so the simulation does too. The user name is
 * the member's canonical address (the IAM user is created with it); the time is noon of `today` in the
 * organisation's time zone.
 */
export function canSendRequest(org: Org, member: string, req: CanSendRequest): IamRequest {
  return sendIamRequest({ region: org.organisation.region, timezone: org.organisation.timezone ?? "UTC" }, member, { ...req, at: { today: req.today } });
}
