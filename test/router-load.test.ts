/**
 * The router under load and faults (issue 12): bounded parallel copies, large fan-outs split over the SQS
 * delivery queue, retries that resume without duplicates, and typed errors with no partial copy. S3 and
 * SQS are mocked with a stateful fake that honours If-None-Match like S3 does.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CopyObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { RoutingTable } from "../plan/routing.ts";
import { fanOutTable } from "../bench/fan-out.ts";
import { DeliveryError, type MailStore } from "../runtime/delivery/deliver.ts";
import { deliverBatches, route, RouterError, type RouterDeps } from "../runtime/router/handler.ts";
import { ROOT } from "./helpers.ts";

const EVENT = JSON.parse(readFileSync(join(ROOT, "test/fixtures/ses-event.json"), "utf8"));
const ID = "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1";
const s3m = mockClient(S3Client);
const sqsm = mockClient(SQSClient);

const bigGroupTable = fanOutTable;

/** S3 with state: conditional copies fail with 412 when the key exists; optional failures and latency. */
function fakeS3(opts: { latencyMs?: number; failKeys?: Set<string> } = {}) {
  const objects = new Set<string>([`incoming/${ID}`]);
  const puts: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  s3m.on(HeadObjectCommand).callsFake(async ({ Key }) => {
    if (!objects.has(Key)) throw Object.assign(new Error("NotFound"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
    return { ContentLength: 2000 };
  });
  s3m.on(CopyObjectCommand).callsFake(async ({ Key, IfNoneMatch }) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((r) => setTimeout(r, opts.latencyMs ?? 0));
      if (opts.failKeys?.has(Key)) {
        opts.failKeys.delete(Key);
        throw Object.assign(new Error("SlowDown"), { name: "SlowDown", $metadata: { httpStatusCode: 503 } });
      }
      if (IfNoneMatch === "*" && objects.has(Key)) throw Object.assign(new Error("PreconditionFailed"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
      objects.add(Key);
      puts.push(Key);
      return {};
    } finally {
      inFlight--;
    }
  });
  return { objects, puts, maxInFlight: () => maxInFlight };
}

function fakeQueue() {
  const bodies: { messageId: string; body: string }[] = [];
  sqsm.on(SendMessageBatchCommand).callsFake(async ({ Entries }) => {
    for (const e of Entries) bodies.push({ messageId: `sqs-${bodies.length}`, body: e.MessageBody });
    return { Successful: Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] };
  });
  return bodies;
}

const toGroup = () => {
  const e = structuredClone(EVENT);
  e.Records[0].ses.receipt.recipients = ["all@example.com"];
  return e;
};

const deps = (table: RoutingTable, extra: Partial<RouterDeps> = {}): RouterDeps => ({ s3: new S3Client({}), bucket: "store", table, retryDelaysMs: [], ...extra });

beforeEach(() => {
  s3m.reset();
  sqsm.reset();
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

describe("router under load", () => {
  it("copies with bounded parallelism: never more than the limit in flight, and the limit is used", async () => {
    const s3 = fakeS3({ latencyMs: 2 });
    const [r] = await route(toGroup(), deps(bigGroupTable(300), { concurrency: 8 }));
    expect(r!.copies).toHaveLength(300);
    expect(new Set(s3.puts).size).toBe(300);
    expect(s3.maxInFlight()).toBe(8);
  });

  it("splits a 5,000-member fan-out into queued batches that together make every copy exactly once", async () => {
    const s3 = fakeS3();
    const bodies = fakeQueue();
    const d = deps(bigGroupTable(5000), { sqs: new SQSClient({}), queueUrl: "https://sqs.example/q" });
    const [r] = await route(toGroup(), d);
    expect(r!.deliveries).toHaveLength(5000);
    expect(r!.queuedBatches).toBe(20);
    expect(s3.puts).toEqual([]); // the SES invocation only queues
    expect(sqsm.commandCalls(SendMessageBatchCommand)).toHaveLength(2); // 10 entries per call
    const res = await deliverBatches({ Records: bodies }, d);
    expect(res.batchItemFailures).toEqual([]);
    expect(s3.puts).toHaveLength(5000);
    expect(new Set(s3.puts).size).toBe(5000);
    expect(s3.puts).toContain(`mailboxes/m04999@example.com/${ID}`);
  });

  it("fans out to 50,000 members (all-staff) in batches of 250, and with faults in 50 batches makes every copy exactly once", async () => {
    fakeS3();
    const bodies = fakeQueue();
    // A store with S3's conditional copy (a second put of a key is "existing"), failing once for one copy in every fourth batch.
    const failing = new Set(Array.from({ length: 50 }, (_, k) => `m${String(k * 1000 + 7).padStart(5, "0")}@example.com`));
    const stored = new Map<string, number>();
    let created = 0;
    const store: MailStore = {
      read: async () => Buffer.from("x"),
      quarantine: async () => "new",
      markers: { get: async () => undefined, create: async () => "1", replace: async () => "1" },
      async put(address) {
        await Promise.resolve();
        if (failing.delete(address)) throw new DeliveryError("SlowDown", false, "throttled");
        stored.set(address, (stored.get(address) ?? 0) + 1);
        if (stored.get(address) !== 1) return "existing";
        created++;
        return "new";
      },
    };
    const d = deps(bigGroupTable(50000), { sqs: new SQSClient({}), queueUrl: "https://sqs.example/q", targets: { store, forwards: {} } });
    const [r] = await route(toGroup(), d);
    expect(r!.queuedBatches).toBe(200);
    expect(sqsm.commandCalls(SendMessageBatchCommand)).toHaveLength(20);
    expect(stored.size).toBe(0); // the SES invocation only queues
    // Each batch is bounded work for one invocation, whatever N is.
    expect(Math.max(...bodies.map((b) => (JSON.parse(b.body) as { addresses: string[] }).addresses.length))).toBe(250);
    const first = await deliverBatches({ Records: bodies }, d);
    expect(first.batchItemFailures).toHaveLength(50);
    expect(stored.size).toBe(50000 - 50);
    expect([...stored.values()].every((n) => n === 1)).toBe(true); // no address in two batches
    // The failed batches retried alone, then every batch again (as after a redrive): resumes, copies nothing twice.
    const failed = new Set(first.batchItemFailures.map((f) => f.itemIdentifier));
    expect((await deliverBatches({ Records: bodies.filter((b) => failed.has(b.messageId)) }, d)).batchItemFailures).toEqual([]);
    expect(stored.size).toBe(50000);
    expect((await deliverBatches({ Records: bodies }, d)).batchItemFailures).toEqual([]);
    expect(stored.size).toBe(50000);
    expect(created).toBe(50000);
  }, 120_000);

  it("a failed batch is retried alone and resumes: the copies it made are not made again", async () => {
    const failKeys = new Set([`mailboxes/m00007@example.com/${ID}`, `mailboxes/m00300@example.com/${ID}`]);
    const s3 = fakeS3({ failKeys });
    const bodies = fakeQueue();
    const d = deps(bigGroupTable(1000), { sqs: new SQSClient({}), queueUrl: "https://sqs.example/q" });
    await route(toGroup(), d);
    expect(bodies).toHaveLength(4);
    const first = await deliverBatches({ Records: bodies }, d);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: "sqs-0" }, { itemIdentifier: "sqs-1" }]);
    expect(s3.puts).toHaveLength(998);
    const retried = await deliverBatches({ Records: bodies.filter((b) => ["sqs-0", "sqs-1"].includes(b.messageId)) }, d);
    expect(retried.batchItemFailures).toEqual([]);
    expect(s3.puts).toHaveLength(1000);
    expect(new Set(s3.puts).size).toBe(1000);
  });

  it("a retried SES invocation re-queues, and the repeated batches duplicate nothing", async () => {
    const s3 = fakeS3();
    const bodies = fakeQueue();
    const d = deps(bigGroupTable(600), { sqs: new SQSClient({}), queueUrl: "https://sqs.example/q" });
    await route(toGroup(), d);
    await route(toGroup(), d);
    expect(bodies).toHaveLength(6);
    expect((await deliverBatches({ Records: bodies }, d)).batchItemFailures).toEqual([]);
    expect(s3.puts).toHaveLength(600);
  });

  it("inline copies fail the invocation when some stay failed, and the retry completes only those", async () => {
    const s3 = fakeS3({ failKeys: new Set([`mailboxes/m00002@example.com/${ID}`]) });
    const d = deps(bigGroupTable(5));
    await expect(route(toGroup(), d)).rejects.toMatchObject({ code: "delivery-incomplete", messageId: ID });
    expect(s3.puts).toHaveLength(4);
    const [r] = await route(toGroup(), d);
    expect(r!.copies.filter((c) => c.store === "new").map((c) => c.address)).toEqual(["m00002@example.com"]);
    expect(s3.puts).toHaveLength(5);
  });
});

describe("redrive from the dead-letter queue", () => {
  it("routes a failed SES invocation moved from the DLQ to the delivery queue (Lambda's on-failure record), without duplicates", async () => {
    const s3 = fakeS3();
    const d = deps(bigGroupTable(20));
    const record = {
      version: "1.0",
      timestamp: "2026-06-01T09:30:00.000Z",
      requestContext: { requestId: "r1", functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:x:$LATEST", condition: "RetriesExhausted", approximateInvokeCount: 3 },
      requestPayload: toGroup(),
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType: "RouterError", errorMessage: "delivery-incomplete" },
    };
    const queued = [{ messageId: "dlq-1", body: JSON.stringify(record) }, { messageId: "dlq-2", body: JSON.stringify(record) }];
    expect((await deliverBatches({ Records: queued }, d)).batchItemFailures).toEqual([]);
    expect(s3.puts).toHaveLength(20);
  });
});

describe("router faults: a typed error and no partial copy", () => {
  const table = bigGroupTable(3);
  const attempt = async (event: unknown): Promise<RouterError> => {
    fakeS3();
    const err = await route(event, deps(table)).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RouterError);
    expect(s3m.commandCalls(CopyObjectCommand)).toEqual([]);
    return err as RouterError;
  };

  it("refuses events that are not SES receipt events", async () => {
    expect((await attempt({})).code).toBe("malformed-event");
    expect((await attempt({ Records: [{ eventSource: "aws:s3" }] })).message).toBe('not an SES receipt event: Records[0] has no ses object (eventSource "aws:s3")');
    const noRcpt = structuredClone(EVENT);
    delete noRcpt.Records[0].ses.receipt.recipients;
    expect((await attempt(noRcpt)).message).toBe("not an SES receipt event: Records[0].ses.receipt.recipients is not a list of addresses");
  });

  it("refuses a message id that is not a plain SES id, before copying anything for any record", async () => {
    for (const bad of ["../../mailboxes/ceo@example.com/x", "O3VRNIL0E2IC28TRM7DFHRC2V0CLAMBDA4NBP0G1", "", "abc"]) {
      const e = toGroup();
      e.Records.push(structuredClone(e.Records[0]));
      e.Records[1].ses.mail.messageId = bad;
      const err = await attempt(e);
      expect(err.code).toBe("bad-message-id");
      expect(s3m.commandCalls(HeadObjectCommand)).toEqual([]);
    }
  });

  it("refuses a recipient the routing table does not know (receipt rules and router out of step), copying nothing for anyone", async () => {
    const e = toGroup();
    e.Records[0].ses.receipt.recipients = ["m00001@example.com", "new.hire@example.com"];
    const err = await attempt(e);
    expect(err.toJSON()).toEqual({
      error: "unknown-recipient",
      messageId: ID,
      message: "new.hire@example.com is not in the routing table and no catch_all covers it (receipt rules and router out of step?)",
    });
  });

  it("tells a missing stored object (404) from a forbidden one (403)", async () => {
    const e = toGroup();
    e.Records[0].ses.mail.messageId = "a".repeat(40);
    const missing = await attempt(e);
    expect(missing.toJSON()).toEqual({ error: "missing-object", messageId: "a".repeat(40), message: `incoming/${"a".repeat(40)} does not exist in store (expired, or SES did not store it)` });
    s3m.on(HeadObjectCommand).rejects(Object.assign(new Error("Forbidden"), { name: "Forbidden", $metadata: { httpStatusCode: 403 } }));
    const err = await route(toGroup(), deps(table)).then(() => null, (x: unknown) => x);
    expect(err).toMatchObject({ code: "forbidden-object" });
  });

  it("refuses a malformed queued batch, reporting it for retry and the DLQ", async () => {
    fakeS3();
    const res = await deliverBatches({ Records: [{ messageId: "q1", body: "{not json" }, { messageId: "q2", body: JSON.stringify({ v: 1, messageId: "../x", envelopeFrom: "a@b.c", addresses: [] }) }] }, deps(table));
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: "q1" }, { itemIdentifier: "q2" }]);
    expect(s3m.commandCalls(CopyObjectCommand)).toEqual([]);
  });
});
