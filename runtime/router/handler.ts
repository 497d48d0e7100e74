/**
 * The router Lambda: invoked (Event) by each SES receipt rule after the S3 action stored the raw message
 * under incoming/<messageId>. It decides with the pure core and the routing table generated at synth
 * time (routing-table.json beside this file), then copies the message to mailboxes/<address>/<messageId>
 * for each delivery and backup, or to quarantine/<messageId>. Object keys are deterministic, so a message
 * seen by several rules (or retried) is never delivered twice. Routes on envelope recipients only.
 */
import { readFileSync } from "node:fs";
import { CopyObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { SESEvent, SESMail, SESReceipt } from "aws-lambda";
import type { RoutingTable } from "../../plan/contract.ts";
import { decide, type RouteDecision, type Verdict } from "./core.ts";

export const PREFIX = { incoming: "incoming/", mailboxes: "mailboxes/", quarantine: "quarantine/" } as const;

export interface RouterDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly table: RoutingTable;
}

/** The address inside a From header value ("Name <a@b>" or "a@b"). */
export function fromAddress(mail: SESMail): string {
  const raw = mail.commonHeaders?.from?.[0] ?? mail.source;
  const m = raw.match(/<([^>]+)>\s*$/);
  return (m ? m[1]! : raw).trim().toLowerCase();
}

const copySource = (bucket: string, key: string): string => encodeURI(`${bucket}/${key}`).replace(/\+/g, "%2B");

export async function route(event: SESEvent, deps: RouterDeps): Promise<(RouteDecision & { messageId: string })[]> {
  const results: (RouteDecision & { messageId: string })[] = [];
  for (const record of event.Records) {
    const { mail, receipt } = record.ses as { mail: SESMail; receipt: SESReceipt };
    const messageId = mail.messageId;
    const source = `${PREFIX.incoming}${messageId}`;
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: source }));
    const decision = decide(deps.table, {
      from: fromAddress(mail),
      recipients: receipt.recipients,
      spam: receipt.spamVerdict?.status as Verdict | undefined,
      virus: receipt.virusVerdict?.status as Verdict | undefined,
      dmarc: receipt.dmarcVerdict?.status as Verdict | undefined,
      sizeBytes: head.ContentLength,
    });
    const targets = decision.quarantined
      ? [`${PREFIX.quarantine}${messageId}`]
      : [...new Set([...decision.deliveries, ...decision.backups])].sort().map((a) => `${PREFIX.mailboxes}${a}/${messageId}`);
    for (const key of targets) {
      await deps.s3.send(new CopyObjectCommand({ Bucket: deps.bucket, Key: key, CopySource: copySource(deps.bucket, source) }));
    }
    // One JSON line per message: the audit trail of every routing decision (CloudWatch Logs).
    console.log(JSON.stringify({ messageId, ...decision, copies: targets }));
    results.push({ messageId, ...decision });
  }
  return results;
}

let deps: RouterDeps | undefined;

/** Lambda entry point. */
export async function handler(event: SESEvent): Promise<{ disposition: "CONTINUE" }> {
  deps ??= {
    s3: new S3Client({}),
    bucket: process.env.MAIL_BUCKET ?? "",
    table: JSON.parse(readFileSync(process.env.ROUTING_TABLE ?? new URL("./routing-table.json", import.meta.url), "utf8")) as RoutingTable,
  };
  await route(event, deps);
  return { disposition: "CONTINUE" };
}
