/**
 * The host's SES relay (Postfix's mailorg-ses pipe transport): it refuses a From the member may not use before
 * sending, hands the raw message to SESv2 SendEmail with the configuration set, and tells Postfix what to do with
 * SES's answer: 0 sent, 75 (EX_TEMPFAIL: stays queued, retried), 69 (EX_UNAVAILABLE: bounced to the member).
 * The bundle runs as on the host, against a local HTTP server that answers as SES's API does.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayBundle } from "../mailhost/bundles.ts";
import { classifySesError, EX_TEMPFAIL, EX_UNAVAILABLE, relayMessage, type RelayConfig } from "../mailhost/ses-relay.ts";
import { validateOrg } from "../model/validate.ts";
import type { SendDecisionInput } from "../plan/send-decision.ts";
import { planOrg } from "../plan/plan.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";

let decision: SendDecisionInput;
beforeAll(() => {
  const r = validateOrg(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
  decision = planOrg(r.org, r.index!, { today: "2026-06-01" }).mailhost!.decision;
});

const env = { login: "li.na@example.com", client: "192.0.2.1", sender: "li.na@example.com", recipients: ["pat@partner.example"] };
const message = (from: string, extra = "") => Buffer.from(`From: ${from}\r\n${extra}To: pat@partner.example\r\nSubject: hi\r\n\r\nhello\r\n`);
const sdkError = (name: string, status?: number) => Object.assign(new Error(`${name} happened`), { name, ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}) });

describe("the relay's decisions", () => {
  const config = (): RelayConfig => ({ decision, today: "2026-06-01", target: { kind: "ses", region: "eu-west-1", configurationSet: "host-co" } });

  it("sends a message whose From the member may use (own address, alias), with the envelope's recipients", async () => {
    const sent: string[][] = [];
    for (const from of ["Li Na <li.na@example.com>", "ln@example.com"]) {
      expect(await relayMessage(config(), env, message(from), async (_raw, e) => void sent.push([...e.recipients]))).toEqual({ code: 0, message: "sent for li.na@example.com to 1 recipient(s)" });
    }
    expect(sent).toEqual([["pat@partner.example"], ["pat@partner.example"]]);
  });

  it("refuses (bounces) a From or Sender the member may not use, and malformed author fields, without sending", async () => {
    const never = async (): Promise<void> => {
      throw new Error("must not send");
    };
    expect(await relayMessage(config(), env, message("wu.bo@example.com"), never)).toEqual({ code: EX_UNAVAILABLE, message: "5.7.1 From wu.bo@example.com: no statement allows li.na@example.com to send as wu.bo@example.com [send-as]" });
    expect(await relayMessage(config(), env, message("li.na@example.com", "Sender: wu.bo@example.com\r\n"), never)).toMatchObject({ code: EX_UNAVAILABLE, message: expect.stringMatching(/^5\.7\.1 Sender wu\.bo@example\.com: .*\[send-as\]$/) });
    expect(await relayMessage(config(), env, message("li.na@example.com, wu.bo@example.com"), never)).toMatchObject({ code: EX_UNAVAILABLE, message: expect.stringContaining("[one-author]") });
    expect(await relayMessage(config(), env, Buffer.from("To: x@y.z\r\n\r\nno from\r\n"), never)).toMatchObject({ code: EX_UNAVAILABLE, message: expect.stringContaining("[one-from-field]") });
    expect(await relayMessage(config(), { ...env, login: "dis@example.com" }, message("dis@example.com"), never)).toMatchObject({ code: EX_UNAVAILABLE, message: expect.stringContaining("is disabled") });
  });

  it("keeps the message queued on SES's temporary errors and bounces it on permanent ones", async () => {
    const failing = (err: Error) => async (): Promise<void> => {
      throw err;
    };
    for (const temp of [sdkError("TooManyRequestsException", 429), sdkError("LimitExceededException", 400), sdkError("InternalFailure", 500), sdkError("ServiceUnavailable", 503), sdkError("SendingPausedException", 400), sdkError("ECONNRESET")]) {
      expect((await relayMessage(config(), env, message("li.na@example.com"), failing(temp))).code, temp.name).toBe(EX_TEMPFAIL);
    }
    for (const perm of [sdkError("MessageRejected", 400), sdkError("MailFromDomainNotVerifiedException", 400), sdkError("BadRequestException", 400), sdkError("NotFoundException", 404)]) {
      const r = await relayMessage(config(), env, message("li.na@example.com"), failing(perm));
      expect(r.code, perm.name).toBe(EX_UNAVAILABLE);
      expect(r.message).toBe(`5.3.0 SES refused the message: ${perm.name}: ${perm.name} happened`);
    }
    expect(classifySesError({ name: "Whatever", $metadata: { httpStatusCode: 418 }, $retryable: { throttling: true } }).temporary).toBe(true);
  });
});

describe("the relay bundle against an SES API endpoint", () => {
  let server: Server;
  let url = "";
  let answer = { status: 200, type: "", body: '{"MessageId":"0100-abc"}' };
  const requests: { path: string; body: Record<string, any>; auth: string }[] = [];
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        requests.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString() || "{}"), auth: String(req.headers.authorization ?? "") });
        res.writeHead(answer.status, { "content-type": "application/json", ...(answer.type ? { "x-amzn-errortype": answer.type } : {}) });
        res.end(answer.body);
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  const run = (raw: Buffer): Promise<{ code: number; stderr: string }> => {
    const dir = mkdtempSync(join(tmpdir(), "mailorg-relay-"));
    writeFileSync(join(dir, "ses-relay.mjs"), relayBundle());
    writeFileSync(join(dir, "relay.json"), JSON.stringify({ decision, today: "2026-06-01", target: { kind: "ses", region: "eu-west-1", configurationSet: "host-co", endpoint: url } } satisfies RelayConfig));
    const child = spawn(process.execPath, [join(dir, "ses-relay.mjs"), join(dir, "relay.json"), "--login=li.na@example.com", "--client=192.0.2.1", "--sender=li.na@example.com", "--", "pat@partner.example", "wu.bo@example.com"], {
      env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "example-secret", AWS_EC2_METADATA_DISABLED: "true" },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(raw);
    return new Promise((ok) => child.on("exit", (code) => ok({ code: code ?? -1, stderr })));
  };

  it("calls SendEmail with the raw message, the recipients and the configuration set, signed; exit 0", async () => {
    answer = { status: 200, type: "", body: '{"MessageId":"0100-abc"}' };
    const raw = message("Li Na <li.na@example.com>");
    expect(await run(raw)).toEqual({ code: 0, stderr: "" });
    const req = requests.at(-1)!;
    expect(req.path).toBe("/v2/email/outbound-emails");
    expect(req.body).toEqual({ ConfigurationSetName: "host-co", Content: { Raw: { Data: raw.toString("base64") } }, Destination: { ToAddresses: ["pat@partner.example", "wu.bo@example.com"] } });
    expect(req.auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/ses\/aws4_request/);
  }, 30_000);

  it("exits 69 (bounce) when SES rejects the message, 75 (stay queued) when it throttles", async () => {
    answer = { status: 400, type: "MessageRejected", body: '{"message":"Email address is not verified."}' };
    expect(await run(message("li.na@example.com"))).toEqual({ code: EX_UNAVAILABLE, stderr: "5.3.0 SES refused the message: MessageRejected: Email address is not verified.\n" });
    answer = { status: 429, type: "TooManyRequestsException", body: '{"message":"Maximum sending rate exceeded."}' };
    const throttled = await run(message("li.na@example.com"));
    expect(throttled.code).toBe(EX_TEMPFAIL);
    expect(throttled.stderr).toMatch(/^4\.4\.2 SES did not take the message yet \(TooManyRequestsException: Maximum sending rate exceeded\.\); it stays queued\n$/);
  }, 30_000);
});
