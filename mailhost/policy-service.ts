/**
 * The mailbox host's Postfix policy service (check_policy_service, Postfix's SMTPD_POLICY_README protocol): it
 * decides every message a member submits with the one sending decision (plan/send-decision.ts, the code
 * `mailorg can-send` runs), over the plan's sending model loaded once as JSON. Postfix's spawn(8) runs it per SMTP
 * session (mailorg-policy in master.cf); it reads name=value requests from stdin and answers one action each.
 *
 * - The sender (policy_context=sender, at MAIL FROM): may the logged-in member send as this sender, from this client address? No: `REJECT 5.7.1 ...
 *   [rule]`. Yes: `FILTER <transport>`, so that every recipient of the message, local or not, leaves through SES
 *   (mail to the org's own addresses comes back through the router like any other, with its groups, forwards and
 *   backups).
 * - A recipient (policy_context=recipient, at RCPT TO): the same decision with this recipient (internal-only, restricted groups): `REJECT 5.7.1 ... [rule]`
 *   or `OK` (the router decides the recipient's mailbox later, so the host's own recipient checks are skipped).
 * - The router's relay login and unauthenticated clients: `DUNNO` (the other restrictions decide).
 *
 * A message is accepted with recipients R exactly when can-send allows (from, R, client address): every Deny the
 * plan writes is "any recipient matches", so the recipients accepted one by one are allowed together.
 */
import { createInterface } from "node:readline";
import { decisionFor, type DecisionSource } from "../plan/decision-shards.ts";
import { decideSend, type SendDecision } from "../plan/send-decision.ts";

/** What the policy service loads (the host's mailorg/policy.json, generated from the plan). */
export interface PolicyConfig {
  /** The router's SMTP AUTH user: its relay is not a member's submission. */
  readonly relayUser: string;
  /** Where accepted members' messages go (Postfix's FILTER action): "mailorg-ses:" (the SES relay transport). */
  readonly filter: string;
  /** The one decision's input (plan's sending model, members' statuses): whole, or on the host split by address (plan/decision-shards.ts). */
  readonly decision: DecisionSource;
  /** A fixed day to decide on (the sandbox's --today); absent on the host: the clock at each request. */
  readonly today?: string;
  /** The client address the rules see instead of Postfix's (the sandbox's --client-ip); absent on the host. */
  readonly clientIp?: string;
}

/** The rule a refusal names: the deciding statement's Sid, or what was missing. */
export function ruleOf(d: SendDecision): string {
  if (d.statement) return d.statement.slice(d.statement.lastIndexOf(": ") + 2);
  return /^no statement allows/.test(d.reason) ? "send-as" : "account";
}

/** Postfix reply text is one line of printable ASCII: anything else becomes "?". */
const replyText = (s: string): string => s.replace(/[^\x20-\x7e]/g, "?");

/** The action for one policy request (Postfix's attributes), at `now` (ISO instant) unless the config fixes a day. */
export function policyAction(config: PolicyConfig, attrs: Readonly<Record<string, string>>, now: () => string): string {
  const login = attrs.sasl_username ?? "";
  // Which question (main.cf's policy_context): the sender at MAIL FROM, or one recipient at RCPT TO.
  const question = attrs.policy_context ?? "";
  if (login === "" || login === config.relayUser || (question !== "sender" && question !== "recipient")) return "DUNNO";
  const to = question === "recipient" ? [attrs.recipient ?? ""] : [];
  const at = config.today !== undefined ? { today: config.today } : { instant: now() };
  const d = decideSend(decisionFor(config.decision, login, attrs.sender ?? ""), { as: login, from: attrs.sender ?? "", to, ip: config.clientIp ?? (attrs.client_address || undefined), at });
  if (!d.allowed) return replyText(`REJECT 5.7.1 ${d.reason} [${ruleOf(d)}]`);
  return question === "sender" ? `FILTER ${config.filter}` : "OK";
}

/** Serves the policy protocol on a pair of streams until input ends (spawn(8) gives us stdin and stdout). */
export async function servePolicy(config: PolicyConfig, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, now: () => string = () => new Date().toISOString()): Promise<void> {
  let attrs: Record<string, string> = {};
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line === "") {
      output.write(`action=${policyAction(config, attrs, now)}\n\n`);
      attrs = {};
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0) attrs[line.slice(0, eq)] = line.slice(eq + 1);
  }
}
