/**
 * The relay target: each delivered copy goes to the company's mailbox server (Exchange, a Microsoft 365
 * inbound connector, Dovecot, Postfix) over SMTP, with STARTTLS required and the server's certificate
 * verified against its host name, optional AUTH, the envelope sender kept, and the message's bytes as
 * given (the caller adds Delivered-To). Uses nodemailer's SMTP client; no SMTP code of our own.
 */
import { createTransport, type Transporter } from "nodemailer";
import { DeliveryError, type MailboxHost } from "./deliver.ts";

export interface RelayOptions {
  readonly host: string;
  readonly port: number;
  readonly auth?: { readonly user: string; readonly pass: string };
  /**
   * The CA certificates (PEM) the server's certificate must chain to, e.g. a company CA. When given they are
   * the only ones trusted: Node's built-in root certificates are then not used. Default: Node's built-in root
   * certificates (Mozilla's list).
   */
  readonly ca?: string | Buffer;
  /** Name the certificate must be valid for. Default host. */
  readonly servername?: string;
  /** Connection and greeting timeout in ms. Default 10000. */
  readonly timeoutMs?: number;
}

/**
 * Classifies a nodemailer error by what the server answered first: the reply code and its enhanced status code
 * (RFC 3463; "550 5.1.1 <a@b>: User unknown" is permanent whatever its text says), except that a refusal of
 * STARTTLS or AUTH is the relay's configuration, retried until it is fixed (then dead-lettered). Only without a
 * reply code does the error's code or text decide: TLS (no STARTTLS, a certificate that does not verify) and
 * network failures are temporary.
 */
export function relayError(err: unknown): DeliveryError {
  const e = err as { responseCode?: number; code?: string; command?: string; message?: string; response?: string };
  const message = e.message ?? String(err);
  const command = (e.command ?? "").toUpperCase();
  const reply = typeof e.responseCode === "number" && e.responseCode >= 200 && e.responseCode < 600 ? e.responseCode : undefined;
  const enhanced = /\b([245])\.\d{1,3}\.\d{1,3}\b/.exec(e.response ?? message)?.[0];
  if (reply !== undefined) {
    if (command === "STARTTLS") return new DeliveryError(message, false, "tls");
    if (command.startsWith("AUTH") || e.code === "EAUTH") return new DeliveryError(message, false, "auth");
    // The enhanced code's class, when it is consistent with the reply code, confirms it; a reply code alone decides otherwise.
    const permanent = reply >= 500 && !(enhanced?.startsWith("4.") ?? false);
    return new DeliveryError(message, permanent, `smtp-${reply}`);
  }
  // No reply: STARTTLS missing, a certificate that does not verify, refused credentials, or the network.
  if (e.code === "ETLS" || /certificate|STARTTLS|self[- ]signed|\bTLS\b/i.test(message)) return new DeliveryError(message, false, "tls");
  if (e.code === "EAUTH" || e.code === "ENOAUTH") return new DeliveryError(message, false, "auth");
  return new DeliveryError(message, false, "connection");
}

export class SmtpRelay implements MailboxHost {
  private readonly transport: Transporter;

  constructor(readonly options: RelayOptions) {
    this.transport = createTransport({
      host: options.host,
      port: options.port,
      secure: false,
      requireTLS: true,
      ignoreTLS: false,
      auth: options.auth ? { user: options.auth.user, pass: options.auth.pass } : undefined,
      tls: { rejectUnauthorized: true, servername: options.servername ?? options.host, minVersion: "TLSv1.2", ...(options.ca ? { ca: options.ca } : {}) },
      connectionTimeout: options.timeoutMs ?? 10000,
      greetingTimeout: options.timeoutMs ?? 10000,
      pool: true,
      maxConnections: 8,
      name: "mailorg-router",
    });
  }

  /** The folder is carried by the copy's headers (X-Mailorg-Quarantine, X-Spam-Flag): SMTP cannot choose one. */
  async deliver(address: string, envelopeFrom: string, raw: Buffer): Promise<void> {
    try {
      // SIZE on MAIL FROM lets the server refuse a message it cannot hold (a full mailbox) before taking it.
      await this.transport.sendMail({ envelope: { from: envelopeFrom, to: [address], size: raw.length } as { from: string; to: string[] }, raw });
    } catch (err) {
      throw relayError(err);
    }
  }

  close(): void {
    this.transport.close();
  }
}
