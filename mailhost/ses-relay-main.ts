/**
 * Entry point of the SES relay bundle (mailorg/ses-relay.mjs on the host), run by Postfix's pipe(8):
 * `node ses-relay.mjs relay.json --login=L --client=C --sender=S -- RCPT...` with the message on stdin.
 */
import { readFileSync } from "node:fs";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { createTransport } from "nodemailer";
import { EX_TEMPFAIL, parseRelayArgs, relayMessage, SendError, type RelayConfig, type RelayEnvelope } from "./ses-relay.ts";

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseRelayArgs>;
  try {
    parsed = parseRelayArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`mailorg-ses-relay: ${(err as Error).message}\n`);
    return EX_TEMPFAIL;
  }
  const config = JSON.parse(readFileSync(parsed.config, "utf8")) as RelayConfig;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const target = config.target;
  const send =
    target.kind === "ses"
      ? async (message: Buffer, env: RelayEnvelope): Promise<void> => {
          // The instance role's credentials from IMDSv2, through the SDK's default chain: no key on the host.
          const ses = new SESv2Client({ region: target.region, maxAttempts: 2, ...(target.endpoint ? { endpoint: target.endpoint } : {}) });
          await ses.send(new SendEmailCommand({ Content: { Raw: { Data: message } }, Destination: { ToAddresses: [...env.recipients] }, ConfigurationSetName: target.configurationSet }));
        }
      : async (message: Buffer, env: RelayEnvelope): Promise<void> => {
          const smtp = createTransport({ host: target.host, port: target.port, secure: false, ignoreTLS: true });
          try {
            await smtp.sendMail({ envelope: { from: env.sender, to: [...env.recipients] }, raw: message });
          } catch (err) {
            const code = (err as { responseCode?: number }).responseCode;
            throw new SendError((err as Error).message, code === undefined || code < 500);
          } finally {
            smtp.close();
          }
        };
  const r = await relayMessage(config, parsed.env, raw, send);
  (r.code === 0 ? process.stdout : process.stderr).write(`${r.message}\n`);
  return r.code;
}

process.exitCode = await main();
