/** The forward target with the SES client mocked: the rewritten headers, the untouched bytes, and loops. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { deliverCopies, forwardKey, type MailStore } from "../runtime/delivery/deliver.ts";
import { SesForwarder } from "../runtime/delivery/forward.ts";
import { forwardedCopy, splitMessage } from "../runtime/delivery/message.ts";
import { memoryTargets } from "./delivery-fakes.ts";
import { ROOT } from "./helpers.ts";

const MIME = readFileSync(join(ROOT, "test/fixtures/message.eml"));
const CRLF = Buffer.from(MIME.toString("latin1").replace(/\n/g, "\r\n"), "latin1");
const ses = mockClient(SESv2Client);

const store = (raw: Buffer): MailStore => memoryTargets(raw).store;
const KEY = Buffer.alloc(32, 7);
const sent = (): Buffer => Buffer.from(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content!.Raw!.Data!);
const fieldsOf = (raw: Buffer) => splitMessage(raw).fields.map((f) => f.raw);

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: "x" });
});

describe("forward through SES", () => {
  for (const [name, raw] of [["LF", MIME], ["CRLF", CRLF]] as const) {
    it(`rewrites From to the member, moves the sender to Reply-To, and keeps every other byte (${name})`, async () => {
      await new SesForwarder(new SESv2Client({}), "acme").forward("ann@example.com", ["ann@home.example.net"], forwardedCopy(raw, "ann@example.com", KEY));
      const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
      expect(input).toMatchObject({ FromEmailAddress: "ann@example.com", Destination: { ToAddresses: ["ann@home.example.net"] }, ConfigurationSetName: "acme" });
      const out = sent();
      const eol = name === "LF" ? "\n" : "\r\n";
      const fields = fieldsOf(out);
      expect(fields[0]).toMatch(new RegExp(`^X-Mailorg-Forwarded-By: ann@example\\.com; mac=[A-Za-z0-9_-]{22}${eol}$`));
      expect(fields).toContain(`From: ann@example.com${eol}`);
      expect(fields).toContain(`Reply-To: "Pat Partner" <pat@partner.example.org>${eol}`);
      expect(fields.some((f) => /^(DKIM-Signature|Return-Path):/i.test(f))).toBe(false);
      // The body and the fields a DKIM signature over To/Cc/Subject/Date/Message-ID covers: byte for byte.
      expect(splitMessage(out).rest).toBe(splitMessage(raw).rest);
      const kept = fieldsOf(raw).filter((f) => !/^(From|DKIM-Signature|Return-Path):/i.test(f));
      expect(fields.filter((f) => kept.includes(f))).toEqual(kept);
      expect(kept.some((f) => f.startsWith("Received:") && f.includes(`${eol} by inbound-smtp`))).toBe(true); // folded field intact
    });
  }

  it("keeps the sender's own Reply-To", () => {
    const raw = Buffer.from("From: a@partner.example.org\nReply-To: desk@partner.example.org\nSubject: x\n\nbody\n");
    expect(forwardedCopy(raw, "ann@example.com", KEY).toString()).toMatch(/^X-Mailorg-Forwarded-By: ann@example\.com; mac=\S{22}\nFrom: ann@example\.com\nReply-To: desk@partner\.example\.org\nSubject: x\n\nbody\n$/);
  });

  it("emits one From and one Reply-To for a message with two From fields and two Reply-To fields", () => {
    const raw = Buffer.from('From: "x" <a@partner.example.org> (c)\nFrom: b@partner.example.org\nSubject: x\n\nbody\n');
    const out = forwardedCopy(raw, "ann@example.com", KEY).toString();
    expect(out.match(/^From:/gm)).toHaveLength(1);
    expect(out.match(/^Reply-To:/gm)).toHaveLength(1);
    expect(out).toContain("\nReply-To: a@partner.example.org, b@partner.example.org\n");
    const two = Buffer.from("From: a@p.example.org\nReply-To: r1@p.example.org\nReply-To: r2@p.example.org\n\nbody\n");
    expect(forwardedCopy(two, "ann@example.com", KEY).toString().match(/^Reply-To: .*$/gm)).toEqual(["Reply-To: r1@p.example.org"]);
  });

  it("detects a loop: a message this member already forwarded is not sent again, and is still delivered", async () => {
    const s = store(MIME);
    const looped = forwardedCopy(MIME, "ann@example.com", await forwardKey(s.markers));
    s.read = async () => looped;
    const r = await deliverCopies(
      { messageId: "m1", envelopeFrom: "x@p.example.org", addresses: ["ann@example.com"] },
      { store: s, forwarder: new SesForwarder(new SESv2Client({})), forwards: { "ann@example.com": { to: ["ann@home.example.net"], keepCopy: true } } },
    );
    expect(r).toEqual([{ address: "ann@example.com", store: "new", forward: "not sent: forwarding loop: the message was already forwarded by ann@example.com" }]);
    expect(ses.commandCalls(SendEmailCommand)).toEqual([]);
  });

  it("stops after 3 forwarding hops between different members", async () => {
    const s = store(MIME);
    let raw: Buffer = MIME;
    for (const m of ["a@example.org", "b@example.org", "c@example.org"]) raw = forwardedCopy(raw, m, await forwardKey(s.markers));
    s.read = async () => raw;
    const r = await deliverCopies(
      { messageId: "m1", envelopeFrom: "x@p.example.org", addresses: ["ann@example.com"] },
      { store: s, forwarder: new SesForwarder(new SESv2Client({})), forwards: { "ann@example.com": { to: ["z@home.example.net"], keepCopy: true } } },
    );
    expect(r[0]!.forward).toBe("not sent: forwarding loop: the message was forwarded 3 times (at most 3)");
  });

  it("records SES's permanent rejection and retries a throttle", async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error("Email address is not verified."), { name: "MessageRejected" }));
    const targets = { store: store(MIME), forwarder: new SesForwarder(new SESv2Client({})), forwards: { "ann@example.com": { to: ["ann@home.example.net"], keepCopy: true } } };
    const job = { messageId: "m1", envelopeFrom: "x@p.example.org", addresses: ["ann@example.com"] };
    expect((await deliverCopies(job, targets, { retryDelaysMs: [1] }))[0]!.forward).toBe("failed permanently: MessageRejected: Email address is not verified.");
    // Recorded: a retried invocation does not try it again.
    expect((await deliverCopies(job, targets, { retryDelaysMs: [1] }))[0]!).toMatchObject({ forward: expect.stringMatching(/^failed permanently/), earlier: ["forward"] });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    ses.reset();
    ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" })).resolves({ MessageId: "y" });
    expect((await deliverCopies({ ...job, messageId: "m2" }, targets, { retryDelaysMs: [1] }))[0]!.forward).toBe("sent");
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });
});
