/**
 * The router's typed errors. Each is logged as one JSON line ({"error": code, ...}) and rethrown, so the
 * invocation fails without a partial copy (all checks run before the first copy) and Lambda's retries,
 * then the dead-letter queue, take over: never lost, never retried forever.
 */
export type RouterErrorCode =
  /** The event is not an SES receipt event (or SQS delivery batch) of the documented shape. */
  | "malformed-event"
  /** The messageId is not a plain SES message id, so it cannot name an object key safely. */
  | "bad-message-id"
  /**
   * A recipient the routing table does not know (and no catch_all covers): the receipt rules and the
   * router's table disagree, e.g. during a deploy. Nothing is copied; after the retries the event waits
   * in the dead-letter queue for a redrive once the new table is live.
   */
  | "unknown-recipient"
  /** incoming/<messageId> does not exist (expired, or never stored). */
  | "missing-object"
  /** S3 refused to say (403): the role lacks s3:GetObject, s3:ListBucket or kms:Decrypt. */
  | "forbidden-object"
  /** Some copies failed temporarily after retries; the done ones are kept, the retry resumes. */
  | "delivery-incomplete";

export class RouterError extends Error {
  constructor(
    readonly code: RouterErrorCode,
    message: string,
    readonly messageId?: string,
  ) {
    super(message);
    this.name = "RouterError";
  }

  toJSON(): Record<string, string> {
    return { error: this.code, message: this.message, ...(this.messageId ? { messageId: this.messageId } : {}) };
  }
}

/**
 * SES message ids are lowercase letters and digits (40 in practice); anything else (slashes, dots, "..",
 * upper case, empty) could address another key, so it is refused.
 */
export const SES_MESSAGE_ID = /^[a-z0-9]{16,64}$/;
