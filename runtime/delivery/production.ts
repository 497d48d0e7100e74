/** The delivery targets the router Lambda uses, from its routing table: S3 always, the relay and SES forwards when declared. */
import type { S3Client } from "@aws-sdk/client-s3";
import type { RoutingTable } from "../../plan/contract.ts";
import type { DeliveryTargets } from "./deliver.ts";
import { S3MailStore } from "./s3-store.ts";

/** Reads {"username", "password"} from a Secrets Manager secret. */
export async function relayCredentials(secretId: string): Promise<{ user: string; pass: string }> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
  const r = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId }));
  const v = JSON.parse(r.SecretString ?? "{}") as { username?: unknown; password?: unknown };
  if (typeof v.username !== "string" || typeof v.password !== "string") throw new Error(`secret ${secretId} must hold {"username": "...", "password": "..."}`);
  return { user: v.username, pass: v.password };
}

export async function productionTargets(s3: S3Client, bucket: string, table: RoutingTable): Promise<DeliveryTargets> {
  const forwards = table.forwards ?? {};
  let host: DeliveryTargets["host"];
  if (table.relay) {
    const { SmtpRelay } = await import("./relay.ts");
    const auth = table.relay.authSecret ? await relayCredentials(table.relay.authSecret) : undefined;
    host = new SmtpRelay({ host: table.relay.host, port: table.relay.port, auth });
  }
  let forwarder: DeliveryTargets["forwarder"];
  if (Object.keys(forwards).length > 0) {
    const { SesForwarder } = await import("./forward.ts");
    const { SESv2Client } = await import("@aws-sdk/client-sesv2");
    forwarder = new SesForwarder(new SESv2Client({}), process.env.CONFIGURATION_SET || undefined);
  }
  let bouncer: DeliveryTargets["bouncer"];
  if (table.unknownRecipients === "router") {
    const { SesBouncer } = await import("./forward.ts");
    const { SESClient } = await import("@aws-sdk/client-ses");
    bouncer = new SesBouncer(new SESClient({}));
  }
  let also: DeliveryTargets["also"];
  if (table.also) {
    const { SmtpRelay } = await import("./relay.ts");
    const auth = table.also.authSecret ? await relayCredentials(table.also.authSecret) : undefined;
    also = { host: new SmtpRelay({ host: table.also.host, port: table.also.port, auth }), members: new Set(table.also.members) };
  }
  return { store: new S3MailStore(s3, bucket), host, forwarder, forwards, bouncer, ...(also ? { also } : {}) };
}
