/**
 * The router Lambda: invoked (Event) by each SES receipt rule after the S3 action stored the raw message
 * under incoming/<messageId>, and by its SQS delivery queue for large fan-outs. It decides with the pure
 * core and the routing table generated at synth time (routing-table.json beside this file), then hands the
 * copies to the delivery module (runtime/delivery/): the store (mailboxes/<address>/<messageId> or
 * quarantine/<messageId>), the relay and members' forwards. Routes on envelope recipients only.
 *
 * Under load: copies run with bounded parallelism; a message with more copies than one invocation should
 * make (inlineMax) is split into batches of addresses on the SQS delivery queue, each delivered by its own
 * invocation. Every target of a copy (forward, relay, store) is idempotent on its own (conditional markers,
 * runtime/delivery/deliver.ts), so any retry (of the SES invocation, which re-enqueues, or of a batch) and any
 * concurrent invocation resumes and never duplicates a copy. A queued batch is checked against the routing
 * table before anything is delivered.
 * Under faults: every check (event shape, message id, known recipients, the stored object) runs before the first copy, and a
 * failure is a typed RouterError, logged as one JSON line and rethrown for Lambda's retries and the DLQ.
 */
import { readFileSync } from "node:fs";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse } from "aws-lambda";
import { STORE_PREFIX, type DmarcPolicy, type RoutingTable } from "../../plan/contract.ts";
import { authorOf, connectingIp, decide, sesAccepts, type RouteDecision, type Verdict } from "./core.ts";
import { RouterError, SES_MESSAGE_ID } from "./errors.ts";
import { bounceOnce, deliverCopies, DeliveryError, DeliveryIncomplete, type BounceOutcome, type CopyResult, type DeliveryJob, type DeliveryTargets } from "../delivery/deliver.ts";
import { parseAddresses } from "../delivery/message.ts";
import { S3MailStore } from "../delivery/s3-store.ts";

export { RouterError } from "./errors.ts";
export const PREFIX = STORE_PREFIX;

export interface RouterDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly table: RoutingTable;
  /** Default: the S3 store only. */
  readonly targets?: DeliveryTargets;
  /** The delivery queue for large fan-outs; absent: every copy is made inline. */
  readonly sqs?: SQSClient;
  readonly queueUrl?: string;
  /** Most copies one SES invocation makes itself; beyond, batches go to the queue. Default 500. */
  readonly inlineMax?: number;
  /** Addresses per queued batch. Default 250. */
  readonly batchSize?: number;
  /** Copies in flight at once. Default 16. */
  readonly concurrency?: number;
  readonly retryDelaysMs?: readonly number[];
}

/** One SES receipt record, checked. */
export interface InboundRecord {
  readonly messageId: string;
  /** Envelope sender (mail.source). */
  readonly envelopeFrom: string;
  /** The From header address (the first author). */
  readonly from: string;
  /** Every author in the From header. */
  readonly authors: string[];
  readonly recipients: string[];
  readonly spam?: Verdict;
  readonly virus?: Verdict;
  readonly dmarc?: Verdict;
  /** SES's SPF verdict (receipt.spfVerdict). */
  readonly spf?: Verdict;
  /** The From domain's DMARC policy when DMARC failed (receipt.dmarcPolicy). */
  readonly dmarcPolicy?: DmarcPolicy;
  /** The connecting (TCP peer) IP, from the Received header SES itself added; undefined when absent. */
  readonly ip?: string;
}

/** A queued part of a large fan-out: the SQS message body. */
export interface DeliveryBatch {
  readonly v: 1;
  readonly messageId: string;
  readonly envelopeFrom: string;
  readonly addresses: string[];
  /** DMARC quarantine: the copies go to Junk (DeliveryJob.quarantine). */
  readonly quarantine?: string;
}

export type RouteResult = RouteDecision & { messageId: string; copies: CopyResult[]; queuedBatches: number; bounce?: BounceOutcome | "not sent: no bouncer" };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === "string");

function checkMessageId(id: unknown): string {
  if (typeof id !== "string" || !SES_MESSAGE_ID.test(id)) {
    throw new RouterError("bad-message-id", `messageId ${JSON.stringify(id)} is not a plain SES message id (${SES_MESSAGE_ID.source})`);
  }
  return id;
}

/** Checks an SES receipt event's shape and every record's message id; throws RouterError. */
export function parseSesEvent(event: unknown): InboundRecord[] {
  const malformed = (why: string): never => {
    throw new RouterError("malformed-event", `not an SES receipt event: ${why}`);
  };
  if (!isObject(event) || !Array.isArray(event.Records) || event.Records.length === 0) return malformed("Records is missing or empty");
  return event.Records.map((r: unknown, i: number) => {
    if (!isObject(r) || r.eventSource !== "aws:ses" || !isObject(r.ses)) return malformed(`Records[${i}] has no ses object (eventSource ${JSON.stringify(isObject(r) ? r.eventSource : r)})`);
    const { mail, receipt } = r.ses as { mail?: unknown; receipt?: unknown };
    if (!isObject(mail) || !isObject(receipt)) return malformed(`Records[${i}].ses needs mail and receipt`);
    if (typeof mail.source !== "string") return malformed(`Records[${i}].ses.mail.source is not a string`);
    if (!isStringArray(receipt.recipients) || receipt.recipients.length === 0) return malformed(`Records[${i}].ses.receipt.recipients is not a list of addresses`);
    const messageId = checkMessageId(mail.messageId);
    const common = isObject(mail.commonHeaders) ? mail.commonHeaders : {};
    const verdict = (name: string): Verdict | undefined => {
      const v = receipt[name];
      return isObject(v) && typeof v.status === "string" ? (v.status as Verdict) : undefined;
    };
    // The From header as SES read it, parsed with the one RFC 5322 address parser the sandbox uses too.
    const author = authorOf(isStringArray(common.from) ? parseAddresses(common.from) : [], mail.source, verdict("dmarcVerdict"));
    const policy = typeof receipt.dmarcPolicy === "string" ? receipt.dmarcPolicy.toLowerCase() : undefined;
    return {
      messageId,
      envelopeFrom: mail.source,
      from: author.from,
      authors: author.authors,
      recipients: receipt.recipients,
      spam: verdict("spamVerdict"),
      virus: verdict("virusVerdict"),
      dmarc: author.dmarc,
      spf: verdict("spfVerdict"),
      dmarcPolicy: policy === "none" || policy === "quarantine" || policy === "reject" ? policy : undefined,
      ip: Array.isArray(mail.headers) ? connectingIp(mail.headers.filter((h): h is { name: string; value: string } => isObject(h) && typeof h.name === "string" && typeof h.value === "string")) : undefined,
    };
  });
}

/**
 * Checks a queued message: a delivery batch, or a failed SES invocation redriven from the dead-letter queue
 * (Lambda's on-failure record, whose requestPayload is the original event). Throws RouterError.
 */
export function parseQueued(body: string): { batch: DeliveryBatch } | { redriven: unknown } {
  let b: unknown;
  try {
    b = JSON.parse(body);
  } catch {
    throw new RouterError("malformed-event", "delivery batch body is not JSON");
  }
  if (isObject(b) && isObject(b.requestPayload) && isObject(b.requestContext)) return { redriven: b.requestPayload };
  if (!isObject(b) || b.v !== 1 || typeof b.envelopeFrom !== "string" || !isStringArray(b.addresses)) {
    throw new RouterError("malformed-event", "delivery batch needs {v: 1, messageId, envelopeFrom, addresses}");
  }
  const quarantine = typeof b.quarantine === "string" ? b.quarantine : undefined;
  return { batch: { v: 1, messageId: checkMessageId(b.messageId), envelopeFrom: b.envelopeFrom, addresses: b.addresses, ...(quarantine !== undefined ? { quarantine } : {}) } };
}

const deliverable = new WeakMap<RoutingTable, Set<string>>();

/** Every mailbox the routing table can deliver to: the entries' targets, backup mailboxes and the catch-all. */
export function deliverableAddresses(table: RoutingTable): Set<string> {
  let set = deliverable.get(table);
  if (!set) {
    set = new Set([...Object.values(table.entries).flatMap((e) => e.deliver), ...table.backups.map((b) => b.to), ...(table.catchAll ? [table.catchAll] : [])]);
    deliverable.set(table, set);
  }
  return set;
}

/**
 * Checks a queued batch's addresses against the routing table: each must be a mailbox the table delivers to
 * (a batch is the router's own output, so anything else was written by someone else, e.g. `../../x`, which
 * would otherwise name an object key). Throws RouterError.
 */
export function checkBatch(batch: DeliveryBatch, table: RoutingTable): DeliveryBatch {
  const known = deliverableAddresses(table);
  const bad = batch.addresses.filter((a) => !known.has(a));
  if (bad.length > 0) {
    throw new RouterError("malformed-event", `delivery batch of ${batch.messageId} names ${bad.length} address${bad.length === 1 ? "" : "es"} the routing table does not deliver to: ${bad.slice(0, 3).map((a) => JSON.stringify(a)).join(", ")}`, batch.messageId);
  }
  return batch;
}

/** The stored message's size; a missing object and a refused one are told apart (the role has s3:ListBucket). */
async function storedSize(deps: RouterDeps, messageId: string): Promise<number | undefined> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: `${STORE_PREFIX.incoming}${messageId}` }));
    return head.ContentLength;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (err as { name?: string }).name;
    if (status === 404 || name === "NotFound" || name === "NoSuchKey") {
      throw new RouterError("missing-object", `${STORE_PREFIX.incoming}${messageId} does not exist in ${deps.bucket} (expired, or SES did not store it)`, messageId);
    }
    if (status === 403 || name === "AccessDenied" || name === "Forbidden") {
      throw new RouterError("forbidden-object", `access to ${STORE_PREFIX.incoming}${messageId} was refused (the role needs s3:GetObject, s3:ListBucket and kms:Decrypt)`, messageId);
    }
    throw err;
  }
}

const targetsOf = (deps: RouterDeps): DeliveryTargets => deps.targets ?? { store: new S3MailStore(deps.s3, deps.bucket), forwards: deps.table.forwards ?? {} };

async function deliver(deps: RouterDeps, job: DeliveryJob): Promise<CopyResult[]> {
  const { messageId } = job;
  try {
    return await deliverCopies(job, targetsOf(deps), { concurrency: deps.concurrency, retryDelaysMs: deps.retryDelaysMs });
  } catch (err) {
    if (err instanceof DeliveryIncomplete) throw new RouterError("delivery-incomplete", err.message, messageId);
    throw err;
  }
}

/** Puts the addresses on the delivery queue in batches; returns the number of batches. */
async function enqueue(deps: RouterDeps, job: DeliveryJob): Promise<number> {
  const { messageId, addresses } = job;
  const size = deps.batchSize ?? 250;
  const entries = [];
  for (let i = 0; i < addresses.length; i += size) {
    const batch: DeliveryBatch = { v: 1, messageId, envelopeFrom: job.envelopeFrom, addresses: addresses.slice(i, i + size), ...(job.quarantine !== undefined ? { quarantine: job.quarantine } : {}) };
    entries.push({ Id: `b${i / size}`, MessageBody: JSON.stringify(batch) });
  }
  for (let i = 0; i < entries.length; i += 10) {
    let pending = entries.slice(i, i + 10);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const r = await deps.sqs!.send(new SendMessageBatchCommand({ QueueUrl: deps.queueUrl, Entries: pending }));
      const failed = new Set((r.Failed ?? []).map((f) => f.Id));
      pending = pending.filter((e) => failed.has(e.Id));
      if (pending.length > 0 && attempt >= 2) throw new Error(`could not queue ${pending.length} delivery batches of ${messageId}: ${r.Failed?.[0]?.Message ?? "unknown"}`);
    }
  }
  return entries.length;
}

/** Routes every record of an SES receipt event. Throws RouterError (after logging it) on a fault. */
export async function route(event: unknown, deps: RouterDeps): Promise<RouteResult[]> {
  const records = parseSesEvent(event);
  for (const rec of records) {
    const unknown = rec.recipients.filter((r) => !sesAccepts(deps.table, r));
    if (unknown.length > 0) {
      throw new RouterError("unknown-recipient", `${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not in the routing table and no catch_all covers ${unknown.length === 1 ? "it" : "them"} (receipt rules and router out of step?)`, rec.messageId);
    }
  }
  const results: RouteResult[] = [];
  for (const rec of records) {
    const sizeBytes = await storedSize(deps, rec.messageId);
    const decision = decide(deps.table, { from: rec.from, authors: rec.authors, recipients: rec.recipients, spam: rec.spam, virus: rec.virus, dmarc: rec.dmarc, spf: rec.spf, dmarcPolicy: rec.dmarcPolicy, ip: rec.ip, sizeBytes });
    const addresses = decision.quarantined ? [] : [...new Set([...decision.deliveries, ...decision.backups])].sort();
    const job: DeliveryJob = { messageId: rec.messageId, envelopeFrom: rec.envelopeFrom, addresses, ...(decision.junk !== null ? { quarantine: decision.junk } : {}) };
    let copies: CopyResult[] = [];
    let queuedBatches = 0;
    if (decision.quarantined) await targetsOf(deps).store.quarantine(rec.messageId);
    else if (addresses.length > (deps.inlineMax ?? 500) && deps.sqs && deps.queueUrl) queuedBatches = await enqueue(deps, job);
    else copies = await deliver(deps, job);
    // Unknown recipients the router refuses (unknownRecipients "router"): one bounce, at most once across retries.
    let bounce: RouteResult["bounce"];
    if (decision.bounces?.length) {
      const { bouncer, store } = targetsOf(deps);
      if (!bouncer) bounce = "not sent: no bouncer";
      else {
        try {
          bounce = (await bounceOnce(rec.messageId, decision.bounces, bouncer, store.markers, { retryDelaysMs: deps.retryDelaysMs })).outcome;
        } catch (err) {
          if (err instanceof DeliveryError) throw new RouterError("delivery-incomplete", `bounce of ${rec.messageId} not sent yet (temporary): ${err.message}`, rec.messageId);
          throw err;
        }
      }
    }
    // One JSON line per message: the audit trail of every routing decision (CloudWatch Logs).
    const notable = copies.filter((c) => c.relay?.startsWith("failed") || c.also?.startsWith("failed") || (c.forward !== undefined && c.forward !== "sent"));
    console.log(JSON.stringify({ messageId: rec.messageId, ...decision, copies: copies.length, existing: copies.filter((c) => c.store === "existing").length, queuedBatches, notable, ...(bounce ? { bounce } : {}) }));
    results.push({ messageId: rec.messageId, ...decision, copies, queuedBatches, ...(bounce ? { bounce } : {}) });
  }
  return results;
}

/**
 * Delivers queued batches (and SES events redriven from the DLQ); a failed one is reported for retry (then
 * the queue's DLQ), the others are done.
 */
export async function deliverBatches(event: { Records: { messageId: string; body: string }[] }, deps: RouterDeps): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const r of event.Records) {
    try {
      const queued = parseQueued(r.body);
      if ("redriven" in queued) {
        await route(queued.redriven, deps);
        continue;
      }
      const batch = checkBatch(queued.batch, deps.table);
      const copies = await deliver(deps, { messageId: batch.messageId, envelopeFrom: batch.envelopeFrom, addresses: batch.addresses, ...(batch.quarantine !== undefined ? { quarantine: batch.quarantine } : {}) });
      console.log(JSON.stringify({ messageId: batch.messageId, batch: r.messageId, copies: copies.length, existing: copies.filter((c) => c.store === "existing").length }));
    } catch (err) {
      logError(err);
      failures.push({ itemIdentifier: r.messageId });
    }
  }
  return { batchItemFailures: failures };
}

function logError(err: unknown): void {
  if (err instanceof RouterError) console.error(JSON.stringify(err.toJSON()));
  else console.error(JSON.stringify({ error: "internal", message: err instanceof Error ? err.message : String(err) }));
}

const isSqsEvent = (e: unknown): e is { Records: { messageId: string; body: string; eventSource: string }[] } =>
  isObject(e) && Array.isArray(e.Records) && isObject(e.Records[0]) && e.Records[0].eventSource === "aws:sqs";

let deps: Promise<RouterDeps> | undefined;

/** The production dependencies, from the environment and the routing table beside the bundle. */
async function productionDeps(): Promise<RouterDeps> {
  const table = JSON.parse(readFileSync(process.env.ROUTING_TABLE ?? new URL("./routing-table.json", import.meta.url), "utf8")) as RoutingTable;
  const s3 = new S3Client({});
  const bucket = process.env.MAIL_BUCKET ?? "";
  const base = { s3, bucket, table };
  const queueUrl = process.env.DELIVERY_QUEUE_URL;
  const sqs = queueUrl ? new (await import("@aws-sdk/client-sqs")).SQSClient({}) : undefined;
  const { productionTargets } = await import("../delivery/production.ts");
  // SMTP to the relay is slower than an S3 copy: smaller units of work keep each invocation well inside its timeout.
  const sizes = table.relay || table.also ? { inlineMax: 100, batchSize: 50 } : {};
  return { ...base, ...sizes, sqs, queueUrl, targets: await productionTargets(s3, bucket, table) };
}

/** Lambda entry point: SES receipt events, and SQS delivery batches. */
export async function handler(event: unknown): Promise<{ disposition: "CONTINUE" } | SQSBatchResponse> {
  deps ??= productionDeps();
  const d = await deps;
  if (isSqsEvent(event)) return deliverBatches(event, d);
  try {
    await route(event, d);
  } catch (err) {
    logError(err);
    throw err;
  }
  return { disposition: "CONTINUE" };
}
