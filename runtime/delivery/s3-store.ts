/**
 * The store target in the mail store bucket: incoming/<messageId> as SES wrote it, copied server-side to
 * mailboxes/<address>/<messageId> or quarantine/<messageId>. Copies are conditional (If-None-Match: *), so
 * a retried invocation never writes a second version of a copy that exists: S3 answers 412 and the copy
 * counts as "existing".
 */
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { STORE_PREFIX } from "../../plan/contract.ts";
import type { MailStore, StoreResult } from "./deliver.ts";

const status = (err: unknown): number | undefined => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isNotFound = (err: unknown): boolean => status(err) === 404 || ["NotFound", "NoSuchKey"].includes((err as { name?: string }).name ?? "");
const isPreconditionFailed = (err: unknown): boolean => status(err) === 412 || (err as { name?: string }).name === "PreconditionFailed";

/** CopySource is "bucket/key", URL-encoded ('+' too, which S3 would read as a space). */
export const copySource = (bucket: string, key: string): string => encodeURI(`${bucket}/${key}`).replace(/\+/g, "%2B");

export const mailboxKey = (address: string, messageId: string): string => `${STORE_PREFIX.mailboxes}${address}/${messageId}`;

export class S3MailStore implements MailStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

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

  async has(address: string, messageId: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: mailboxKey(address, messageId) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  put(address: string, messageId: string): Promise<StoreResult> {
    return this.copy(mailboxKey(address, messageId), messageId);
  }

  quarantine(messageId: string): Promise<StoreResult> {
    return this.copy(`${STORE_PREFIX.quarantine}${messageId}`, messageId);
  }
}
