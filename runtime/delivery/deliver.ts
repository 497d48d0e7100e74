/**
 * The delivery module: takes the router's decision (the addresses a stored message goes to) and delivers
 * each copy to its targets. Shared by the router Lambda (S3 store, SMTP relay, SES forward) and by
 * `mailorg sandbox` (file store, Maildir host, outbound directory). Plain TypeScript: the targets are
 * interfaces, implemented in s3-store.ts, relay.ts, forward.ts and simulate/sandbox.ts.
 *
 * Per address, in order: its forward (when the member has one), the mailbox host (the relay; skipped for a
 * forward with keep_copy false), then the store copy, which is written last and marks the address done: a
 * retried invocation skips every address whose store copy exists, so it resumes where it stopped. A
 * permanent failure is recorded and the store copy still made (the archive keeps the message, nothing is
 * retried forever); a temporary failure is retried with backoff, then fails the address without a store copy,
 * so the retry of the invocation (or the SQS batch, then its dead-letter queue) tries it again.
 */
import type { ForwardRoute } from "../../plan/contract.ts";
import { forwardLoop, withDeliveredTo } from "./message.ts";

export type StoreResult = "new" | "existing";

/** The archive of record: S3 in the Lambda, a directory in the sandbox. */
export interface MailStore {
  /** The stored raw message. */
  read(messageId: string): Promise<Buffer>;
  /** Whether address's copy exists (its delivery finished in an earlier attempt). */
  has(address: string, messageId: string): Promise<boolean>;
  /** Copies the stored message into address's mailbox, once: "existing" when it was already there. */
  put(address: string, messageId: string): Promise<StoreResult>;
  quarantine(messageId: string): Promise<StoreResult>;
}

/** Where people read mail: the company's mailbox server over SMTP, or the sandbox's Maildirs. */
export interface MailboxHost {
  /** Delivers one copy for one recipient; the raw message already carries Delivered-To. Throws DeliveryError. */
  deliver(address: string, envelopeFrom: string, raw: Buffer): Promise<void>;
}

/** Sends a member's forward (SES in the Lambda, a directory in the sandbox). Throws DeliveryError. */
export interface Forwarder {
  forward(member: string, to: readonly string[], raw: Buffer): Promise<void>;
}

/** A failed delivery attempt: permanent (recorded, never retried) or temporary (retried). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** A short machine-readable cause: smtp-5xx, smtp-4xx, tls, connection, rejected, throttled... */
    readonly code: string,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export interface DeliveryTargets {
  readonly store: MailStore;
  /** Absent: the store only (no delivery.relay). */
  readonly host?: MailboxHost;
  /** Absent: members' forwards are not sent (they are still stored). */
  readonly forwarder?: Forwarder;
  readonly forwards: Readonly<Record<string, ForwardRoute>>;
}

export interface DeliveryJob {
  readonly messageId: string;
  /** The envelope sender (SES mail.source), kept on the relayed copy. */
  readonly envelopeFrom: string;
  readonly addresses: readonly string[];
}

export interface DeliveryOptions {
  /** Copies in flight at once. Default 16. */
  readonly concurrency?: number;
  /** Waits between attempts at a temporary failure (their count is the retries). Default 1 s, 4 s. */
  readonly retryDelaysMs?: readonly number[];
}

/** What happened to one address: the store copy, and each other target that applied. */
export interface CopyResult {
  readonly address: string;
  /** "existing": done in an earlier attempt; nothing else was tried again. */
  readonly store: StoreResult;
  readonly relay?: "delivered" | "skipped: keep_copy false" | `failed permanently: ${string}`;
  readonly forward?: "sent" | `not sent: ${string}` | `failed permanently: ${string}`;
}

/** Runs fn over items with at most `limit` in flight; every item runs, failures are collected. */
export async function settleLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: "fulfilled", value: await fn(items[i]!) };
      } catch (reason) {
        out[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withRetries(attempt: () => Promise<void>, delays: readonly number[]): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const temporary = err instanceof DeliveryError ? !err.permanent : true;
      if (!temporary || i >= delays.length) throw err;
      await sleep(delays[i]!);
    }
  }
}

/** Thrown when some addresses failed temporarily; the others are done (their store copies exist). */
export class DeliveryIncomplete extends Error {
  constructor(
    readonly failed: { address: string; error: string }[],
    readonly results: CopyResult[],
  ) {
    super(`${failed.length} of ${failed.length + results.length} copies not delivered yet (temporary): ${failed.slice(0, 3).map((f) => `${f.address}: ${f.error}`).join("; ")}`);
    this.name = "DeliveryIncomplete";
  }
}

const permanentReason = (err: unknown): string | null =>
  err instanceof DeliveryError && err.permanent ? `${err.code}: ${err.message}` : null;

/** Delivers one message to each address; throws DeliveryIncomplete when some failed temporarily. */
export async function deliverCopies(job: DeliveryJob, targets: DeliveryTargets, opts: DeliveryOptions = {}): Promise<CopyResult[]> {
  const delays = opts.retryDelaysMs ?? [1000, 4000];
  let raw: Promise<Buffer> | undefined;
  const message = (): Promise<Buffer> => (raw ??= targets.store.read(job.messageId));

  const one = async (address: string): Promise<CopyResult> => {
    const fw = targets.forwards[address];
    const relays = targets.host !== undefined;
    const forwards = fw !== undefined && targets.forwarder !== undefined;
    if (!relays && !forwards) return { address, store: await targets.store.put(address, job.messageId) };
    if (await targets.store.has(address, job.messageId)) return { address, store: "existing" };
    const body = await message();
    let forward: CopyResult["forward"];
    if (forwards) {
      const loop = forwardLoop(body, address);
      if (loop) forward = `not sent: ${loop}`;
      else {
        try {
          await withRetries(() => targets.forwarder!.forward(address, fw.to, body), delays);
          forward = "sent";
        } catch (err) {
          const p = permanentReason(err);
          if (p === null) throw err;
          forward = `failed permanently: ${p}`;
        }
      }
    }
    let relay: CopyResult["relay"];
    if (relays) {
      if (fw && !fw.keepCopy) relay = "skipped: keep_copy false";
      else {
        try {
          await withRetries(() => targets.host!.deliver(address, job.envelopeFrom, withDeliveredTo(body, address)), delays);
          relay = "delivered";
        } catch (err) {
          const p = permanentReason(err);
          if (p === null) throw err;
          relay = `failed permanently: ${p}`;
        }
      }
    }
    const store = await targets.store.put(address, job.messageId);
    return { address, store, ...(relay ? { relay } : {}), ...(forward ? { forward } : {}) };
  };

  const settled = await settleLimited(job.addresses, opts.concurrency ?? 16, one);
  const results: CopyResult[] = [];
  const failed: { address: string; error: string }[] = [];
  settled.forEach((s, i) => {
    if (s.status === "fulfilled") results.push(s.value);
    else failed.push({ address: job.addresses[i]!, error: s.reason instanceof Error ? s.reason.message : String(s.reason) });
  });
  if (failed.length > 0) throw new DeliveryIncomplete(failed, results);
  return results;
}
