/**
 * The sandbox's redelivery queue, in process: a copy whose mailbox host is briefly down is kept on disk before the
 * MX answers, retried from the store with backoff until it is delivered (exactly once), and resumed by the next
 * start when the sandbox stopped first. Timers are the test's own: nothing waits on the clock.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deliverCopies, DeliveryError, type DeliveryJob, type MailboxHost } from "../runtime/delivery/deliver.ts";
import { Redelivery, REDELIVERY_DELAYS_MS, REDELIVERY_EVERY_MS } from "../simulate/redelivery.ts";
import { FileStore } from "../simulate/sandbox.ts";

/** A host down for the first `down` attempts. */
class FlakyHost implements MailboxHost {
  delivered: string[] = [];
  attempts = 0;
  constructor(private down: number) {}
  async deliver(address: string): Promise<void> {
    this.attempts++;
    if (this.down-- > 0) throw new DeliveryError("connection refused", false, "connection");
    this.delivered.push(address);
  }
}

function setUp(host: FlakyHost) {
  const root = mkdtempSync(join(tmpdir(), "mailorg-redelivery-"));
  const store = new FileStore(join(root, "_store"));
  store.write("m1", Buffer.from("Subject: hi\r\n\r\nbody\r\n"));
  const timers: { fn: () => void; ms: number }[] = [];
  const lines: string[] = [];
  const queue = (dir = join(root, "_store", "redelivery")) =>
    new Redelivery({
      dir,
      deliver: (job) => deliverCopies(job, { store, host, forwards: {} }, { retryDelaysMs: [] }),
      log: (l) => lines.push(l),
      setTimer: (fn, ms) => (timers.push({ fn, ms }), timers.length),
      clearTimer: (t) => (timers[(t as number) - 1] = { fn: () => {}, ms: -1 }),
    });
  /** Runs the next timer and lets its attempt finish. */
  const tick = async (): Promise<number> => {
    const t = timers.shift()!;
    t.fn();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    return t.ms;
  };
  return { root, store, timers, lines, queue, tick };
}

const JOB: DeliveryJob = { messageId: "m1", envelopeFrom: "pat@partner.example.org", addresses: ["li.na@example.com"] };

describe("redelivery", () => {
  it("keeps the job before returning, retries with backoff, and delivers it exactly once", async () => {
    const host = new FlakyHost(2);
    const { root, timers, lines, queue, tick } = setUp(host);
    const q = queue();
    q.enqueue(JOB);
    const file = join(root, "_store/redelivery/m1.json");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(JOB);
    expect(q.pending()).toEqual(["m1"]);
    // Down twice, then up: waits follow the schedule.
    expect([await tick(), await tick(), await tick()]).toEqual(REDELIVERY_DELAYS_MS.slice(0, 3));
    expect(host.delivered).toEqual(["li.na@example.com"]);
    expect(existsSync(file)).toBe(false);
    expect(timers).toEqual([]);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { redelivery: "m1", attempt: 1, pending: [{ address: "li.na@example.com", error: "connection refused" }] },
      { redelivery: "m1", attempt: 2, pending: [{ address: "li.na@example.com", error: "connection refused" }] },
      { redelivery: "m1", attempt: 3, copies: [{ address: "li.na@example.com", store: "new", relay: "delivered" }] },
    ]);
  });

  it("after the schedule, tries once a minute for as long as it runs", async () => {
    const host = new FlakyHost(REDELIVERY_DELAYS_MS.length + 1);
    const { queue, tick } = setUp(host);
    queue().enqueue(JOB);
    const waits: number[] = [];
    while (host.delivered.length === 0) waits.push(await tick());
    expect(waits).toEqual([...REDELIVERY_DELAYS_MS, REDELIVERY_EVERY_MS, REDELIVERY_EVERY_MS]);
    expect(REDELIVERY_EVERY_MS).toBe(60_000);
  });

  it("a stopped sandbox leaves the job on disk; the next start resumes it at once, and a done target is not sent again", async () => {
    const host = new FlakyHost(1);
    const { root, timers, queue, tick } = setUp(host);
    const first = queue();
    first.enqueue(JOB);
    first.close();
    expect(timers.filter((t) => t.ms >= 0)).toEqual([]);
    expect(existsSync(join(root, "_store/redelivery/m1.json"))).toBe(true);
    timers.length = 0;
    const second = queue();
    expect(second.resume()).toBe(1);
    expect(await tick()).toBe(0); // at once: the host was down at the first attempt
    expect(await tick()).toBe(REDELIVERY_DELAYS_MS[0]);
    expect(host.delivered).toEqual(["li.na@example.com"]);
    // Resumed again (say, a crash before the file was removed): the relay's done marker stops a second copy.
    const third = queue();
    third.enqueue(JOB);
    await tick();
    expect(host.delivered).toEqual(["li.na@example.com"]);
    expect(second.pending()).toEqual([]);
  });
});
