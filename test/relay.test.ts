/**
 * The relay target against a real SMTP server on loopback (smtp-server, STARTTLS with a certificate for
 * localhost signed by a test CA in test/fixtures/tls/; the CA's key was discarded), and the delivery
 * module's handling of its answers.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { deliverCopies, DeliveryIncomplete } from "../runtime/delivery/deliver.ts";
import { withDeliveredTo } from "../runtime/delivery/message.ts";
import { relayError, SmtpRelay } from "../runtime/delivery/relay.ts";
import { memoryTargets } from "./delivery-fakes.ts";
import { ROOT } from "./helpers.ts";

const TLS = join(ROOT, "test/fixtures/tls");
const CA = readFileSync(join(TLS, "ca.pem"));
const CERT = { key: readFileSync(join(TLS, "server.key")), cert: readFileSync(join(TLS, "server.pem")) };
const MIME = readFileSync(join(ROOT, "test/fixtures/message.eml"));

interface Received {
  from: string;
  to: string[];
  data: Buffer;
  secure: boolean;
  user?: string;
}

const servers: SMTPServer[] = [];
const relays: SmtpRelay[] = [];

async function server(opts: Partial<SMTPServerOptions> & { rcptCode?: number } = {}): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const { rcptCode, ...rest } = opts;
  const srv = new SMTPServer({
    ...CERT,
    authOptional: true,
    logger: false,
    onRcptTo(address, _session, cb) {
      if (rcptCode) return cb(Object.assign(new Error(rcptCode >= 500 ? "no such user" : "try again later"), { responseCode: rcptCode }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
    ...rest,
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return { port: (srv.server.address() as AddressInfo).port, received };
}

function relay(port: number, extra: Partial<ConstructorParameters<typeof SmtpRelay>[0]> = {}): SmtpRelay {
  const r = new SmtpRelay({ host: "localhost", port, ca: CA, timeoutMs: 3000, ...extra });
  relays.push(r);
  return r;
}

afterEach(async () => {
  for (const r of relays.splice(0)) r.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(() => r(undefined)))));
});

describe("relay over SMTP (real server, STARTTLS)", () => {
  it("delivers over verified STARTTLS, keeps the envelope sender, adds Delivered-To and changes no other byte", async () => {
    const srv = await server();
    await relay(srv.port).deliver("ann@example.com", "bounce@partner.example.org", withDeliveredTo(MIME, "ann@example.com"));
    expect(srv.received).toHaveLength(1);
    const [got] = srv.received;
    expect(got).toMatchObject({ from: "bounce@partner.example.org", to: ["ann@example.com"], secure: true });
    // SMTP carries lines ending in CRLF (the fixture's LF lines arrive as CRLF, which is also how DKIM
    // canonicalises them); apart from that and the added field, the bytes are the fixture's.
    const crlf = (b: Buffer | string): string => b.toString("latin1").replace(/\r?\n/g, "\r\n");
    expect(got!.data.toString("latin1")).toBe("Delivered-To: ann@example.com\r\n" + crlf(MIME));
  });

  it("authenticates with the credentials it is given (from Secrets Manager in the Lambda)", async () => {
    const srv = await server({
      authOptional: false,
      onAuth(auth, _s, cb) {
        cb(auth.username === "relay-user" && auth.password === "s3cret" ? null : new Error("bad credentials"), { user: auth.username });
      },
    });
    await relay(srv.port, { auth: { user: "relay-user", pass: "s3cret" } }).deliver("ann@example.com", "x@partner.example.org", MIME);
    expect(srv.received[0]).toMatchObject({ user: "relay-user", secure: true });
    const err = await relay(srv.port, { auth: { user: "relay-user", pass: "wrong" } }).deliver("ann@example.com", "x@partner.example.org", MIME).catch((e: unknown) => e);
    // Refused credentials are a configuration fault: temporary (retried, then the dead-letter queue), not a lost message.
    expect(err).toMatchObject({ name: "DeliveryError", permanent: false, code: "auth" });
  });

  it("refuses a server that does not offer STARTTLS: nothing is sent in plain text", async () => {
    const srv = await server({ disabledCommands: ["STARTTLS"] });
    const err = await relay(srv.port).deliver("ann@example.com", "x@partner.example.org", MIME).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "DeliveryError", permanent: false, code: "tls" });
    expect(srv.received).toEqual([]);
  });

  it("refuses a certificate it cannot verify (untrusted issuer, or another host's name)", async () => {
    const srv = await server();
    const untrusted = await new SmtpRelay({ host: "localhost", port: srv.port, timeoutMs: 3000 }).deliver("ann@example.com", "x@p.example.org", MIME).catch((e: unknown) => e);
    expect(untrusted).toMatchObject({ name: "DeliveryError", code: "tls" });
    const wrongName = await relay(srv.port, { servername: "mx.corp.example.com" }).deliver("ann@example.com", "x@p.example.org", MIME).catch((e: unknown) => e);
    expect(wrongName).toMatchObject({ name: "DeliveryError", code: "tls" });
    expect((wrongName as Error).message).toMatch(/mx\.corp\.example\.com/);
    expect(srv.received).toEqual([]);
  });
});

describe("delivery module with the relay", () => {
  /** An in-memory store recording its copies (as "inbox:<address>"). */
  const memoryStore = () => memoryTargets(MIME).store;

  it("records a permanent refusal (5xx), still archives the copy, and does not retry", async () => {
    const srv = await server({ rcptCode: 550 });
    const store = memoryStore();
    const r = await deliverCopies({ messageId: "m1", envelopeFrom: "x@p.example.org", addresses: ["gone@example.com"] }, { store, host: relay(srv.port), forwards: {} }, { retryDelaysMs: [10, 10] });
    expect(r).toEqual([{ address: "gone@example.com", store: "new", relay: expect.stringMatching(/^failed permanently: smtp-550: /) }]);
    expect([...store.copies.keys()]).toEqual(["inbox:gone@example.com"]);
  });

  it("retries a temporary refusal (4xx) with backoff, then leaves the address undone for the next attempt", async () => {
    const srv = await server({ rcptCode: 451 });
    const store = memoryStore();
    let rcpts = 0;
    srv.received.length = 0;
    const host = relay(srv.port);
    const counting = { deliver: (a: string, f: string, raw: Buffer) => (rcpts++, host.deliver(a, f, raw)) };
    const err = await deliverCopies({ messageId: "m1", envelopeFrom: "x@p.example.org", addresses: ["busy@example.com"] }, { store, host: counting, forwards: {} }, { retryDelaysMs: [10, 20] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryIncomplete);
    expect((err as DeliveryIncomplete).failed[0]!.address).toBe("busy@example.com");
    expect(rcpts).toBe(3);
    expect([...store.copies.keys()]).toEqual([]);
  });

  it("a retried invocation relays nothing twice, and keep_copy false skips the mailbox only because the forward was sent", async () => {
    const srv = await server();
    const store = memoryStore();
    const targets = { store, host: relay(srv.port), forwarder: { forward: async () => undefined }, forwards: { "fwd@example.com": { to: ["f@elsewhere.example.net"], keepCopy: false } } };
    const job = { messageId: "m1", envelopeFrom: "x@p.example.org", addresses: ["done@example.com", "fwd@example.com", "new@example.com"] };
    await deliverCopies({ ...job, addresses: ["done@example.com"] }, targets);
    const r = await deliverCopies(job, targets);
    expect(r).toEqual([
      { address: "done@example.com", store: "existing", relay: "delivered", earlier: ["relay"] },
      { address: "fwd@example.com", store: "new", relay: "skipped: keep_copy false, forward sent", forward: "sent" },
      { address: "new@example.com", store: "new", relay: "delivered" },
    ]);
    expect(srv.received.map((x) => x.to)).toEqual([["done@example.com"], ["new@example.com"]]);
  });

  it("classifies by reply code and enhanced status code before the text: a 550 5.1.1 mentioning TLS is permanent", () => {
    const e = relayError({ responseCode: 550, command: "RCPT TO", message: "Can't send mail - all recipients were rejected: 550 5.1.1 <atlsmith@example.com>: User unknown", response: "550 5.1.1 <atlsmith@example.com>: User unknown" });
    expect(e).toMatchObject({ permanent: true, code: "smtp-550" });
    expect(relayError({ responseCode: 452, command: "RCPT TO", message: "452 4.2.2 mailbox full (TLS)" })).toMatchObject({ permanent: false, code: "smtp-452" });
    // A 5xx whose enhanced code says "temporary" (4.x.x) is not thrown away.
    expect(relayError({ responseCode: 554, message: "554 4.4.7 message expired in queue" })).toMatchObject({ permanent: false });
    expect(relayError({ responseCode: 530, command: "STARTTLS", message: "530 5.7.0 Must issue a STARTTLS command first" })).toMatchObject({ permanent: false, code: "tls" });
    expect(relayError({ responseCode: 535, command: "AUTH PLAIN", message: "535 5.7.8 bad credentials" })).toMatchObject({ permanent: false, code: "auth" });
    expect(relayError({ code: "ESOCKET", message: "self-signed certificate in certificate chain" })).toMatchObject({ permanent: false, code: "tls" });
    expect(relayError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:25" })).toMatchObject({ permanent: false, code: "connection" });
  });
});
