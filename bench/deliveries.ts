/**
 * Deliveries into the sandbox's mailbox host as the router makes them: its relay client (nodemailer, pooled,
 * 8 connections) into Postfix, 3 KB each, then waiting until Dovecot has saved them all (Postfix's log). Shared by
 * bench/mailhost-once.ts and bench/mailhost-scale-once.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { RunningMailhost } from "../simulate/mailhost-sandbox.ts";

/** Delivers `messages` copies, the i-th to recipientOf(i); ms until the relay had them all, and until all were saved. */
export async function deliverAll(host: RunningMailhost, messages: number, recipientOf: (i: number) => string, timeoutMs = 60_000): Promise<{ acceptedMs: number; deliveredMs: number }> {
  const raw = Buffer.from("From: a@partner.example\r\nTo: x@example.com\r\nSubject: bench\r\n\r\n" + "hello world\r\n".repeat(200));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < messages) {
      const i = next++;
      await host.relay.deliver(recipientOf(i), "a@partner.example", raw);
    }
  }));
  const acceptedMs = performance.now() - t0;
  const saved = (): number => (readFileSync(join(host.layout.logDir, "postfix.log"), "utf8").match(/status=sent/g) ?? []).length;
  for (let k = 0; k < timeoutMs / 50 && saved() < messages; k++) await new Promise((r) => setTimeout(r, 50));
  const deliveredMs = performance.now() - t0;
  if (saved() < messages) throw new Error(`only ${saved()} of ${messages} delivered within ${timeoutMs / 1000} s`);
  return { acceptedMs, deliveredMs };
}
