/**
 * `mailorg migrate` against the EC2 host: for each member, the old account goes into a SecureString parameter
 * under plan.mailhost.migrateParameterPath (never into the command, whose parameters SSM keeps in its history),
 * then SSM Run Command runs /usr/local/sbin/mailorg-migrate on the host (targeted by its Name tag), which reads
 * and deletes the parameter and runs doveadm sync. The CLI waits for each command (bounded), deletes the
 * parameter again in case the host never read it, and reports per member.
 */
import { DeleteParameterCommand, ListCommandInvocationsCommand, PutParameterCommand, SendCommandCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { passwdParameterName, type MailhostPlan } from "../plan/mailhost.ts";

export interface RemoteEntry {
  readonly address: string;
  readonly oldUser: string;
  readonly oldPassword: string;
  /** The member's quota: the host measures the old account first and copies nothing past it. */
  readonly quotaMb?: number;
}

export interface RemoteResult {
  readonly address: string;
  readonly ok: boolean;
  readonly before: number;
  readonly after: number;
  readonly error?: string;
}

const TERMINAL = new Set(["Success", "Failed", "TimedOut", "Cancelled", "DeliveryTimedOut", "ExecutionTimedOut", "Undeliverable", "Terminated"]);

export interface RemoteOptions {
  /** Wait between status polls, ms. Default 2000. */
  readonly pollMs?: number;
  /** Polls before giving up on one member. Default 900 (30 minutes at 2 s). */
  readonly maxPolls?: number;
}

/** Migrates one member on the host; never throws for the member's own failure (it is in the result). */
export async function migrateOnHost(ssm: SSMClient, host: MailhostPlan, from: string, entry: RemoteEntry, opts: RemoteOptions & { readonly insecure?: boolean } = {}): Promise<RemoteResult> {
  const name = passwdParameterName(host.migrateParameterPath, entry.address);
  const fail = (error: string): RemoteResult => ({ address: entry.address, ok: false, before: 0, after: 0, error });
  await ssm.send(new PutParameterCommand({ Name: name, Type: "SecureString", Overwrite: true, Value: JSON.stringify({ from, old_user: entry.oldUser, old_password: entry.oldPassword, ...(opts.insecure ? { insecure: true } : {}), ...(entry.quotaMb !== undefined ? { quota_mb: entry.quotaMb } : {}) }) }));
  try {
    const sent = await ssm.send(
      new SendCommandCommand({
        DocumentName: "AWS-RunShellScript",
        Targets: [{ Key: "tag:Name", Values: [host.name] }],
        Comment: `mailorg migrate ${entry.address}`.slice(0, 100),
        TimeoutSeconds: 600,
        Parameters: { commands: [`/usr/local/sbin/mailorg-migrate --address ${shellQuote(entry.address)} --parameter ${shellQuote(name)}`], executionTimeout: ["3600"] },
      }),
    );
    const commandId = sent.Command?.CommandId;
    if (!commandId) return fail("SSM did not accept the command");
    for (let i = 0; i < (opts.maxPolls ?? 900); i++) {
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 2000));
      const inv = (await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }))).CommandInvocations?.[0];
      if (!inv?.Status || !TERMINAL.has(inv.Status)) continue;
      const output = inv.CommandPlugins?.[0]?.Output ?? "";
      const line = output.trim().split("\n").reverse().find((l) => l.startsWith("{"));
      if (line) {
        try {
          return JSON.parse(line) as RemoteResult;
        } catch {
          // fall through to the status
        }
      }
      return fail(`${inv.Status} on the host: ${output.trim().split("\n").pop() || "no output"}`);
    }
    return fail(`no answer from the host within ${Math.round(((opts.maxPolls ?? 900) * (opts.pollMs ?? 2000)) / 60000)} minutes (command ${commandId})`);
  } finally {
    try {
      await ssm.send(new DeleteParameterCommand({ Name: name }));
    } catch {
      // already taken (and deleted) by the host: the usual case
    }
  }
}

/** One word for the host's shell, whatever it holds (an address may hold an apostrophe: conor.o'brien@). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
