/**
 * The forward target: a member's own forward to outside addresses, sent through SES (SendEmail with raw
 * content) from the member's address, so DMARC alignment holds for the org's domain. The copy arrives
 * rewritten by the delivery module (message.ts forwardedCopy, with the router's mark).
 */
import { SendEmailCommand, type SESv2Client } from "@aws-sdk/client-sesv2";
import { DeliveryError, type Forwarder } from "./deliver.ts";

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
