/**
 * One run of the router against a mocked S3 and SQS with realistic per-call latency, for a message to a
 * group of N members; prints JSON. Run in a fresh process per size (bench/run.ts) so peak RSS is this run's.
 *   tsx bench/router-once.ts <members>
 * Latency per call (uniform): HeadObject 10-20 ms, CopyObject 25-45 ms, SendMessageBatch 10-20 ms. The SES
 * invocation copies inline up to 500 addresses, else queues batches of 250; the batches are then delivered
 * one after another here (on AWS they run as parallel invocations), and the largest one is reported.
 */
import { performance } from "node:perf_hooks";
import { CopyObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { deliverBatches, route } from "../runtime/router/handler.ts";
import { fanOutTable } from "./fan-out.ts";

const n = Number(process.argv[2]);
if (!(n > 0)) {
  process.stderr.write("usage: tsx bench/router-once.ts <members>\n");
  process.exit(2);
}
const ID = "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1";
const latency = (lo: number, hi: number): Promise<void> => new Promise((r) => setTimeout(r, lo + Math.random() * (hi - lo)));
let copies = 0;
const keys = new Set<string>();
mockClient(S3Client)
  .on(HeadObjectCommand)
  .callsFake(async () => (await latency(10, 20), { ContentLength: 20_000 }))
  .on(CopyObjectCommand)
  .callsFake(async ({ Key }: { Key: string }) => {
    await latency(25, 45);
    if (keys.has(Key)) throw Object.assign(new Error("PreconditionFailed"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
    keys.add(Key);
    copies++;
    return {};
  });
const queued: { messageId: string; body: string }[] = [];
mockClient(SQSClient)
  .on(SendMessageBatchCommand)
  .callsFake(async ({ Entries }: { Entries: { Id: string; MessageBody: string }[] }) => {
    await latency(10, 20);
    for (const e of Entries) queued.push({ messageId: `m${queued.length}`, body: e.MessageBody });
    return { Successful: Entries.map((e) => ({ Id: e.Id })), Failed: [] };
  });

let peakHeap = 0;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 5);
console.log = () => undefined;
const deps = { s3: new S3Client({}), bucket: "store", table: fanOutTable(n), sqs: new SQSClient({}), queueUrl: "https://sqs.example/q" };
const event = {
  Records: [{ eventSource: "aws:ses", ses: { mail: { messageId: ID, source: "pat@partner.example.org", commonHeaders: { from: ["pat@partner.example.org"] } }, receipt: { recipients: ["all@example.com"] } } }],
};
const t0 = performance.now();
await route(event, deps);
const sesMs = performance.now() - t0;
let maxBatchMs = 0;
const t1 = performance.now();
for (const q of queued) {
  const tb = performance.now();
  const r = await deliverBatches({ Records: [q] }, deps);
  if (r.batchItemFailures.length > 0) throw new Error("a batch failed");
  maxBatchMs = Math.max(maxBatchMs, performance.now() - tb);
}
const batchesMs = performance.now() - t1;
clearInterval(sampler);
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
if (copies !== n || keys.size !== n) throw new Error(`expected ${n} copies, made ${copies}`);
process.stdout.write(
  JSON.stringify({ members: n, copies, batches: queued.length, sesMs, maxBatchMs, batchesMs, totalMs: sesMs + batchesMs, peakHeapMb: peakHeap / 1048576, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n",
);
