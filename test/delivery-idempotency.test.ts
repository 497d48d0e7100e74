/**
 * Nothing lost, nothing duplicated: the delivery module under fault injection (every step of every target
 * failing in turn, failures that outlast an invocation), under concurrency (the same event delivered twice
 * in parallel), and with forged forwarding marks. Uses the in-memory targets of delivery-fakes.ts.
 */
import { describe, expect, it } from "vitest";
import { CLAIM_LEASE_MS } from "../plan/contract.ts";
import { ROUTER_TIMEOUT_S } from "../constructs/router-function.ts";
import { deliverCopies, DeliveryIncomplete, forwardKey, type CopyResult, type DeliveryJob } from "../runtime/delivery/deliver.ts";
import { forwardedCopy, FORWARDED_BY, headerValues } from "../runtime/delivery/message.ts";
import { memoryTargets, type Step } from "./delivery-fakes.ts";

const MESSAGE = Buffer.from("From: Pat <pat@partner.example.org>\r\nTo: eve@example.com\r\nMessage-ID: <m1@partner.example.org>\r\nSubject: hi\r\n\r\nhello\r\n");
const JOB: DeliveryJob = { messageId: "m1", envelopeFrom: "pat@partner.example.org", addresses: ["eve@example.com", "bob@example.com"] };
const FORWARDS = { "eve@example.com": { to: ["eve@home.example.net"], keepCopy: true } };

function setup(message = MESSAGE, forwards: Record<string, { to: string[]; keepCopy: boolean }> = FORWARDS) {
  const t = memoryTargets(message);
  return { ...t, targets: { store: t.store, host: t.host, forwarder: t.forwarder, forwards } };
}

/** Runs the job as Lambda would retry it: until it completes (at most `max` invocations). */
async function untilDone(run: () => Promise<CopyResult[]>, max = 6): Promise<{ results: CopyResult[]; invocations: number }> {
  for (let i = 1; ; i++) {
    try {
      return { results: await run(), invocations: i };
    } catch (err) {
      if (!(err instanceof DeliveryIncomplete) || i >= max) throw err;
    }
  }
}

const count = (xs: { address: string }[], a: string) => xs.filter((x) => x.address === a).length;

function expectExactlyOnce(t: ReturnType<typeof setup>): void {
  expect(count(t.forwarded, "eve@example.com")).toBe(1);
  expect(count(t.relayed, "eve@example.com")).toBe(1);
  expect(count(t.relayed, "bob@example.com")).toBe(1);
  expect(t.store.copies.get("inbox:eve@example.com")).toBeGreaterThanOrEqual(1);
  expect(t.store.copies.get("inbox:bob@example.com")).toBeGreaterThanOrEqual(1);
}

describe("each target is delivered exactly once under faults", () => {
  it("a clean run makes a known number of fault-able calls", async () => {
    const t = setup();
    await deliverCopies(JOB, t.targets, { retryDelaysMs: [] });
    expectExactlyOnce(t);
    expect(t.faults.log.length).toBeGreaterThan(10);
  });

  it("fails every call of a clean run in turn (one retry absorbs it, or the invocation is retried): one forward, one relay each, every store copy", async () => {
    const clean = setup();
    await deliverCopies(JOB, clean.targets, { retryDelaysMs: [] });
    const calls = clean.faults.log.length;
    for (let k = 1; k <= calls; k++) {
      for (const delays of [[], [0]]) {
        const t = setup();
        t.faults.failNth(k);
        const { results } = await untilDone(() => deliverCopies(JOB, t.targets, { retryDelaysMs: delays }));
        expect(results.map((r) => r.address).sort(), `call ${k} (${clean.faults.log[k - 1]}), delays ${delays}`).toEqual(["bob@example.com", "eve@example.com"]);
        expectExactlyOnce(t);
      }
    }
  });

  for (const step of ["read", "marker-get", "marker-create", "marker-replace", "put", "relay", "forward"] as Step[]) {
    it(`a ${step} failure that outlasts an invocation: the retry delivers what is missing and repeats nothing`, async () => {
      const t = setup();
      t.faults.fail(step, Infinity);
      const first = await deliverCopies(JOB, t.targets, { retryDelaysMs: [0] }).then(
        () => null,
        (e: unknown) => e,
      );
      if (step !== "marker-replace") expect(first).toBeInstanceOf(DeliveryIncomplete);
      t.faults.clear();
      await untilDone(() => deliverCopies(JOB, t.targets, { retryDelaysMs: [0] }));
      expectExactlyOnce(t);
    });
  }

  it("a relay that fails twice, then recovers: the forward is sent once, not three times (the reported case)", async () => {
    const t = setup();
    t.faults.fail("relay", 2);
    const { invocations, results } = await untilDone(() => deliverCopies({ ...JOB, addresses: ["eve@example.com"] }, t.targets, { retryDelaysMs: [] }));
    expect(invocations).toBe(3);
    expect(t.forwarded).toHaveLength(1);
    expect(t.relayed).toHaveLength(1);
    expect(results[0]).toMatchObject({ forward: "sent", relay: "delivered", earlier: ["forward"] });
  });

  it("a done marker the store refuses for every retry: the claim holds off a duplicate until its lease runs out (the one window, documented)", async () => {
    const t = setup(MESSAGE, {});
    let s3Down = true;
    const create = t.store.markers.create.bind(t.store.markers);
    t.store.markers.create = async (key, body) => (key.endsWith(".done") && s3Down ? Promise.reject(new Error("S3 503")) : create(key, body));
    const job = { ...JOB, addresses: ["bob@example.com"] };
    const opts = { retryDelaysMs: [0], markerRetryMs: [0], claimLeaseMs: 300 };
    await expect(deliverCopies(job, t.targets, opts)).rejects.toBeInstanceOf(DeliveryIncomplete);
    expect(t.relayed).toHaveLength(1);
    // Retried within the lease: the claim is still held, nothing is sent again.
    s3Down = false;
    const busy = await deliverCopies(job, t.targets, opts).catch((e: DeliveryIncomplete) => e);
    expect((busy as DeliveryIncomplete).failed[0]!.error).toMatch(/being delivered by another invocation/);
    expect(t.relayed).toHaveLength(1);
    // After the lease the holder counts as dead: the copy is sent again (at least once beats at most once).
    await new Promise((r) => setTimeout(r, 350));
    await deliverCopies(job, t.targets, opts);
    expect(t.relayed).toHaveLength(2);
  });

  it("the claim lease outlasts the router's timeout, so a live holder is never overtaken", () => {
    expect(CLAIM_LEASE_MS).toBeGreaterThan(ROUTER_TIMEOUT_S * 1000);
  });
});

describe("the same event delivered twice in parallel", () => {
  it("sends one forward and one relay copy per address; the other invocation waits, then finds them done", async () => {
    const t = setup();
    const [a, b] = await Promise.allSettled([deliverCopies(JOB, t.targets, { retryDelaysMs: [] }), deliverCopies(JOB, t.targets, { retryDelaysMs: [] })]);
    expectExactlyOnce(t);
    const failed = [a, b].filter((r) => r.status === "rejected");
    for (const f of failed) expect(((f as PromiseRejectedResult).reason as DeliveryIncomplete).failed.every((x) => /another invocation/.test(x.error))).toBe(true);
    // The retry of the one that waited completes without sending anything again.
    const again = await deliverCopies(JOB, t.targets, { retryDelaysMs: [] });
    expect(again.find((r) => r.address === "eve@example.com")).toMatchObject({ forward: "sent", relay: "delivered", earlier: ["forward", "relay"] });
    expectExactlyOnce(t);
  });

  it("with retries inside the invocation, both complete and still nothing is duplicated", async () => {
    const t = setup();
    const runs = await Promise.all([1, 2, 3].map(() => deliverCopies(JOB, t.targets, { retryDelaysMs: [5, 5, 5, 5] })));
    expect(runs).toHaveLength(3);
    expectExactlyOnce(t);
  });
});

describe("forwarding marks", () => {
  const keepNoCopy = { "eve@example.com": { to: ["eve@home.example.net"], keepCopy: false } };
  const job = { ...JOB, addresses: ["eve@example.com"] };

  it("ignores marks written outside the router: the forward is sent and keep_copy false is honoured (the reported loss)", async () => {
    const forged = Buffer.from(`${FORWARDED_BY}: eve@example.com\r\n${FORWARDED_BY}: a@example.com\r\n${FORWARDED_BY}: b@example.com; mac=AAAAAAAAAAAAAAAAAAAAAA\r\n${MESSAGE.toString()}`);
    const t = setup(forged, keepNoCopy);
    const [r] = await deliverCopies(job, t.targets, { retryDelaysMs: [] });
    expect(r).toMatchObject({ forward: "sent", relay: "skipped: keep_copy false, forward sent" });
    // The forwarded copy carries only the router's own mark.
    expect(headerValues(t.forwarded[0]!.raw, FORWARDED_BY)).toEqual([expect.stringMatching(/^eve@example\.com; mac=[A-Za-z0-9_-]{22}$/)]);
  });

  it("a real loop (the router's own mark) is not forwarded again, and the mailbox copy is then delivered", async () => {
    const t2 = setup(MESSAGE, keepNoCopy);
    const looped = forwardedCopy(MESSAGE, "eve@example.com", await forwardKey(t2.store.markers));
    t2.store.read = async () => looped;
    const [r] = await deliverCopies(job, t2.targets, { retryDelaysMs: [] });
    expect(r!.forward).toBe("not sent: forwarding loop: the message was already forwarded by eve@example.com");
    expect(r!.relay).toBe("delivered");
    expect(t2.forwarded).toHaveLength(0);
    expect(t2.relayed).toHaveLength(1);
  });

  it("a permanently refused forward keeps the mailbox copy even with keep_copy false", async () => {
    const t = setup(MESSAGE, keepNoCopy);
    const { DeliveryError } = await import("../runtime/delivery/deliver.ts");
    t.faults.fail("forward", 1, () => new DeliveryError("Email address is not verified.", true, "MessageRejected"));
    const [r] = await deliverCopies(job, t.targets, { retryDelaysMs: [] });
    expect(r!.forward).toMatch(/^failed permanently: MessageRejected/);
    expect(r!.relay).toBe("delivered");
  });
});

describe("DMARC quarantine", () => {
  it("delivers every copy to Junk, marks the relayed copy, and sends no forward", async () => {
    const t = setup();
    const results = await deliverCopies({ ...JOB, quarantine: "DMARC FAIL for example.com, which publishes p=quarantine" }, t.targets, { retryDelaysMs: [] });
    expect(results.find((r) => r.address === "eve@example.com")).toMatchObject({ forward: "not sent: quarantined: DMARC FAIL for example.com, which publishes p=quarantine", relay: "delivered to junk" });
    expect(t.forwarded).toHaveLength(0);
    expect(t.relayed.map((r) => r.folder)).toEqual(["junk", "junk"]);
    expect(headerValues(t.relayed[0]!.raw, "X-Mailorg-Quarantine")).toEqual(["DMARC FAIL for example.com, which publishes p=quarantine"]);
    expect(headerValues(t.relayed[0]!.raw, "X-Spam-Flag")).toEqual(["YES"]);
    expect([...t.store.copies.keys()].sort()).toEqual(["junk:bob@example.com", "junk:eve@example.com"]);
  });

  it("removes an X-Mailorg-Quarantine field the sender wrote from a normal copy", async () => {
    const t = setup(Buffer.from(`X-Mailorg-Quarantine: fake\r\n${MESSAGE.toString()}`), {});
    await deliverCopies({ ...JOB, addresses: ["bob@example.com"] }, t.targets, { retryDelaysMs: [] });
    expect(headerValues(t.relayed[0]!.raw, "X-Mailorg-Quarantine")).toEqual([]);
  });
});


describe("the sandbox's file store keeps the same promises", () => {
  it("the same delivery twice in parallel, then retried, over the file store's markers: one copy per target", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { FileStore } = await import("../simulate/sandbox.ts");
    const store = new FileStore(join(mkdtempSync(join(tmpdir(), "mailorg-filestore-")), "_store"));
    store.write("m1", MESSAGE);
    const t = memoryTargets(MESSAGE);
    const targets = { store, host: t.host, forwarder: t.forwarder, forwards: FORWARDS };
    await Promise.allSettled([deliverCopies(JOB, targets, { retryDelaysMs: [] }), deliverCopies(JOB, targets, { retryDelaysMs: [] })]);
    await deliverCopies(JOB, targets, { retryDelaysMs: [] });
    expect(count(t.forwarded, "eve@example.com")).toBe(1);
    expect(count(t.relayed, "eve@example.com")).toBe(1);
    expect(count(t.relayed, "bob@example.com")).toBe(1);
  });
});
