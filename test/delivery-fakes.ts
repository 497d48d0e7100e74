/**
 * In-memory delivery targets with fault injection, for the delivery module's tests: a store whose markers
 * behave like S3's conditional writes, a mailbox host and a forwarder that record every copy, and a plan
 * of faults ("fail this step the next n times").
 */
import type { Forwarder, MailboxHost, MailStore, MarkerStore, StoreResult } from "../runtime/delivery/deliver.ts";
import { DeliveryError } from "../runtime/delivery/deliver.ts";

/** A step that can fail: the store's operations, and each target's send. */
export type Step = "read" | "marker-get" | "marker-create" | "marker-replace" | "put" | "relay" | "forward";

/** Faults to inject: step -> how many of its next calls fail (Infinity: until cleared), and how. */
export class Faults {
  private readonly plan = new Map<Step, { left: number; error: () => Error }>();
  readonly calls = new Map<Step, number>();
  /** Every call so far, in order. */
  readonly log: Step[] = [];
  private nth: number | undefined;
  /** Fails the n-th call of any step from now on (1-based), once. */
  failNth(n: number): this {
    this.nth = this.log.length + n;
    return this;
  }
  fail(step: Step, times = 1, error: () => Error = () => new DeliveryError(`injected ${step} failure`, false, "injected")): this {
    this.plan.set(step, { left: times, error });
    return this;
  }
  clear(): void {
    this.plan.clear();
  }
  /** Called at each step: throws when a fault is planned for it. */
  async at(step: Step): Promise<void> {
    this.calls.set(step, (this.calls.get(step) ?? 0) + 1);
    this.log.push(step);
    const nth = this.log.length === this.nth;
    await new Promise((r) => setImmediate(r)); // let concurrent deliveries interleave
    if (nth) throw new DeliveryError(`injected failure of call ${this.nth} (${step})`, false, "injected");
    const f = this.plan.get(step);
    if (f && f.left > 0) {
      f.left--;
      throw f.error();
    }
  }
}

/** Markers with S3's semantics: create fails when the key exists, replace when the etag changed. */
export class MemoryMarkers implements MarkerStore {
  readonly objects = new Map<string, { body: string; etag: string }>();
  private n = 0;
  constructor(private readonly faults: Faults) {}
  async get(key: string) {
    await this.faults.at("marker-get");
    return this.objects.get(key);
  }
  async create(key: string, body: string) {
    await this.faults.at("marker-create");
    if (this.objects.has(key)) return null;
    const etag = `"${++this.n}"`;
    this.objects.set(key, { body, etag });
    return etag;
  }
  async replace(key: string, body: string, etag: string) {
    await this.faults.at("marker-replace");
    if (this.objects.get(key)?.etag !== etag) return null;
    const next = `"${++this.n}"`;
    this.objects.set(key, { body, etag: next });
    return next;
  }
}

export interface Recorded {
  readonly address: string;
  readonly raw: Buffer;
  readonly folder?: string;
}

/** A store, a mailbox host and a forwarder sharing one fault plan; each records what it delivered. */
export function memoryTargets(message: Buffer, faults = new Faults()) {
  const copies = new Map<string, number>();
  const relayed: Recorded[] = [];
  const forwarded: (Recorded & { to: readonly string[] })[] = [];
  const store: MailStore & { copies: Map<string, number> } = {
    copies,
    markers: new MemoryMarkers(faults),
    async read() {
      await faults.at("read");
      return message;
    },
    async put(address, _id, folder = "inbox"): Promise<StoreResult> {
      await faults.at("put");
      const k = `${folder}:${address}`;
      copies.set(k, (copies.get(k) ?? 0) + 1);
      return copies.get(k) === 1 ? "new" : "existing";
    },
    async quarantine() {
      return "new";
    },
  };
  const host: MailboxHost = {
    async deliver(address, _from, raw, folder) {
      await faults.at("relay");
      relayed.push({ address, raw, folder });
    },
  };
  const forwarder: Forwarder = {
    async forward(member, to, copy) {
      await faults.at("forward");
      forwarded.push({ address: member, to, raw: copy });
    },
  };
  return { store, host, forwarder, relayed, forwarded, faults };
}
