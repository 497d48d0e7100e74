/**
 * The delivery module: takes the router's decision (the addresses a stored message goes to) and delivers
 * each copy to its targets. Shared by the router Lambda (S3 store, SMTP relay, SES forward) and by
 * `mailorg sandbox` (file store, Maildir host, outbound directory). Plain TypeScript: the targets are
 * interfaces, implemented in s3-store.ts, relay.ts, forward.ts and simulate/sandbox.ts.
 *
 * Per address, in order: its forward (when the member has one), the mailbox host (the relay; skipped only
 * when the member's forward has keep_copy false and the forward was really sent), then the store copy. Each
 * target is idempotent on its own: the forward and the relay each hold a claim while they send (a marker
 * created conditionally, with a lease) and write a done marker with their outcome afterwards; the store copy
 * is itself a conditional copy. A retried or concurrent invocation skips every target whose done marker
 * exists, waits (a temporary "in-progress" failure) while another invocation holds the claim, and takes over
 * a claim whose lease ran out (its holder died). A permanent failure is recorded in the done marker and the
 * store copy still made (the archive keeps the message, nothing is retried forever); a temporary failure is
 * retried with backoff, then fails the address, so the retry of the invocation (or the SQS batch, then its
 * dead-letter queue) tries again the targets that are not done.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { CLAIM_LEASE_MS, type ForwardRoute } from "../../plan/contract.ts";
import { forwardedCopy, forwardLoop, withDeliveredTo } from "./message.ts";

export type StoreResult = "new" | "existing";

/**
 * Small records beside the archive (delivery markers, the forwarding key) under relative keys. Writes are
 * conditional: S3's If-None-Match / If-Match in the Lambda, exclusive creation in the sandbox.
 */
export interface MarkerStore {
  get(key: string): Promise<{ readonly body: string; readonly etag: string } | undefined>;
  /** Creates key; its etag, or null when it exists already. */
  create(key: string, body: string): Promise<string | null>;
  /** Replaces key when its etag is still `etag`; the new etag, or null when it changed (someone else wrote it). */
  replace(key: string, body: string, etag: string): Promise<string | null>;
}

/** The archive of record: S3 in the Lambda, a directory in the sandbox. */
export interface MailStore {
  /** The stored raw message. */
  read(messageId: string): Promise<Buffer>;
  /** Copies the stored message into address's mailbox (or its quarantine), once: "existing" when it was already there. */
  put(address: string, messageId: string, folder?: "inbox" | "junk"): Promise<StoreResult>;
  quarantine(messageId: string): Promise<StoreResult>;
  readonly markers: MarkerStore;
}

/** Where people read mail: the company's mailbox server over SMTP, or the sandbox's Maildirs. */
export interface MailboxHost {
  /**
   * Delivers one copy for one recipient; the raw message already carries Delivered-To (and, for "junk",
   * X-Mailorg-Quarantine and X-Spam-Flag). Throws DeliveryError.
   */
  deliver(address: string, envelopeFrom: string, raw: Buffer, folder?: "inbox" | "junk"): Promise<void>;
}

/** Sends a member's forward, already rewritten (forwardedCopy), to outside addresses (SES in the Lambda, a directory in the sandbox). Throws DeliveryError. */
export interface Forwarder {
  forward(member: string, to: readonly string[], copy: Buffer): Promise<void>;
}

/**
 * Refuses unknown recipients of a stored message with one bounce to its sender (SES SendBounce in the Lambda,
 * which needs the original SES message id). Throws DeliveryError.
 */
export interface Bouncer {
  bounce(messageId: string, recipients: readonly string[]): Promise<void>;
}

/** A failed delivery attempt: permanent (recorded, never retried) or temporary (retried). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** A short machine-readable cause: smtp-5xx, smtp-4xx, tls, connection, rejected, throttled, in-progress... */
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
  /** Absent: unknown recipients the router refuses are logged, not bounced (unknownRecipients "router" only). */
  readonly bouncer?: Bouncer;
  /** Dual delivery while mail moves: the old provider, for the listed members (delivery.also). */
  readonly also?: { readonly host: MailboxHost; readonly members: ReadonlySet<string> };
}

export interface DeliveryJob {
  readonly messageId: string;
  /** The envelope sender (SES mail.source), kept on the relayed copy. */
  readonly envelopeFrom: string;
  readonly addresses: readonly string[];
  /**
   * Set when the sender's DMARC policy says quarantine: every copy goes to the member's Junk (the store's
   * quarantine/<address>/ prefix, a relayed copy marked X-Mailorg-Quarantine and X-Spam-Flag) and no forward
   * is sent. The text is the reason, written into X-Mailorg-Quarantine.
   */
  readonly quarantine?: string;
}

export interface DeliveryOptions {
  /** Copies in flight at once. Default 16. */
  readonly concurrency?: number;
  /** Waits between attempts at a temporary failure (their count is the retries). Default 1 s, 4 s. */
  readonly retryDelaysMs?: readonly number[];
  /** How long a claim on a target holds before another invocation may take it over. Default CLAIM_LEASE_MS. */
  readonly claimLeaseMs?: number;
  /** Waits between attempts at writing a marker after a send, whatever retryDelaysMs says. Default 50 ms, 500 ms, 2 s. */
  readonly markerRetryMs?: readonly number[];
}

export type RelayOutcome = "delivered" | "delivered to junk" | "skipped: keep_copy false, forward sent" | `failed permanently: ${string}`;
export type ForwardOutcome = "sent" | `not sent: ${string}` | `failed permanently: ${string}`;

/** What happened to one address: the store copy, and each other target that applied. */
export interface CopyResult {
  readonly address: string;
  /** "existing": the copy was made by an earlier attempt. */
  readonly store: StoreResult;
  readonly relay?: RelayOutcome;
  readonly forward?: ForwardOutcome;
  /** The copy for the old provider during the move (delivery.also). */
  readonly also?: RelayOutcome;
  /** Targets whose outcome an earlier attempt recorded (they were not tried again). */
  readonly earlier?: ("forward" | "relay" | "also")[];
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

async function withRetries<T>(attempt: () => Promise<T>, delays: readonly number[]): Promise<T> {
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

/** The forwarding key (forwardedCopy's MAC), created once per store by whoever needs it first. */
export async function forwardKey(markers: MarkerStore): Promise<Buffer> {
  const name = "forward-mark-key";
  let got = await markers.get(name);
  if (!got) {
    // Whoever creates it first wins; everyone then reads the same key.
    await markers.create(name, randomBytes(32).toString("base64"));
    got = await markers.get(name);
  }
  if (!got) throw new Error(`the forwarding key ${name} could not be read back after creating it`);
  return Buffer.from(got.body, "base64");
}

/** Waits between attempts at writing a marker, whatever the job's retries: markers are small and S3's errors brief. */
const MARKER_RETRY_MS: readonly number[] = [50, 500, 2000];

/**
 * Runs one target at most once per (message, address, target) across retries and concurrent invocations:
 * the done marker's outcome when an earlier attempt finished; otherwise a claim (created, or taken over
 * when its lease ran out), the send, then the done marker. Another holder's live claim is a temporary
 * "in-progress" failure; a temporary failure of the send releases the claim for the next attempt.
 */
async function once<O extends string>(markers: MarkerStore, key: string, timing: { lease: number; delays: readonly number[]; markerDelays: readonly number[] }, send: () => Promise<O>): Promise<{ outcome: O; earlier: boolean }> {
  const doneKey = `${key}.done`;
  const claimKey = `${key}.claim`;
  // One holder id for every attempt of this invocation: a claim whose creation seemed to fail (but happened) is still ours.
  const holder = randomUUID();
  const claimOf = (c: { body: string } | undefined): { holder: string | null; until: number } | undefined => (c ? (JSON.parse(c.body) as { holder: string | null; until: number }) : undefined);
  const sent = await withRetries(async () => {
    const done = await markers.get(doneKey);
    if (done) return { outcome: done.body as O, earlier: true };
    const body = JSON.stringify({ holder, until: Date.now() + timing.lease });
    const claim = await markers.get(claimKey);
    const held = claimOf(claim);
    const etag = !claim ? await markers.create(claimKey, body) : held!.holder === holder || held!.until <= Date.now() ? await markers.replace(claimKey, body, claim.etag) : null;
    if (etag === null) {
      const finished = await markers.get(doneKey);
      if (finished) return { outcome: finished.body as O, earlier: true };
      throw new DeliveryError(`${key} is being delivered by another invocation (claimed until ${new Date(held?.until ?? Date.now()).toISOString()})`, false, "in-progress");
    }
    try {
      return { outcome: await send(), earlier: false };
    } catch (err) {
      // Let the next attempt (this invocation's or another's) claim it at once.
      await withRetries(() => markers.replace(claimKey, JSON.stringify({ holder: null, until: 0 }), etag), timing.markerDelays).catch(() => null);
      throw err;
    }
  }, timing.delays);
  // The send happened: record it, trying harder than the job's retries (a marker lost here is the one way to a duplicate).
  if (!sent.earlier) await withRetries(async () => void (await markers.create(doneKey, sent.outcome)), timing.markerDelays);
  return sent;
}

export type BounceOutcome = "bounced" | `failed permanently: ${string}`;

/**
 * Sends a message's bounce at most once across retries and concurrent invocations, as every other target:
 * a claim and a done marker under delivery/<messageId>/bounce (a copy's markers name an address, which holds an
 * @, so none shares this key). Returns the outcome and whether an earlier attempt had already sent it.
 */
export async function bounceOnce(messageId: string, recipients: readonly string[], bouncer: Bouncer, markers: MarkerStore, opts: DeliveryOptions = {}): Promise<{ outcome: BounceOutcome; earlier: boolean }> {
  const timing = { lease: opts.claimLeaseMs ?? CLAIM_LEASE_MS, delays: opts.retryDelaysMs ?? [1000, 4000], markerDelays: opts.markerRetryMs ?? MARKER_RETRY_MS };
  return once(markers, `${messageId}/bounce`, timing, () => orPermanent(async () => (await bouncer.bounce(messageId, recipients), "bounced" as const)));
}

/** Runs a send; a permanent DeliveryError becomes the outcome "failed permanently: ..." (recorded, never retried), anything else is thrown. */
async function orPermanent<O extends string>(send: () => Promise<O>): Promise<O | `failed permanently: ${string}`> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof DeliveryError && err.permanent) return `failed permanently: ${err.code}: ${err.message}`;
    throw err;
  }
}

/** Delivers one message to each address; throws DeliveryIncomplete when some failed temporarily. */
export async function deliverCopies(job: DeliveryJob, targets: DeliveryTargets, opts: DeliveryOptions = {}): Promise<CopyResult[]> {
  const delays = opts.retryDelaysMs ?? [1000, 4000];
  const timing = { lease: opts.claimLeaseMs ?? CLAIM_LEASE_MS, delays, markerDelays: opts.markerRetryMs ?? MARKER_RETRY_MS };
  const folder = job.quarantine === undefined ? "inbox" : "junk";
  let raw: Promise<Buffer> | undefined;
  const message = (): Promise<Buffer> => (raw ??= targets.store.read(job.messageId));
  let key: Promise<Buffer> | undefined;
  const markKey = (): Promise<Buffer> => (key ??= forwardKey(targets.store.markers));
  const { markers } = targets.store;

  const one = async (address: string): Promise<CopyResult> => {
    const fw = targets.forwards[address];
    const relays = targets.host !== undefined;
    const forwards = fw !== undefined && targets.forwarder !== undefined;
    const earlier: ("forward" | "relay" | "also")[] = [];
    let forward: ForwardOutcome | undefined;
    if (forwards) {
      const body = await message();
      const loop = job.quarantine === undefined ? forwardLoop(body, address, await markKey()) : `quarantined: ${job.quarantine}`;
      if (loop) forward = `not sent: ${loop}`;
      else {
        const copy = forwardedCopy(body, address, await markKey());
        const r = await once<ForwardOutcome>(markers, `${job.messageId}/${address}/forward`, timing, () => orPermanent(async () => (await targets.forwarder!.forward(address, fw.to, copy), "sent" as const)));
        if (r.earlier) earlier.push("forward");
        forward = r.outcome;
      }
    }
    let relay: RelayOutcome | undefined;
    if (relays) {
      // The mailbox copy is left out only when the member's own forward really went out.
      if (fw && !fw.keepCopy && forward === "sent") relay = "skipped: keep_copy false, forward sent";
      else {
        const copy = withDeliveredTo(await message(), address, job.quarantine);
        const done: RelayOutcome = folder === "junk" ? "delivered to junk" : "delivered";
        const r = await once<RelayOutcome>(markers, `${job.messageId}/${address}/relay`, timing, () => orPermanent(async () => (await targets.host!.deliver(address, job.envelopeFrom, copy, folder), done)));
        if (r.earlier) earlier.push("relay");
        relay = r.outcome;
      }
    }
    // While mail moves, the old provider gets its own copy too: a target of its own, claimed and recorded like the relay.
    let also: RelayOutcome | undefined;
    if (targets.also?.members.has(address)) {
      const copy = withDeliveredTo(await message(), address, job.quarantine);
      const done: RelayOutcome = folder === "junk" ? "delivered to junk" : "delivered";
      const r = await once<RelayOutcome>(markers, `${job.messageId}/${address}/also`, timing, () => orPermanent(async () => (await targets.also!.host.deliver(address, job.envelopeFrom, copy, folder), done)));
      if (r.earlier) earlier.push("also");
      also = r.outcome;
    }
    const store = await withRetries(() => targets.store.put(address, job.messageId, folder), delays);
    return { address, store, ...(relay ? { relay } : {}), ...(forward ? { forward } : {}), ...(also ? { also } : {}), ...(earlier.length ? { earlier } : {}) };
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
