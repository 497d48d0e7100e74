/**
 * deliverCopies' decisions with recording fakes: the defaults production relies on (two retries after 1 s and
 * 4 s, 16 copies in flight), what counts as temporary, what a store-only delivery touches, and what the
 * caller is told when copies are left for the retry.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { deliverCopies, DeliveryError, DeliveryIncomplete, settleLimited, type DeliveryTargets, type MailStore } from "../runtime/delivery/deliver.ts";
import { Faults, MemoryMarkers } from "./delivery-fakes.ts";

const RAW = Buffer.from("From: a@partner.example\nSubject: s\n\nbody\n");
const JOB = { messageId: "m1", envelopeFrom: "a@partner.example", addresses: ["ann@example.com"] };

/** A store that records every call (delivery markers in memory, with S3's conditional writes); `done` lists addresses whose copy exists already. */
function recordingStore(done: string[] = []): MailStore & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    markers: new MemoryMarkers(new Faults()),
    read: async (id) => (calls.push(`read ${id}`), RAW),
    put: async (a) => (calls.push(`put ${a}`), done.includes(a) ? "existing" : "new"),
    quarantine: async () => "new",
  };
}

/** A mailbox host failing with the given errors, in turn, then delivering; it records each attempt's time. */
function flakyHost(errors: unknown[]): { deliver: (a: string) => Promise<void>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    deliver: async () => {
      attempts.push(Date.now());
      const e = errors.shift();
      if (e !== undefined) throw e;
    },
  };
}

const temporary = () => new DeliveryError("451 try later", false, "smtp-4xx");

afterEach(() => {
  vi.useRealTimers();
});

describe("delivery defaults (what production runs with)", () => {
  it("retries a temporary failure twice, after 1 s and then 4 s more", async () => {
    vi.useFakeTimers({ now: 0 });
    const host = flakyHost([temporary(), temporary()]);
    const done = deliverCopies(JOB, { store: recordingStore(), host, forwards: {} });
    await vi.runAllTimersAsync();
    expect(await done).toEqual([{ address: "ann@example.com", store: "new", relay: "delivered" }]);
    const gaps = host.attempts.slice(1).map((t, i) => t - host.attempts[i]!);
    expect(gaps).toEqual([1000, 4000]);
  });

  it("gives up after the second retry and leaves the address for the next invocation", async () => {
    vi.useFakeTimers({ now: 0 });
    const store = recordingStore();
    const host = flakyHost([temporary(), temporary(), temporary()]);
    const done = deliverCopies(JOB, { store, host, forwards: {} }).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const err = await done;
    expect(err).toBeInstanceOf(DeliveryIncomplete);
    expect(host.attempts.slice(1).map((t, i) => t - host.attempts[i]!)).toEqual([1000, 4000]);
    expect(store.calls).not.toContain("put ann@example.com");
  });

  it("has 16 copies in flight at once", async () => {
    let inFlight = 0;
    let most = 0;
    const host = {
      deliver: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
      },
    };
    const addresses = Array.from({ length: 40 }, (_, i) => `u${i}@example.com`);
    const r = await deliverCopies({ ...JOB, addresses }, { store: recordingStore(), host, forwards: {} });
    expect(r).toHaveLength(40);
    expect(most).toBe(16);
  });
});

describe("delivery decisions", () => {
  it("a store-only delivery puts each copy without reading the message or asking what exists", async () => {
    const store = recordingStore(["bob@example.com"]);
    const r = await deliverCopies({ ...JOB, addresses: ["ann@example.com", "bob@example.com"] }, { store, forwards: { "ann@example.com": { to: ["x@home.example"], keepCopy: false } } });
    expect(r).toEqual([{ address: "ann@example.com", store: "new" }, { address: "bob@example.com", store: "existing" }]);
    expect(store.calls.sort()).toEqual(["put ann@example.com", "put bob@example.com"]);
  });

  it("a forward without a forwarder is not attempted: the relay still delivers", async () => {
    const host = flakyHost([]);
    const r = await deliverCopies(JOB, { store: recordingStore(), host, forwards: { "ann@example.com": { to: ["x@home.example"], keepCopy: true } } }, { retryDelaysMs: [] });
    expect(r).toEqual([{ address: "ann@example.com", store: "new", relay: "delivered" }]);
  });

  it("an error that is not a DeliveryError (a dropped socket) is temporary: retried", async () => {
    const host = flakyHost([new Error("socket hang up")]);
    const r = await deliverCopies(JOB, { store: recordingStore(), host, forwards: {} }, { retryDelaysMs: [0] });
    expect(r).toEqual([{ address: "ann@example.com", store: "new", relay: "delivered" }]);
    expect(host.attempts).toHaveLength(2);
  });

  it("a forward that keeps failing temporarily is not recorded as permanent: no store copy, the address is retried later", async () => {
    const store = recordingStore();
    const forwarder = { forward: async () => Promise.reject(new DeliveryError("throttled", false, "throttled")) };
    const job = { ...JOB, addresses: ["ann@example.com", "bob@example.com"] };
    const err = await deliverCopies(job, { store, host: flakyHost([]), forwarder, forwards: { "ann@example.com": { to: ["x@home.example"], keepCopy: true } } }, { retryDelaysMs: [0] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryIncomplete);
    expect((err as DeliveryIncomplete).failed).toEqual([{ address: "ann@example.com", error: "throttled" }]);
    expect((err as DeliveryIncomplete).results).toEqual([{ address: "bob@example.com", store: "new", relay: "delivered" }]);
    expect(store.calls).not.toContain("put ann@example.com");
  });

  it("a permanent relay failure is recorded with its code and the copy is stored", async () => {
    const host = flakyHost([new DeliveryError("550 no such user", true, "smtp-5xx")]);
    expect(await deliverCopies(JOB, { store: recordingStore(), host, forwards: {} }, { retryDelaysMs: [0] })).toEqual([{ address: "ann@example.com", store: "new", relay: "failed permanently: smtp-5xx: 550 no such user" }]);
    expect(host.attempts).toHaveLength(1);
  });
});

describe("DeliveryIncomplete", () => {
  it("counts the copies left and names at most three", () => {
    const failed = ["a", "b", "c", "d"].map((x) => ({ address: `${x}@example.com`, error: `451 ${x}` }));
    const e = new DeliveryIncomplete(failed, [{ address: "z@example.com", store: "new" }]);
    expect(e.name).toBe("DeliveryIncomplete");
    expect(e.message).toBe("4 of 5 copies not delivered yet (temporary): a@example.com: 451 a; b@example.com: 451 b; c@example.com: 451 c");
  });
  it("carries a thrown non-Error as text", async () => {
    const host = { deliver: async () => Promise.reject("connection reset") };
    const err = await deliverCopies(JOB, { store: recordingStore(), host, forwards: {} }, { retryDelaysMs: [] }).catch((e: unknown) => e);
    expect((err as DeliveryIncomplete).failed).toEqual([{ address: "ann@example.com", error: "connection reset" }]);
  });
});

describe("settleLimited", () => {
  it("runs every item with at most `limit` in flight, in order of the items, failures included", async () => {
    let inFlight = 0;
    let most = 0;
    const boom = new Error("boom");
    const r = await settleLimited([1, 2, 3, 4, 5], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((res) => setTimeout(res, 2));
      inFlight--;
      if (n === 3) throw boom;
      return n * 10;
    });
    expect(most).toBe(2);
    expect(r).toEqual([
      { status: "fulfilled", value: 10 },
      { status: "fulfilled", value: 20 },
      { status: "rejected", reason: boom },
      { status: "fulfilled", value: 40 },
      { status: "fulfilled", value: 50 },
    ]);
  });
  it("still runs with a limit of 0, and returns nothing for no items", async () => {
    expect(await settleLimited([7], 0, async (n) => n)).toEqual([{ status: "fulfilled", value: 7 }]);
    expect(await settleLimited([], 4, async (n: number) => n)).toEqual([]);
  });
});
