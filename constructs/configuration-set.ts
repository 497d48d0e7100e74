import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity";
import type { KmsKey } from "@cdktn/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktn/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktn/provider-aws/lib/sns-topic-policy";
import { Sesv2AccountSuppressionAttributes } from "@cdktn/provider-aws/lib/sesv2-account-suppression-attributes";
import { Sesv2ConfigurationSet } from "@cdktn/provider-aws/lib/sesv2-configuration-set";
import { Sesv2ConfigurationSetEventDestination } from "@cdktn/provider-aws/lib/sesv2-configuration-set-event-destination";
import { Construct } from "constructs";
import { protect } from "./protect.ts";
import { sesKey } from "./ses-key.ts";

export interface MailConfigurationSetProps {
  /** Configuration set name (the organisation's slug); every identity uses it as its default. */
  readonly name: string;
  /** Event types published to the SNS topic. Default BOUNCE, COMPLAINT, REJECT. */
  readonly eventTypes?: readonly string[];
}

/**
 * The organisation's SES configuration set: TLS required, reputation metrics on, bounces and complaints
 * suppressed (also account-wide), and bounce/complaint/reject events published to an SNS topic encrypted
 * with its own KMS key, to which only SES of this account, for this configuration set, may publish.
 */
export class MailConfigurationSet extends Construct {
  readonly configurationSet: Sesv2ConfigurationSet;
  readonly topic: SnsTopic;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: MailConfigurationSetProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account");
    this.configurationSet = protect(
      new Sesv2ConfigurationSet(this, "set", {
        configurationSetName: props.name,
        deliveryOptions: { tlsPolicy: "REQUIRE" },
        reputationOptions: { reputationMetricsEnabled: true },
        suppressionOptions: { suppressedReasons: ["BOUNCE", "COMPLAINT"] },
      }),
    );
    new Sesv2AccountSuppressionAttributes(this, "account-suppression", { suppressedReasons: ["BOUNCE", "COMPLAINT"] });
    // A customer managed key: SES can use it (its policy says so), unlike the AWS managed alias/aws/sns.
    this.key = sesKey(this, "events-key", {
      description: `mailorg SES events (${props.name})`,
      accountId: account.accountId,
      sesSid: "SesOfThisAccountPublishesEncrypted",
      sesActions: ["kms:GenerateDataKey*", "kms:Decrypt"],
    });
    this.topic = new SnsTopic(this, "events", { name: `${props.name}-ses-events`, kmsMasterKeyId: this.key.arn });
    const setArn = `arn:aws:ses:*:${account.accountId}:configuration-set/${props.name}`;
    new SnsTopicPolicy(this, "events-policy", {
      arn: this.topic.arn,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AllowSesOfThisAccountToPublish",
            Effect: "Allow",
            Principal: { Service: "ses.amazonaws.com" },
            Action: "SNS:Publish",
            Resource: this.topic.arn,
            Condition: { StringEquals: { "AWS:SourceAccount": account.accountId }, ArnLike: { "AWS:SourceArn": setArn } },
          },
          {
            // Identity policies of this account cannot open it either: a publish not made by SES for this account is denied.
            Sid: "DenyPublishByAnyoneElse",
            Effect: "Deny",
            Principal: "*",
            Action: "SNS:Publish",
            Resource: this.topic.arn,
            Condition: { StringNotEquals: { "AWS:SourceAccount": account.accountId } },
          },
          { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "SNS:Publish", Resource: this.topic.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ],
      }),
    });
    new Sesv2ConfigurationSetEventDestination(this, "events-destination", {
      configurationSetName: this.configurationSet.configurationSetName,
      eventDestinationName: "bounces-complaints-rejects",
      eventDestination: {
        enabled: true,
        matchingEventTypes: [...(props.eventTypes ?? ["BOUNCE", "COMPLAINT", "REJECT"])],
        snsDestination: { topicArn: this.topic.arn },
      },
    });
  }
}
