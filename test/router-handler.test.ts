/**
 * Runs the bundled router (the very file synthesis ships) on a documented-shape SES Lambda event, with the
 * S3 client mocked, and asserts the copies it makes.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CopyObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { bundleRouter } from "../constructs/router-function.ts";
import { validateOrg } from "../model/validate.ts";
import { buildRoutingTable } from "../plan/routing.ts";
import { ROOT, writeOrg } from "./helpers.ts";

const ORG = `organisation: { name: Route Co, region: eu-west-1, default_department: hq, catch_all: lost@example.com, max_message_size_mb: 1 }
domains: [{ name: example.com }]
departments: [{ id: hq, name: HQ }]
members:
  - { address: ann@example.com, name: Ann, aliases: [a@example.com] }
  - { address: boss@example.com, name: Boss, blocked_senders: [partner.example.org] }
mailboxes:
  - { address: lost@example.com, name: Lost }
  - { address: archive@example.com, name: Archive }
groups:
  - { address: sales@example.com, name: Sales, members: [ann@example.com] }
backups:
  - { name: partner, to: archive@example.com, match: { senders: [partner.example.org] } }
inbound: { allowed: [198.51.100.0/24] }
`;

const EVENT = JSON.parse(readFileSync(join(ROOT, "test/fixtures/ses-event.json"), "utf8"));
const MIME = readFileSync(join(ROOT, "test/fixtures/message.eml"));
const s3 = mockClient(S3Client);
let handler: (e: unknown) => Promise<{ disposition: string }>;

beforeAll(async () => {
  const { org, index } = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
  // Inside the repo, so the bundle resolves @aws-sdk/* from node_modules as the Lambda runtime provides it.
  const dir = join(ROOT, "node_modules/.cache/mailorg-router-test");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.mjs"), bundleRouter());
  writeFileSync(join(dir, "routing-table.json"), JSON.stringify(buildRoutingTable(org, index!)));
  process.env.MAIL_BUCKET = "store-bucket";
  ({ handler } = await import(pathToFileURL(join(dir, "index.mjs")).href + `?t=${Date.now()}`));
});

beforeEach(() => {
  s3.reset();
  s3.on(HeadObjectCommand).resolves({ ContentLength: MIME.length });
  s3.on(CopyObjectCommand).resolves({});
  vi.spyOn(console, "log").mockImplementation(() => undefined);
});

const copies = () => s3.commandCalls(CopyObjectCommand).map((c) => `${c.args[0].input.CopySource} -> ${c.args[0].input.Key}`);

describe("router handler (bundled)", () => {
  it("copies the stored message to each envelope recipient's mailbox and the backup, honouring personal blocks", async () => {
    expect(await handler(EVENT)).toEqual({ disposition: "CONTINUE" });
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input).toEqual({ Bucket: "store-bucket", Key: "incoming/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1" });
    // boss@ blocks partner.example.org; sales@ (To header only, not an envelope recipient) is not routed.
    expect(copies()).toEqual([
      "store-bucket/incoming/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1 -> mailboxes/ann@example.com/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
      "store-bucket/incoming/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1 -> mailboxes/archive@example.com/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
    ]);
  });

  it("is idempotent: the same event twice writes the same keys", async () => {
    await handler(EVENT);
    const first = copies();
    s3.resetHistory();
    await handler(EVENT);
    expect(copies()).toEqual(first);
  });

  it("delivers unknown recipients to the catch-all", async () => {
    const e = structuredClone(EVENT);
    e.Records[0].ses.receipt.recipients = ["nobody@example.com"];
    await handler(e);
    expect(copies()).toEqual([
      "store-bucket/incoming/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1 -> mailboxes/archive@example.com/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
      "store-bucket/incoming/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1 -> mailboxes/lost@example.com/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
    ]);
  });

  it("an allowed IP range skips the spam verdict only when SES's own Received header names the peer", async () => {
    const withPeer = (received: string[]) => {
      const e = structuredClone(EVENT);
      e.Records[0].ses.receipt.spamVerdict.status = "FAIL";
      e.Records[0].ses.mail.headers = [...received.map((value) => ({ name: "Received", value })), ...(e.Records[0].ses.mail.headers ?? [])];
      return e;
    };
    const ses = "from mail.partner.example.org (mail.partner.example.org [198.51.100.25]) by inbound-smtp.eu-west-1.amazonaws.com with SMTP id x for ann@example.com";
    await handler(withPeer([ses]));
    expect(copies().some((c) => c.includes("-> mailboxes/ann@example.com/"))).toBe(true);
    s3.resetHistory();
    // The same IP only in a header the sender wrote (below SES's own, which names another peer): quarantined.
    await handler(withPeer(["from evil.example (evil.example [203.0.113.9]) by inbound-smtp.eu-west-1.amazonaws.com with SMTP id y", "from x ([198.51.100.25]) by relay.evil.example"]));
    expect(copies()).toEqual(["store-bucket/incoming/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1 -> quarantine/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"]);
  });

  it("quarantines a virus and delivers nothing", async () => {
    const e = structuredClone(EVENT);
    e.Records[0].ses.receipt.virusVerdict.status = "FAIL";
    await handler(e);
    expect(copies()).toEqual(["store-bucket/incoming/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1 -> quarantine/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"]);
  });

  it("copies conditionally (If-None-Match: *), so a retry never writes a second version", async () => {
    await handler(EVENT);
    expect(s3.commandCalls(CopyObjectCommand).map((c) => c.args[0].input.IfNoneMatch)).toEqual(["*", "*"]);
  });

  it("fails a malformed event with a logged, typed error and no copy", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const e = structuredClone(EVENT);
    e.Records[0].ses.mail.messageId = "../mailboxes/boss@example.com/x";
    await expect(handler(e)).rejects.toMatchObject({ name: "RouterError", code: "bad-message-id" });
    expect(JSON.parse(String(errors.mock.calls[0]![0]))).toMatchObject({ error: "bad-message-id" });
    expect(s3.commandCalls(HeadObjectCommand)).toEqual([]);
    expect(copies()).toEqual([]);
  });

  it("drops a message over max_message_size_mb (it stays in incoming/)", async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 2 * 1048576 });
    await handler(EVENT);
    expect(copies()).toEqual([]);
  });
});
