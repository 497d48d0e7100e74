/**
 * The store target in the mail store bucket: incoming/<messageId> as SES wrote it, copied server-side to
 * mailboxes/<address>/<messageId>, quarantine/<address>/<messageId> (DMARC quarantine: the member's Junk) or
 * quarantine/<messageId>. Copies are conditional (If-None-Match: *), so a retried invocation never writes a
 * second version of a copy that exists: S3 answers 412 and the copy counts as "existing". Delivery markers
 * live under delivery/, written with If-None-Match: * (create) and If-Match: <etag> (take over a claim).
 */
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { STORE_PREFIX } from "../../plan/contract.ts";
import type { MailStore, MarkerStore, StoreResult } from "./deliver.ts";

const status = (err: unknown): number | undefined => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isNotFound = (err: unknown): boolean => status(err) === 404 || ["NotFound", "NoSuchKey"].includes((err as { name?: string }).name ?? "");
const isPreconditionFailed = (err: unknown): boolean => status(err) === 412 || (err as { name?: string }).name === "PreconditionFailed";

/** CopySource is "bucket/key", URL-encoded ('+' too, which S3 would read as a space). */
export const copySource = (bucket: string, key: string): string => encodeURI(`${bucket}/${key}`).replace(/\+/g, "%2B");

export const mailboxKey = (address: string, messageId: string, folder: "inbox" | "junk" = "inbox"): string =>
  `${folder === "junk" ? STORE_PREFIX.quarantine : STORE_PREFIX.mailboxes}${address}/${messageId}`;

/** Delivery markers as small objects under delivery/, with S3's conditional writes. */
export class S3Markers implements MarkerStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async get(key: string): Promise<{ body: string; etag: string } | undefined> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: STORE_PREFIX.delivery + key }));
      return { body: await r.Body!.transformToString(), etag: r.ETag ?? "" };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async put(key: string, body: string, condition: { IfNoneMatch: "*" } | { IfMatch: string }): Promise<string | null> {
    try {
      const r = await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: STORE_PREFIX.delivery + key, Body: body, ContentType: "text/plain", ...condition }));
      return r.ETag ?? "";
    } catch (err) {
      // 412: the object exists (or changed); 409: a concurrent conditional write won the race.
      if (isPreconditionFailed(err) || status(err) === 409) return null;
      throw err;
    }
  }

  create(key: string, body: string): Promise<string | null> {
    return this.put(key, body, { IfNoneMatch: "*" });
  }

  replace(key: string, body: string, etag: string): Promise<string | null> {
    return this.put(key, body, { IfMatch: etag });
  }
}

export class S3MailStore implements MailStore {
  readonly markers: S3Markers;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {
    this.markers = new S3Markers(s3, bucket);
  }

  private source(messageId: string): string {
    return copySource(this.bucket, `${STORE_PREFIX.incoming}${messageId}`);
  }

  private async copy(key: string, messageId: string): Promise<StoreResult> {
    try {
      await this.s3.send(new CopyObjectCommand({ Bucket: this.bucket, Key: key, CopySource: this.source(messageId), IfNoneMatch: "*" }));
      return "new";
    } catch (err) {
      if (isPreconditionFailed(err)) return "existing";
      throw err;
    }
  }

  async read(messageId: string): Promise<Buffer> {
    const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${STORE_PREFIX.incoming}${messageId}` }));
    return Buffer.from(await r.Body!.transformToByteArray());
  }

  put(address: string, messageId: string, folder: "inbox" | "junk" = "inbox"): Promise<StoreResult> {
    return this.copy(mailboxKey(address, messageId, folder), messageId);
  }

  quarantine(messageId: string): Promise<StoreResult> {
    return this.copy(`${STORE_PREFIX.quarantine}${messageId}`, messageId);
  }
}
