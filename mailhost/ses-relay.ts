/**
 * The mailbox host's way out: Postfix's `mailorg-ses` pipe(8) transport runs this once per accepted member
 * message (the policy service's FILTER sends every recipient here). It checks the message's authors with the one
 * sending decision (the From and Sender fields, which the policy service cannot see at MAIL FROM), then hands the
 * raw message to SES's SendEmail with the instance role's temporary credentials (no long-lived key) and the
 * org's configuration set. Exit codes are sysexits(3), which pipe(8) understands: 0 sent; 75 (EX_TEMPFAIL) the
 * message stays in Postfix's queue and is retried; 69 (EX_UNAVAILABLE) Postfix bounces it to the member with the
 * text written on stderr.
 *
 * In the sandbox the same program hands the message to the sandbox's SES stand-in over SMTP instead.
 */
import { canon } from "../model/org.ts";
import { headerValues, parseAddresses } from "../runtime/delivery/message.ts";
import { decisionFor, type DecisionSource } from "../plan/decision-shards.ts";
import { decideSend } from "../plan/send-decision.ts";
import { ruleOf } from "./policy-service.ts";

export const EX_OK = 0;
export const EX_UNAVAILABLE = 69;
export const EX_TEMPFAIL = 75;

export interface RelayConfig {
  /** The one decision's input (the same as the policy service's): whole, or on the host split by address (plan/decision-shards.ts). */
  readonly decision: DecisionSource;
  /** A fixed day to decide on (the sandbox's --today); absent on the host: the clock. */
  readonly today?: string;
  /** The client address the rules see instead of Postfix's (the sandbox's --client-ip); absent on the host. */
  readonly clientIp?: string;
  /** SES in the org's region with its configuration set (the host), or an SMTP stand-in (the sandbox). */
  readonly target:
    | { readonly kind: "ses"; readonly region: string; readonly configurationSet: string; /** Another SES endpoint URL (tests); default the region's. */ readonly endpoint?: string }
    | { readonly kind: "smtp"; readonly host: string; readonly port: number };
}

/** What pipe(8) tells us about the message (master.cf's argv). */
export interface RelayEnvelope {
  /** The member's SASL login. */
  readonly login: string;
  readonly client: string;
  readonly sender: string;
  readonly recipients: readonly string[];
}

export interface RelayResult {
  readonly code: number;
  readonly message: string;
}

/** A transmission error: temporary (stays queued) or permanent (bounces). */
export class SendError extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
  ) {
    super(message);
  }
}

/**
 * The message's authors against the decision: exactly one From field naming one address, at most one Sender
 * field naming one address, and each must be an address the member may send as to these recipients. Returns
 * the refusal (5.7.1 text naming the rule) or null.
 */
export function authorRefusal(config: Pick<RelayConfig, "decision" | "today" | "clientIp">, env: RelayEnvelope, raw: Buffer, now: () => string): string | null {
  const fromFields = headerValues(raw, "from");
  if (fromFields.length !== 1) return `5.7.1 the message has ${fromFields.length} From fields; RFC 5322 allows exactly one [one-from-field]`;
  const authors = parseAddresses(fromFields);
  if (authors.length !== 1) return `5.7.1 From names ${authors.length} addresses; submission accepts exactly one author, the address you send as [one-author]`;
  const senderFields = headerValues(raw, "sender");
  if (senderFields.length > 1) return `5.7.1 the message has ${senderFields.length} Sender fields; RFC 5322 allows at most one [one-sender-field]`;
  const senders = parseAddresses(senderFields);
  if (senderFields.length === 1 && senders.length !== 1) return `5.7.1 Sender names ${senders.length} addresses; it must name exactly one [sender]`;
  const at = config.today !== undefined ? { today: config.today } : { instant: now() };
  for (const [field, address] of [["From", authors[0]!], ...(senders.length ? [["Sender", senders[0]!]] : [])] as const) {
    const d = decideSend(decisionFor(config.decision, env.login, address), { as: env.login, from: address, to: env.recipients, ip: config.clientIp ?? (env.client || undefined), at });
    if (!d.allowed) return `5.7.1 ${field} ${address}: ${d.reason} [${ruleOf(d)}]`;
  }
  return null;
}

/** Names of SES errors that pass with time (throttling, service trouble, a paused account). */
const TEMPORARY = new Set(["TooManyRequestsException", "LimitExceededException", "ThrottlingException", "Throttling", "InternalFailure", "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException", "SendingPausedException", "RequestTimeout", "TimeoutError"]);

/** An AWS SDK error as temporary or permanent: by name, then HTTP status (5xx and no answer at all are temporary). */
export function classifySesError(err: { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown }): SendError {
  const status = err.$metadata?.httpStatusCode;
  const temporary = TEMPORARY.has(err.name ?? "") || err.$retryable !== undefined || status === undefined || status >= 500;
  return new SendError(`${err.name ?? "Error"}: ${err.message ?? "no message"}`, temporary);
}

/** Checks, then sends; the exit code and the text for Postfix. Never throws. */
export async function relayMessage(config: RelayConfig, env: RelayEnvelope, raw: Buffer, send: (raw: Buffer, env: RelayEnvelope) => Promise<void>, now: () => string = () => new Date().toISOString()): Promise<RelayResult> {
  const refusal = authorRefusal(config, env, raw, now);
  if (refusal) return { code: EX_UNAVAILABLE, message: refusal };
  try {
    await send(raw, { ...env, recipients: env.recipients.map((r) => r.trim()).filter(Boolean) });
    return { code: EX_OK, message: `sent for ${canon(env.login)} to ${env.recipients.length} recipient(s)` };
  } catch (err) {
    const e = err instanceof SendError ? err : classifySesError(err as Error);
    return e.temporary ? { code: EX_TEMPFAIL, message: `4.4.2 SES did not take the message yet (${e.message}); it stays queued` } : { code: EX_UNAVAILABLE, message: `5.3.0 SES refused the message: ${e.message}` };
  }
}

/** Parses pipe(8)'s argv: --login=L --client=C --sender=S -- RCPT... */
export function parseRelayArgs(argv: readonly string[]): { config: string; env: RelayEnvelope } {
  const [config, ...rest] = argv;
  const dash = rest.indexOf("--");
  const opts = Object.fromEntries((dash < 0 ? rest : rest.slice(0, dash)).map((a) => [a.slice(2, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]));
  if (!config || dash < 0 || typeof opts.login !== "string") throw new Error("usage: ses-relay.mjs RELAY.json --login=L --client=C --sender=S -- RECIPIENT...");
  return { config, env: { login: opts.login, client: opts.client ?? "", sender: opts.sender ?? "", recipients: rest.slice(dash + 1) } };
}
