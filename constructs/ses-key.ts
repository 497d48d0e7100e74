import { KmsKey } from "@cdktn/provider-aws/lib/kms-key";
import type { Construct } from "constructs";

export interface SesKeyProps {
  readonly description: string;
  /** Account id (expression): administers the key through IAM, and the only account SES may act for. */
  readonly accountId: string;
  /** Statement id of the SES grant, saying what SES uses the key for. */
  readonly sesSid: string;
  /** KMS actions SES may perform. */
  readonly sesActions: readonly string[];
  /** ARN pattern SES must act for (aws:SourceArn, e.g. this org's receipt rules); default: any in the account. */
  readonly sourceArn?: string;
}

/** A rotating customer managed KMS key that SES of this account (and no other) may use, administered through IAM. */
export function sesKey(scope: Construct, id: string, props: SesKeyProps): KmsKey {
  return new KmsKey(scope, id, {
    description: props.description,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AccountAdministersTheKeyThroughIam", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${props.accountId}:root` }, Action: "kms:*", Resource: "*" },
        {
          Sid: props.sesSid,
          Effect: "Allow",
          Principal: { Service: "ses.amazonaws.com" },
          Action: [...props.sesActions],
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceAccount": props.accountId },
            ...(props.sourceArn ? { ArnLike: { "aws:SourceArn": props.sourceArn } } : {}),
          },
        },
      ],
    }),
  });
}
