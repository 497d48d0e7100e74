/**
 * The forward target: a member's own forward to outside addresses, sent through SES (SendEmail with raw
 * content) from the member's address, so DMARC alignment holds for the org's domain. The copy arrives
 * rewritten by the delivery module (message.ts forwardedCopy, with the router's mark).
 */
import { SendBounceCommand, type SESClient } from "@aws-sdk/client-ses";
import { SendEmailCommand, type SESv2Client } from "@aws-sdk/client-sesv2";
import { DeliveryError, type Bouncer, type Forwarder } from "./deliver.ts";

export class SesForwarder implements Forwarder {
  constructor(
    private readonly ses: SESv2Client,
    /** The org's configuration set (bounce and complaint events). Default none. */
    private readonly configurationSet?: string,
  ) {}

  async forward(member: string, to: readonly string[], copy: Buffer): Promise<void> {
    try {
      await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: member,
          Destination: { ToAddresses: [...to] },
          Content: { Raw: { Data: copy } },
          ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        }),
      );
    } catch (err) {
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const permanent = ["MessageRejected", "MailFromDomainNotVerifiedException", "AccountSuspendedException", "SendingPausedException", "BadRequestException", "NotFoundException"].includes(e.name ?? "");
      throw new DeliveryError(e.message ?? String(err), permanent, e.name ?? "ses");
    }
  }
}

/**
 * Bounces unknown recipients through SES's SendBounce (the v1 API; SES v2 has none): SES sends an RFC 3464
 * report to the original message's sender, from mailer-daemon@ the recipients' domain (a verified identity).
 */
export class SesBouncer implements Bouncer {
  constructor(private readonly ses: SESClient) {}

  async bounce(messageId: string, recipients: readonly string[]): Promise<void> {
    const domain = recipients[0]!.slice(recipients[0]!.lastIndexOf("@") + 1);
    try {
      await this.ses.send(
        new SendBounceCommand({
          OriginalMessageId: messageId,
          BounceSender: `mailer-daemon@${domain}`,
          Explanation: "The address does not exist in this organisation.",
          BouncedRecipientInfoList: recipients.map((r) => ({ Recipient: r, BounceType: "DoesNotExist" })),
        }),
      );
    } catch (err) {
      const e = err as { name?: string; message?: string };
      const permanent = ["MessageRejected", "InvalidParameterValue", "ValidationError"].includes(e.name ?? "");
      throw new DeliveryError(e.message ?? String(err), permanent, e.name ?? "ses");
    }
  }
}
