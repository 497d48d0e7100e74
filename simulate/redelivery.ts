/**
 * The sandbox's redelivery queue: what SES and Lambda do for the router in production. When the router's
 * delivery finishes with some copies failed temporarily (the mailbox host restarting, a full queue), the message
 * is already in the store, so the MX has kept its promise by accepting it; the job is written to
 * <store>/redelivery/<messageId>.json before the MX answers, and tried again from the store with backoff
 * (as Lambda retries an asynchronous invocation), then every `thenEveryMs` for as long as the sandbox runs.
 * A stopped sandbox leaves the files; the next start resumes them. Delivery is idempotent per target (markers),
 * so a retried job re-sends only the copies that are not done.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeliveryIncomplete, type CopyResult, type DeliveryJob } from "../runtime/delivery/deliver.ts";

/** Waits before each retry: short at first (a restart), then once a minute. */
export const REDELIVERY_DELAYS_MS: readonly number[] = [250, 1000, 2000, 4000, 8000, 15_000, 30_000];
export const REDELIVERY_EVERY_MS = 60_000;

export interface RedeliveryOptions {
  readonly dir: string;
  /** One delivery attempt of the whole job (done targets are skipped by their markers). */
  readonly deliver: (job: DeliveryJob) => Promise<CopyResult[]>;
  readonly log: (line: string) => void;
  readonly delaysMs?: readonly number[];
  readonly everyMs?: number;
  /** Default the global timers (tests pass fake ones). */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (t: unknown) => void;
}

export class Redelivery {
  private readonly timers = new Map<string, unknown>();
  private closed = false;
  private readonly delays: readonly number[];
  private readonly every: number;
  constructor(private readonly opts: RedeliveryOptions) {
    this.delays = opts.delaysMs ?? REDELIVERY_DELAYS_MS;
    this.every = opts.everyMs ?? REDELIVERY_EVERY_MS;
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  }

  private file(messageId: string): string {
    return join(this.opts.dir, `${messageId}.json`);
  }

  /** Jobs waiting, by message id (their files). */
  pending(): string[] {
    return readdirSync(this.opts.dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
  }

  /** Keeps the job on disk (atomically, before the caller answers 250) and schedules its first retry. */
  enqueue(job: DeliveryJob): void {
    const tmp = `${this.file(job.messageId)}.tmp`;
    writeFileSync(tmp, JSON.stringify(job), { mode: 0o600 });
    renameSync(tmp, this.file(job.messageId));
    this.schedule(job, 0);
  }

  /** Schedules every job a previous run left (at once). */
  resume(): number {
    const ids = this.pending();
    for (const id of ids) this.schedule(JSON.parse(readFileSync(this.file(id), "utf8")) as DeliveryJob, -1);
    return ids.length;
  }

  private schedule(job: DeliveryJob, attempt: number): void {
    if (this.closed) return;
    const wait = attempt < 0 ? 0 : (this.delays[attempt] ?? this.every);
    const set = this.opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms).unref());
    this.timers.set(job.messageId, set(() => void this.attempt(job, attempt + 1), wait));
  }

  private async attempt(job: DeliveryJob, attempt: number): Promise<void> {
    this.timers.delete(job.messageId);
    if (this.closed) return;
    try {
      const copies = await this.opts.deliver(job);
      rmSync(this.file(job.messageId), { force: true });
      this.opts.log(JSON.stringify({ redelivery: job.messageId, attempt, copies }));
    } catch (err) {
      const failed = err instanceof DeliveryIncomplete ? err.failed : [{ address: "*", error: (err as Error).message }];
      this.opts.log(JSON.stringify({ redelivery: job.messageId, attempt, pending: failed }));
      this.schedule(job, attempt);
    }
  }

  /** Stops retrying; the jobs' files stay for the next start. */
  close(): void {
    this.closed = true;
    const clear = this.opts.clearTimer ?? ((t: unknown) => clearTimeout(t as NodeJS.Timeout));
    for (const t of this.timers.values()) clear(t);
    this.timers.clear();
  }
}
