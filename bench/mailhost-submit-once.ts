/**
 * `npm run bench -- --mailhost` (second part): members' submissions through the host's enforcement at N members
 * (default 5,000, bench/generate.ts's org with a mailbox host). Prints one JSON line:
 * - the one sending decision in process (plan/send-decision.ts): p50/p95 per request over generated requests;
 * - the policy service bundle as Postfix runs it (stdin/stdout, the sender question then one recipient): its start
 *   (to the first answer) and p50/p95 per message, with the decision's input whole and split by address (the host's);
 * - submissions per second through real Postfix on the sandbox: AUTH as members (Dovecot SASL, bcrypt cost 10),
 *   the policy service deciding MAIL FROM and RCPT TO, the SES relay handing each accepted message to a local
 *   SMTP sink that stands in for SES; accepted/s and relayed/s (until the sink holds them all). Needs root.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { createTransport } from "nodemailer";
import { SMTPServer } from "smtp-server";
import { policyBundle } from "../mailhost/bundles.ts";
import { shardDecision } from "../plan/decision-shards.ts";
import { validateOrg } from "../model/validate.ts";
import { planOrg } from "../plan/plan.ts";
import { decideSend } from "../plan/send-decision.ts";
import { startMailhostSandbox } from "../simulate/mailhost-sandbox.ts";
import { freePort } from "../test/mail-helpers.ts";
import { generateOrg } from "./generate.ts";

const n = Number(process.argv[2] ?? 5000);
const messages = Number(process.argv[3] ?? 500);
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

const base = mkdtempSync(join(tmpdir(), "mailorg-bench-submit-"));
chmodSync(base, 0o755);
generateOrg(n, join(base, "org"));
const orgFile = join(base, "org", "organisation.yaml");
writeFileSync(orgFile, readFileSync(orgFile, "utf8").replace("  default_department: hq\n", "  default_department: hq\n  mailbox_host: { hostname: mail.example.com, volume_gb: 16000, default_quota_mb: 256 }\n"));
const { org, index } = validateOrg(join(base, "org"), { today: "2026-06-01" });
const plan = planOrg(org, index!, { today: "2026-06-01" }).mailhost!;
const active = plan.mailboxes.filter((m) => m.login && m.kind === "member").map((m) => m.address);
const everyone = Object.keys(plan.decision.statuses);
const rand = ((s: number) => () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31))(7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

// 1. The decision in process: own address, a colleague's, outside and inside recipients, office and other IPs.
const requests = Array.from({ length: 20_000 }, () => {
  const as = pick(active);
  return { as, from: rand() < 0.8 ? as : pick(everyone), to: [rand() < 0.5 ? pick(everyone) : "partner@outside.example"], ip: rand() < 0.5 ? "192.0.2.10" : "203.0.113.9", at: { today: "2026-06-01" } };
});
const decisionUs: number[] = [];
for (const r of requests) {
  const s = performance.now();
  decideSend(plan.decision, r);
  decisionUs.push((performance.now() - s) * 1000);
}

// 2. The policy service bundle, as spawn(8) runs it: one process, the sender then the recipient question per message;
// with the decision's input whole in policy.json (as before the split), and split by address as the host has it.
const pdir = mkdtempSync(join(tmpdir(), "mailorg-bench-policy-"));
writeFileSync(join(pdir, "policy.mjs"), policyBundle());
mkdirSync(join(pdir, "decision"));
for (const [name, text] of Object.entries(shardDecision(plan.decision))) writeFileSync(join(pdir, "decision", name), text);
async function policyService(decision: unknown): Promise<{ firstAnswerMs: number; us: number[] }> {
  writeFileSync(join(pdir, "policy.json"), JSON.stringify({ relayUser: "mailorg-router", filter: "mailorg-ses:", decision, today: "2026-06-01" }));
  const loadStart = performance.now();
  const child = spawn(process.execPath, [join(pdir, "policy.mjs"), join(pdir, "policy.json")], { stdio: ["pipe", "pipe", "inherit"] });
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (attrs: Record<string, string>): Promise<string> => {
    child.stdin.write(Object.entries(attrs).map(([k, v]) => `${k}=${v}\n`).join("") + "\n");
    for (;;) {
      const line = (await answers.next()).value as string;
      if (line.startsWith("action=")) return line;
    }
  };
  await ask({ request: "smtpd_access_policy", policy_context: "sender", sasl_username: active[0]!, sender: active[0]!, client_address: "192.0.2.10" });
  const firstAnswerMs = performance.now() - loadStart;
  const us: number[] = [];
  for (const r of requests.slice(0, 5000)) {
    const s = performance.now();
    const base = { request: "smtpd_access_policy", sasl_username: r.as, sender: r.from, client_address: r.ip };
    await ask({ ...base, policy_context: "sender" });
    await ask({ ...base, policy_context: "recipient", recipient: r.to[0]! });
    us.push((performance.now() - s) * 1000);
  }
  child.stdin.end();
  return { firstAnswerMs, us };
}
const whole = await policyService(plan.decision);
const split = await policyService({ shards: join(pdir, "decision") });

// 3. Real Postfix: members submit on 587 (8 pooled connections per member group), the relay hands to a sink.
let sunk = 0;
const sink = new SMTPServer({ authOptional: true, disabledCommands: ["AUTH", "STARTTLS"], logger: false, onData(stream, _s, cb) { stream.resume(); stream.on("end", () => { sunk++; cb(); }); } });
const sinkPort = await freePort();
await new Promise<void>((ok) => sink.listen(sinkPort, "127.0.0.1", ok));
const ports = { relay: await freePort(), submissions: await freePort(), imaps: await freePort(), account: await freePort() };
const host = await startMailhostSandbox({
  plan, dir: join(base, "mail", "_mailhost"), relay: { host: "127.0.0.1", port: ports.relay }, submissions: { host: "127.0.0.1", port: ports.submissions }, imaps: { host: "127.0.0.1", port: ports.imaps },
  passwordOf: () => "bench submit pw 1",
  target: { ses: { host: "127.0.0.1", port: sinkPort }, today: "2026-06-01", account: { host: "127.0.0.1", port: ports.account }, clientIp: "192.0.2.10" },
});
try {
  const senders = Array.from({ length: 8 }, (_, k) => active[(k * 613) % active.length]!);
  const t0 = performance.now();
  let next = 0;
  let refused = 0;
  await Promise.all(senders.map(async (user) => {
    const t = createTransport({ host: "127.0.0.1", port: ports.relay, secure: false, requireTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity, tls: { ca: host.ca, servername: plan.hostname }, auth: { user, pass: "bench submit pw 1" } });
    while (next < messages) {
      next++;
      await t.sendMail({ from: user, to: ["partner@outside.example"], subject: "bench", text: "hello world\n".repeat(200) }).catch((e: Error) => { if (refused++ === 0) process.stderr.write(`first refusal: ${e.message}\n`); });
    }
    t.close();
  }));
  const accepted = performance.now() - t0;
  for (let k = 0; k < 2400 && sunk < messages - refused; k++) await new Promise((r) => setTimeout(r, 50));
  const relayed = performance.now() - t0;
  console.log(JSON.stringify({
    members: n,
    decisionP50Us: quantile(decisionUs, 0.5), decisionP95Us: quantile(decisionUs, 0.95),
    policyLoadMs: whole.firstAnswerMs, policyP50Us: quantile(whole.us, 0.5), policyP95Us: quantile(whole.us, 0.95),
    policySplitLoadMs: split.firstAnswerMs, policySplitP50Us: quantile(split.us, 0.5), policySplitP95Us: quantile(split.us, 0.95),
    messages, refused, acceptedPerSec: (messages - refused) / (accepted / 1000), relayedPerSec: sunk / (relayed / 1000), relayed: sunk,
  }));
} finally {
  await host.stop();
  sink.close();
}
