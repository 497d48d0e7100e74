import { S3Bucket } from "@cdktn/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktn/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktn/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketLifecycleConfiguration } from "@cdktn/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { Construct } from "constructs";
import { denyInsecureTransport, lockDownBucket } from "./private-bucket.ts";
import { protect } from "./protect.ts";

export interface StateBucketProps {
  /** Bucket name (organisation.state.bucket). */
  readonly bucket: string;
  /** KMS key ARN for the objects; default: SSE-S3 (AES-256). */
  readonly kmsKeyId?: string;
}

/**
 * The bucket that holds every stack's Terraform state: versioned (an overwritten or deleted state can be
 * restored), encrypted, public access blocked, owner-enforced, TLS only, old versions kept for 90 days,
 * and protected from destruction. Terraform's S3-native lock files live beside the state objects.
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.bucket = protect(new S3Bucket(this, "bucket", { bucket: props.bucket }));
    protect(lockDownBucket(this, this.bucket));
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        props.kmsKeyId
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyId }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [{ id: "keep-old-state-versions-90-days", status: "Enabled", filter: [{ prefix: "" }], noncurrentVersionExpiration: [{ noncurrentDays: 90 }] }],
    });
    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          denyInsecureTransport(this.bucket.arn),
        ],
      }),
    });
  }
}
