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
  /** Extra trusted CA certificates (PEM), e.g. a company CA; the system store is always used too. Default none. */
  readonly ca?: string | Buffer;
  /** Name the certificate must be valid for. Default host. */
  readonly servername?: string;
  /** Connection and greeting timeout in ms. Default 10000. */
  readonly timeoutMs?: number;
}

/** Classifies a nodemailer error: a 5xx reply about the recipient or message is permanent; TLS, AUTH, 4xx and network failures are temporary. */
export function relayError(err: unknown): DeliveryError {
  const e = err as { responseCode?: number; code?: string; command?: string; message?: string };
  const message = e.message ?? String(err);
  // No STARTTLS, or a certificate that does not verify: not sent; kept for a retry once the server is fixed.
  if (e.code === "ETLS" || e.command === "STARTTLS" || /certificate|STARTTLS|self[- ]signed|TLS/i.test(message)) return new DeliveryError(message, false, "tls");
  // Refused credentials are the relay's configuration, not the recipient: retried, then dead-lettered.
  if (e.code === "EAUTH" || e.code === "ENOAUTH") return new DeliveryError(message, false, "auth");
  if (typeof e.responseCode === "number" && e.responseCode >= 500) return new DeliveryError(message, true, `smtp-${e.responseCode}`);
  if (typeof e.responseCode === "number" && e.responseCode >= 400) return new DeliveryError(message, false, `smtp-${e.responseCode}`);
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
