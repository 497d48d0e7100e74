/**
 * Names shared by several stacks and by the runtime, computed in one place so that stacks refer to each
 * other's resources by name instead of by cross-stack references.
 */
import { slug, type Org } from "../org.ts";

/** The organisation's slug (at most 24 characters), used as a prefix for AWS resource names. */
export function orgSlug(org: Org): string {
  return slug(org.organisation.name).slice(0, 24).replace(/-+$/, "");
}

/**
 * The mail store bucket's name. S3 names are global, so it includes the account id and region;
 * `accountId` is usually a Terraform expression (data.aws_caller_identity...account_id).
 */
export function mailStoreBucketName(org: Org, accountId: string): string {
  return `${orgSlug(org)}-mail-${accountId}-${org.organisation.region}`;
}

/** Key prefixes in the mail store. */
export const STORE_PREFIX = {
  /** Raw messages as SES stored them. */
  incoming: "incoming/",
  /** One copy per delivered mailbox: mailboxes/<address>/<messageId>. */
  mailboxes: "mailboxes/",
  /** Spam and virus verdicts: quarantine/<messageId>. */
  quarantine: "quarantine/",
  /** Rendered signatures: signatures/<address>.html and .txt. */
  signatures: "signatures/",
} as const;
