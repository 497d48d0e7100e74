/**
 * Forgery on arrival, in the router (the Lambda's code, with S3 mocked statefully): DMARC as the sender
 * domain publishes it (reject refused, quarantine to the member's Junk), always for the org's own domains;
 * From headers read with the one RFC 5322 parser (comments, several authors); queued batches checked
 * against the routing table; and the S3 markers' conditional writes under two parallel invocations.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { buildRoutingTable } from "../plan/routing.ts";
import type { MailboxHost } from "../runtime/delivery/deliver.ts";
import { S3MailStore } from "../runtime/delivery/s3-store.ts";
import { authorOf, decide, dmarcDisposition } from "../runtime/router/core.ts";
import { checkBatch, deliverBatches, parseSesEvent, route, type RouterDeps } from "../runtime/router/handler.ts";
import { ROOT, writeOrg } from "./helpers.ts";

const ORG = `organisation: { name: Forge Co, region: eu-west-1, default_department: hq, catch_all: lost@example.com }
domains: [{ name: example.com, dmarc: { policy: reject } }, { name: example.net, dmarc: { policy: none } }]
departments: [{ id: hq, name: HQ }]
members:
  - { address: ann@example.com, name: Ann }
  - { address: ceo@example.com, name: CEO }
  - { address: eve@example.com, name: Eve, forward: { to: [eve@home.example.org], keep_copy: false } }
mailboxes:
  - { address: lost@example.com, name: Lost }
inbound: { allowed: [198.51.100.0/24] }
`;

const EVENT = JSON.parse(readFileSync(join(ROOT, "test/fixtures/ses-event.json"), "utf8"));
const ID = "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1";
const MIME = readFileSync(join(ROOT, "test/fixtures/message.eml"));
const s3m = mockClient(S3Client);

function table() {
  const { org, index } = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
  return buildRoutingTable(org, index!);
}

/** An SES event for one message, with the From header and verdicts given. */
function event(from: string[], opts: { recipients?: string[]; dmarc?: string; dmarcPolicy?: string } = {}) {
  const e = structuredClone(EVENT);
  const r = e.Records[0].ses;
  r.mail.commonHeaders.from = from;
  r.receipt.recipients = opts.recipients ?? ["ann@example.com"];
  r.receipt.dmarcVerdict = { status: opts.dmarc ?? "PASS" };
  if (opts.dmarcPolicy) r.receipt.dmarcPolicy = opts.dmarcPolicy;
  return e;
}

/** S3 with state: conditional copies and puts (If-None-Match, If-Match) answered as S3 does. */
function fakeS3() {
  const objects = new Map<string, { body: string; etag: string }>([[`incoming/${ID}`, { body: MIME.toString("latin1"), etag: '"0"' }]]);
  let n = 0;
  const notFound = () => Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
  const precondition = () => Object.assign(new Error("PreconditionFailed"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
  const write = async (Key: string, body: string, c: { IfNoneMatch?: string; IfMatch?: string }) => {
    await new Promise((r) => setImmediate(r));
    if (c.IfNoneMatch === "*" && objects.has(Key)) throw precondition();
    if (c.IfMatch !== undefined && objects.get(Key)?.etag !== c.IfMatch) throw precondition();
    const etag = `"${++n}"`;
    objects.set(Key, { body, etag });
    return { ETag: etag };
  };
  s3m.on(HeadObjectCommand).callsFake(async ({ Key }) => {
    if (!objects.has(Key)) throw notFound();
    return { ContentLength: objects.get(Key)!.body.length };
  });
  s3m.on(GetObjectCommand).callsFake(async ({ Key }) => {
    await new Promise((r) => setImmediate(r));
    const o = objects.get(Key);
    if (!o) throw notFound();
    return { ETag: o.etag, Body: { transformToString: async () => o.body, transformToByteArray: async () => Buffer.from(o.body, "latin1") } };
  });
  s3m.on(CopyObjectCommand).callsFake(async ({ Key, CopySource, IfNoneMatch }) => write(Key, objects.get(decodeURI(CopySource).slice(decodeURI(CopySource).indexOf("/") + 1))!.body, { IfNoneMatch }));
  s3m.on(PutObjectCommand).callsFake(async ({ Key, Body, IfNoneMatch, IfMatch }) => write(Key, String(Body), { IfNoneMatch, IfMatch }));
  return objects;
}

function deps(t = table(), relayed: string[] = [], forwarded: string[] = []): RouterDeps {
  const s3 = new S3Client({});
  const host: MailboxHost = { deliver: async (a, _f, raw, folder) => void relayed.push(`${folder}:${a}:${/X-Mailorg-Quarantine/.test(raw.toString())}`) };
  return {
    s3,
    bucket: "b",
    table: t,
    retryDelaysMs: [],
    targets: { store: new S3MailStore(s3, "b"), host, forwarder: { forward: async (m) => void forwarded.push(m) }, forwards: t.forwards },
  };
}

beforeEach(() => {
  s3m.reset();
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

describe("DMARC on arrival", () => {
  const t = table();
  it("honours the sender domain's published policy: reject is refused, quarantine goes to Junk, none changes nothing", () => {
    const base = { from: "wang.jianguo@partner.example.org", recipients: ["ann@example.com"], dmarc: "FAIL" as const };
    expect(decide(t, { ...base, dmarcPolicy: "reject" })).toMatchObject({ accepted: false, quarantined: true, deliveries: [], rejected_reason: "DMARC FAIL for partner.example.org, which publishes p=reject: refused (kept under quarantine/, delivered to no one)" });
    expect(decide(t, { ...base, dmarcPolicy: "quarantine" })).toMatchObject({ accepted: true, deliveries: ["ann@example.com"], junk: "DMARC FAIL for partner.example.org, which publishes p=quarantine: delivered to Junk" });
    expect(decide(t, { ...base, dmarcPolicy: "none" })).toMatchObject({ deliveries: ["ann@example.com"], junk: null });
    expect(decide(t, { ...base, dmarc: "PASS", dmarcPolicy: "reject" })).toMatchObject({ deliveries: ["ann@example.com"], junk: null });
  });

  it("always for the org's own domains, whatever SES reports: the org's policy, at least quarantine", () => {
    // The reported case: the CEO's address from outside, DMARC FAIL, no policy in the event.
    expect(decide(t, { from: "ceo@example.com", recipients: ["ann@example.com"], dmarc: "FAIL" })).toMatchObject({ accepted: false, deliveries: [] });
    expect(dmarcDisposition(t, "x@mail.example.com", "GRAY", undefined)).toEqual({ policy: "reject", reason: "DMARC GRAY for mail.example.com, an organisation domain (policy reject)" });
    // example.net publishes p=none: forged mail is still never an inbox message.
    expect(decide(t, { from: "ceo@example.net", recipients: ["ann@example.com"], dmarc: "FAIL", dmarcPolicy: "none" }).junk).toBe("DMARC FAIL for example.net, an organisation domain (policy quarantine): delivered to Junk");
    expect(decide(t, { from: "ceo@example.com", recipients: ["ann@example.com"], dmarc: "PASS" })).toMatchObject({ deliveries: ["ann@example.com"], junk: null });
    // inbound.allowed IP ranges (the company's own servers) are exempt, as from the spam verdict.
    expect(decide(t, { from: "ceo@example.com", recipients: ["ann@example.com"], dmarc: "FAIL", ip: "198.51.100.9" }).deliveries).toEqual(["ann@example.com"]);
  });

  it("the Lambda refuses p=reject (kept under quarantine/) and puts p=quarantine in the member's Junk, with no forward", async () => {
    const objects = fakeS3();
    const relayed: string[] = [];
    const forwarded: string[] = [];
    const d = deps(table(), relayed, forwarded);
    await route(event(['"王建国" <wang.jianguo@partner.example.org>'], { dmarc: "FAIL", dmarcPolicy: "reject" }), d);
    expect([...objects.keys()].filter((k) => !k.startsWith("incoming/"))).toEqual([`quarantine/${ID}`]);
    expect(relayed).toEqual([]);
    objects.delete(`quarantine/${ID}`);
    await route(event(["x@partner.example.org"], { dmarc: "FAIL", dmarcPolicy: "quarantine", recipients: ["ann@example.com", "eve@example.com"] }), d);
    expect([...objects.keys()].filter((k) => k.startsWith("quarantine/") || k.startsWith("mailboxes/")).sort()).toEqual([`quarantine/ann@example.com/${ID}`, `quarantine/eve@example.com/${ID}`]);
    // Eve's keep_copy false: her forward was not sent, so her mailbox copy is (in Junk).
    expect(relayed.sort()).toEqual(["junk:ann@example.com:true", "junk:eve@example.com:true"]);
    expect(forwarded).toEqual([]);
  });
});

describe("From headers, read with one RFC 5322 parser", () => {
  it("understands a trailing comment, display names and several authors", () => {
    expect(parseSesEvent(event(['"x" <ceo@example.com> (c)']))[0]!.from).toBe("ceo@example.com");
    // Several authors: the first is decided on, and DMARC cannot vouch for it.
    const two = parseSesEvent(event(["li.na@partner.example.org, ceo@example.com"]))[0]!;
    expect(two).toMatchObject({ from: "li.na@partner.example.org", dmarc: "GRAY" });
    expect(authorOf(["A@x.example", "a@x.example"], "", "PASS")).toEqual({ from: "a@x.example", authors: ["a@x.example"], dmarc: "PASS" });
    // Any author in an org domain makes the org's policy apply, whichever comes first.
    expect(decide(table(), { from: "x@partner.example.org", authors: ["x@partner.example.org", "ceo@example.com"], recipients: ["ann@example.com"], dmarc: "FAIL" })).toMatchObject({ accepted: false, deliveries: [] });
    expect(parseSesEvent(event(["undisclosed:;"]))[0]!.from).toBe("0102018c-bounce@mail.partner.example.org");
    expect(parseSesEvent(event(["x@partner.example.org"], { dmarc: "FAIL", dmarcPolicy: "REJECT" }))[0]!.dmarcPolicy).toBe("reject");
  });
});

describe("queued batches", () => {
  it("refuses an address the routing table does not deliver to, before any copy", async () => {
    const t = table();
    expect(() => checkBatch({ v: 1, messageId: ID, envelopeFrom: "a@b.example", addresses: ["ann@example.com", "../../x"] }, t)).toThrow(/does not deliver to: "\.\.\/\.\.\/x"/);
    expect(() => checkBatch({ v: 1, messageId: ID, envelopeFrom: "a@b.example", addresses: ["ann@example.com", "lost@example.com"] }, t)).not.toThrow();
    fakeS3();
    const res = await deliverBatches({ Records: [{ messageId: "q1", body: JSON.stringify({ v: 1, messageId: ID, envelopeFrom: "a@b.example", addresses: ["ann@example.com", "../../x"] }) }] }, deps(t));
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: "q1" }]);
    expect(s3m.commandCalls(CopyObjectCommand)).toEqual([]);
  });
});

describe("the same SES event twice in parallel, on S3's conditional writes", () => {
  it("relays and forwards each copy once; the second invocation's retry finds them done", async () => {
    const objects = fakeS3();
    const relayed: string[] = [];
    const forwarded: string[] = [];
    const d = deps(table(), relayed, forwarded);
    const e = event(["x@partner.example.org"], { recipients: ["ann@example.com", "eve@example.com"] });
    const [a, b] = await Promise.allSettled([route(e, d), route(e, d)]);
    const failed = [a, b].filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    for (const f of failed) expect(f.reason).toMatchObject({ code: "delivery-incomplete" });
    if (failed.length) await route(e, d);
    expect(relayed).toEqual(["inbox:ann@example.com:false"]);
    expect(forwarded).toEqual(["eve@example.com"]);
    expect(objects.get(`delivery/${ID}/eve@example.com/forward.done`)?.body).toBe("sent");
    expect(objects.get(`delivery/${ID}/eve@example.com/relay.done`)).toBeUndefined();
    expect(objects.has(`mailboxes/eve@example.com/${ID}`)).toBe(true);
  });
});
