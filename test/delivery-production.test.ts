/** The Lambda's delivery targets from its routing table, and the relay's credentials from Secrets Manager (mocked). */
import { S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { fanOutTable } from "../bench/fan-out.ts";
import { productionTargets, relayCredentials } from "../runtime/delivery/production.ts";
import { SesForwarder } from "../runtime/delivery/forward.ts";
import { SmtpRelay } from "../runtime/delivery/relay.ts";
import { S3MailStore } from "../runtime/delivery/s3-store.ts";

const sm = mockClient(SecretsManagerClient);
beforeEach(() => sm.reset());

describe("production delivery targets", () => {
  it("is the S3 store only when the org declares no relay and no forward", async () => {
    const t = await productionTargets(new S3Client({}), "store", fanOutTable(2));
    expect(t.store).toBeInstanceOf(S3MailStore);
    expect(t.host).toBeUndefined();
    expect(t.forwarder).toBeUndefined();
    expect(sm.commandCalls(GetSecretValueCommand)).toEqual([]);
  });

  it("adds the relay with the secret's credentials, and SES forwards when members have them", async () => {
    sm.on(GetSecretValueCommand, { SecretId: "mailorg/relay" }).resolves({ SecretString: JSON.stringify({ username: "router", password: "pw" }) });
    const table = { ...fanOutTable(2), relay: { host: "mx.corp.example.com", port: 587, authSecret: "mailorg/relay" }, forwards: { "m00000@example.com": { to: ["x@home.example.net"], keepCopy: true } } };
    const t = await productionTargets(new S3Client({}), "store", table);
    expect(t.host).toBeInstanceOf(SmtpRelay);
    expect((t.host as SmtpRelay).options).toMatchObject({ host: "mx.corp.example.com", port: 587, auth: { user: "router", pass: "pw" } });
    (t.host as SmtpRelay).close();
    expect(t.forwarder).toBeInstanceOf(SesForwarder);
  });

  it("refuses a secret without username and password, naming it", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ user: "router" }) });
    await expect(relayCredentials("mailorg/relay")).rejects.toThrow('secret mailorg/relay must hold {"username": "...", "password": "..."}');
  });
});
