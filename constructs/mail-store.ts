import { KmsAlias } from "@cdktn/provider-aws/lib/kms-alias";
import type { KmsKey } from "@cdktn/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktn/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktn/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktn/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktn/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Construct } from "constructs";
import { STORE_PREFIX } from "../plan/naming.ts";
import { denyInsecureTransport, lockDownBucket } from "./private-bucket.ts";
import { protect } from "./protect.ts";
import { sesKey } from "./ses-key.ts";

export interface MailStoreProps {
  /** Bucket name (the plan's inbound.bucketName, with this stack's account id). */
  readonly bucketName: string;
  /** Prefix for the key alias and names (the organisation's slug). */
  readonly namePrefix: string;
  /** Days after which mail objects expire under the mail prefixes. Default 365. */
  readonly retentionDays?: number;
  /** ARN pattern of the receipt rules allowed to store mail (aws:SourceArn). */
  readonly receiptRuleArnPattern: string;
  /** The account id (expression) SES must act for (aws:SourceAccount). */
  readonly accountId: string;
}

/**
 * The organisation's mail store: one S3 bucket with public access blocked, owner-enforced objects,
 * SSE-KMS under its own rotating key, versioning, expiry after the retention period under the mail
 * prefixes, and a policy letting only SES of this account, for this rule set, write incoming mail. The
 * bucket and key are protected from destruction.
 */
export class MailStore extends Construct {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: MailStoreProps) {
    super(scope, id);
    const retention = props.retentionDays ?? 365;
    this.key = protect(
      sesKey(this, "key", {
        description: `mailorg mail store (${props.namePrefix})`,
        accountId: props.accountId,
        // S3 asks KMS for a data key on SES's behalf when SES writes to this SSE-KMS bucket
        // (GenerateDataKey); a multipart upload also needs Decrypt. Only for this account's rule set
        // (docs/inbound.md, "The mail store key").
        sesSid: "SesOfThisRuleSetEncryptsIncomingMail",
        sesActions: ["kms:GenerateDataKey", "kms:Decrypt"],
        sourceArn: props.receiptRuleArnPattern,
      }),
    );
    new KmsAlias(this, "key-alias", { name: `alias/${props.namePrefix}-mail-store`, targetKeyId: this.key.keyId });
    this.bucket = protect(new S3Bucket(this, "bucket", { bucket: props.bucketName }));
    lockDownBucket(this, this.bucket);
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      // Delivery markers (and the forwarding key, recreated when it expires) go with the mail they describe.
      rule: [STORE_PREFIX.incoming, STORE_PREFIX.mailboxes, STORE_PREFIX.quarantine, STORE_PREFIX.delivery].map((prefix) => ({
        id: `expire-${prefix.replace(/\/$/, "")}`,
        status: "Enabled",
        filter: [{ prefix }],
        expiration: [{ days: retention }],
        noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      })),
    });
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "SesOfThisAccountStoresIncomingMail",
            Effect: "Allow",
            Principal: { Service: "ses.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${this.bucket.arn}/${STORE_PREFIX.incoming}*`,
            Condition: {
              StringEquals: { "aws:SourceAccount": props.accountId },
              ArnLike: { "aws:SourceArn": props.receiptRuleArnPattern },
            },
          },
          denyInsecureTransport(this.bucket.arn),
        ],
      }),
    });
  }
}

