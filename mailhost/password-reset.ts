/**
 * `mailorg password reset`: a one-time activation link for a member's account on the mailbox host. The token is
 * made here, shown once, and never stored: the host's account service receives only its sha256 (on its root-only
 * Unix socket: directly in the sandbox, through SSM Run Command on EC2), drops the old password at once and keeps
 * the hash for 7 days. The link is built only for the host's configured name.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { ListCommandInvocationsCommand, SendCommandCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { hostLayout, passwordStorePath } from "./layout.ts";

/** A fresh token (256 random bits, URL-safe) and the hash the host keeps. */
export function newActivationToken(): { token: string; sha256: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, sha256: createHash("sha256").update(token).digest("hex") };
}

/** The body the account service's admin socket takes: the address and the token's hash, nothing else. */
export const resetRequest = (address: string, sha256: string): string => JSON.stringify({ address, sha256 });

/** Resets an account in a running sandbox (`--sandbox MAILDIR`); returns the activation link. */
export async function resetInSandbox(maildir: string, address: string): Promise<string> {
  const file = join(maildir, "_mailhost", "mailorg", "account.json");
  if (!existsSync(file)) throw new Error(`${maildir} has no mailbox host (${file} is missing); start mailorg sandbox with an org that declares organisation.mailbox_host`);
  const config = JSON.parse(readFileSync(file, "utf8")) as { adminSocket: string; linkBase: string };
  const { token, sha256 } = newActivationToken();
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ socketPath: config.adminSocket, method: "POST", path: "/reset", headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => reject(new Error(err.code === "ENOENT" || err.code === "ECONNREFUSED" ? `the sandbox's account service is not running (${config.adminSocket}); start mailorg sandbox first` : err.message)));
    req.end(resetRequest(address, sha256));
  });
  if (answer.status !== 200) throw new Error(`the account service refused the reset: ${(JSON.parse(answer.text) as { error?: string }).error ?? answer.status}`);
  return config.linkBase + token;
}

/** The shell command the host runs: the hash to the account service's admin socket (no token, no password). */
export function hostResetCommand(host: MailhostPlan, address: string, sha256: string): string {
  const socket = passwordStorePath(hostLayout(host.hostname)).replace(/passwd$/, "admin.sock");
  return `curl -sS --fail-with-body --unix-socket ${socket} -H 'content-type: application/json' --data '${resetRequest(address, sha256)}' http://localhost/reset`;
}

const TERMINAL = new Set(["Success", "Failed", "TimedOut", "Cancelled", "DeliveryTimedOut", "ExecutionTimedOut", "Undeliverable", "Terminated"]);

/** Resets an account on the EC2 host through SSM Run Command; returns the activation link. */
export async function resetOnHost(ssm: SSMClient, host: MailhostPlan, address: string, opts: { pollMs?: number; maxPolls?: number } = {}): Promise<string> {
  const { token, sha256 } = newActivationToken();
  const sent = await ssm.send(
    new SendCommandCommand({
      DocumentName: "AWS-RunShellScript",
      Targets: [{ Key: "tag:Name", Values: [host.name] }],
      Comment: `mailorg password reset ${address}`.slice(0, 100),
      TimeoutSeconds: 120,
      Parameters: { commands: [hostResetCommand(host, address, sha256)] },
    }),
  );
  const id = sent.Command?.CommandId;
  if (!id) throw new Error("SSM did not accept the command");
  for (let i = 0; i < (opts.maxPolls ?? 60); i++) {
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 2000));
    const inv = (await ssm.send(new ListCommandInvocationsCommand({ CommandId: id, Details: true }))).CommandInvocations?.[0];
    if (!inv?.Status || !TERMINAL.has(inv.Status)) continue;
    if (inv.Status === "Success") return `https://${host.hostname}/account/activate?t=${token}`;
    throw new Error(`the host did not reset ${address}: ${inv.Status}: ${(inv.CommandPlugins?.[0]?.Output ?? "").trim().split("\n").pop() || "no output"}`);
  }
  throw new Error(`no answer from the host (command ${id})`);
}
