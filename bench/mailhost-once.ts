/**
 * `npm run bench -- --mailhost`: the sandbox's mailbox host (real Postfix and Dovecot from mailhost-config's
 * files) with N mailboxes. Prints one JSON line: deliveries per second through the router's relay client into
 * Postfix -> LMTP -> Dovecot, IMAPS login + INBOX select latency (bcrypt cost 10, no auth cache, as on the host),
 * migration throughput (doveadm sync over imapc from a second local Dovecot), and with a fifth argument S, S
 * IMAPS sessions held open at once (each logged in with INBOX selected, spread over the mailboxes, at most 10 per
 * mailbox as Dovecot allows per user and address): how many held, and the memory (PSS) of all of the instance's
 * Dovecot processes per session. Needs root (Postfix).
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ImapFlow } from "imapflow";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { clientSettings } from "../plan/mailhost.ts";
import { dovecotUsers, startDovecot } from "../simulate/dovecot.ts";
import { startMailhostSandbox } from "../simulate/mailhost-sandbox.ts";
import { migrateMailbox } from "../simulate/migrate.ts";
import { freePort } from "../test/mail-helpers.ts";
import { deliverAll } from "./deliveries.ts";

const n = Number(process.argv[2] ?? 1000);
const messages = Number(process.argv[3] ?? 1000);
const logins = Number(process.argv[4] ?? 100);
const migrateCount = Number(process.argv[5] ?? 1000);
const sessions = Number(process.argv[6] ?? 0);

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

const address = (i: number): string => `member${String(i).padStart(5, "0")}@example.com`;
const plan: MailhostPlan = {
  hostname: "mail.example.com", zoneDomain: "example.com", zoneId: "Z0123456789ABC", instanceType: "t4g.small", arch: "arm64", volumeGb: 50, backupRetentionDays: 35, defaultQuotaMb: 2048,
  region: "eu-west-1", name: "bench-mailhost", relayPort: 587, imapsPort: 993, relayUser: "mailorg-router", relaySecretName: "bench/mailhost/relay", configBucket: "b", configKey: "mailhost/config.json",
  relayPasswdParameter: "/bench/mailhost/relay-passwd", dataVolumeParameter: "/bench/mailhost/data-volume", migrateParameterPath: "/bench/mailhost/migrate/", maxMessageBytes: 40 * 1024 * 1024, postmaster: "postmaster@example.com",
  logGroup: "/mailorg/bench/mailhost", submissionHost: "email-smtp.eu-west-1.amazonaws.com", domains: ["example.com"],
  mailboxes: Array.from({ length: n }, (_, i) => ({ address: address(i), kind: "member" as const, quotaMb: 2048, login: true })), refused: [],
  submissionPorts: [587, 465], configurationSet: "bench",
  decision: { region: "eu-west-1", timezone: "UTC", domains: ["example.com"], statuses: {}, groups: [], members: [], datedDelegations: [], addresses: {} }, orgName: "Bench", managesievePort: 4190, autoReplies: [], clients: clientSettings("mail.example.com", ["example.com"]), clientRecords: [], certificateNames: [], welcome: [],
};

const base = mkdtempSync(join(tmpdir(), "mailorg-bench-mailhost-"));
chmodSync(base, 0o755);
const ports = { relay: await freePort(), submissions: await freePort(), imaps: await freePort(), old: await freePort() };
const host = await startMailhostSandbox({ plan, dir: join(base, "mail", "_mailhost"), relay: { host: "127.0.0.1", port: ports.relay }, submissions: { host: "127.0.0.1", port: ports.submissions }, imaps: { host: "127.0.0.1", port: ports.imaps }, passwordOf: () => "bench-pw" });
try {
  // Deliveries: the router's relay client into Postfix, until Dovecot has saved them all.
  const { acceptedMs: accepted, deliveredMs: delivered } = await deliverAll(host, messages, (i) => address(i % n));

  // IMAPS login + SELECT INBOX, one client at a time, spread over the mailboxes.
  const latencies: number[] = [];
  for (let i = 0; i < logins; i++) {
    const user = address(Math.floor((i * n) / logins));
    const s = performance.now();
    const c = new ImapFlow({ host: "127.0.0.1", port: ports.imaps, secure: true, tls: { ca: host.ca, servername: plan.hostname }, auth: { user, pass: "bench-pw" }, logger: false, disableAutoIdle: true });
    await c.connect();
    await c.mailboxOpen("INBOX");
    latencies.push(performance.now() - s);
    await c.logout();
  }

  // Memory: `logins` clients connected at once (as phones and desktops stay), each with INBOX selected; the
  // proportional set size of this instance's imap processes, per connection.
  const open: ImapFlow[] = [];
  for (let i = 0; i < logins; i++) {
    const c = new ImapFlow({ host: "127.0.0.1", port: ports.imaps, secure: true, tls: { ca: host.ca, servername: plan.hostname }, auth: { user: address(i), pass: "bench-pw" }, logger: false, disableAutoIdle: true });
    await c.connect();
    await c.mailboxOpen("INBOX");
    open.push(c);
  }
  let pssKb = 0;
  let imapProcesses = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]!.trim();
      if (!title.startsWith(`dovecot-mailorg-sandbox-${ports.imaps}/imap`) || title.includes("login")) continue;
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
      pssKb += Number(m?.[1] ?? 0);
      imapProcesses++;
    } catch {
      // the process ended meanwhile
    }
  }
  for (const c of open) await c.logout();

  // Sessions: S clients connected at once, opened 50 at a time; PSS of every process of this Dovecot instance
  // (imap, imap-login, auth, anvil, ...) with them open, less its PSS before, per session.
  const instancePssKb = (): { kb: number; processes: number } => {
    let kb = 0;
    let processes = 0;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const title = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]!.trim();
        if (!title.startsWith(`dovecot-mailorg-sandbox-${ports.imaps}`)) continue;
        kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
        processes++;
      } catch {
        // the process ended meanwhile
      }
    }
    return { kb, processes };
  };
  let sessionsHeld = 0;
  let sessionsFailed = 0;
  let sessionPssKb = 0;
  let sessionOpenMs = 0;
  const failures = new Map<string, number>();
  if (sessions > 0) {
    const idle = instancePssKb();
    const held: ImapFlow[] = [];
    const s0 = performance.now();
    for (let i = 0; i < sessions; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, sessions - i) }, async (_, k) => {
          // Held for the whole measurement: imapflow's own inactivity timeout (5 minutes) would end them first.
          const c = new ImapFlow({ host: "127.0.0.1", port: ports.imaps, secure: true, tls: { ca: host.ca, servername: plan.hostname }, auth: { user: address((i + k) % n), pass: "bench-pw" }, logger: false, disableAutoIdle: true, socketTimeout: 60 * 60_000, greetingTimeout: 120_000, connectionTimeout: 120_000 });
          c.on("error", () => undefined);
          try {
            await c.connect();
            await c.mailboxOpen("INBOX");
            held.push(c);
          } catch (e) {
            sessionsFailed++;
            failures.set((e as Error).message, (failures.get((e as Error).message) ?? 0) + 1);
          }
        }),
      );
    }
    sessionOpenMs = performance.now() - s0;
    // Every held session still answers.
    sessionsHeld = (await Promise.all(held.map((c) => c.noop().then(() => true, () => false)))).filter(Boolean).length;
    const busy = instancePssKb();
    sessionPssKb = (busy.kb - idle.kb) / Math.max(1, sessionsHeld);
    await Promise.all(held.map((c) => c.logout().catch(() => undefined)));
  }

  // Migration: one old account with migrateCount messages, from a second Dovecot over imapc.
  const old = join(base, "old", "old-user", "cur");
  mkdirSync(old, { recursive: true });
  for (const sub of ["new", "tmp"]) mkdirSync(join(base, "old", "old-user", sub));
  for (let i = 0; i < migrateCount; i++) writeFileSync(join(old, `${1700000000 + i}.${i}.old:2,S`), `From: a@old.example\r\nSubject: m${i}\r\nMessage-ID: <m${i}@old>\r\n\r\n${"old mail\r\n".repeat(100)}`);
  const users = dovecotUsers();
  const own = (p: string): void => {
    chownSync(p, users.mailUid, users.mailGid);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) own(join(p, e));
  };
  own(join(base, "old"));
  const oldServer = await startDovecot({ host: "127.0.0.1", port: ports.old, maildir: join(base, "old"), logins: ["old-user"], password: "old-pw" });
  const m0 = performance.now();
  const result = migrateMailbox(join(host.layout.dovecotDir, "dovecot.conf"), { host: "127.0.0.1", port: ports.old, tls: false, insecure: true }, { address: address(0), oldUser: "old-user", oldPassword: "old-pw", line: 1 });
  const migrateMs = performance.now() - m0;
  await oldServer.stop();
  if (!result.ok) throw new Error(`migration failed: ${result.error}`);

  console.log(JSON.stringify({
    mailboxes: n,
    messages,
    acceptedPerSec: messages / (accepted / 1000),
    deliveredPerSec: messages / (delivered / 1000),
    logins,
    loginP50Ms: quantile(latencies, 0.5),
    loginP95Ms: quantile(latencies, 0.95),
    imapProcesses,
    imapPssKbPerConnection: imapProcesses ? pssKb / imapProcesses : 0,
    sessions,
    sessionsHeld,
    sessionsFailed,
    sessionOpenSec: sessionOpenMs / 1000,
    sessionPssKb,
    sessionFailures: Object.fromEntries(failures),
    migrated: result.after - result.before,
    migrateMsgsPerSec: (result.after - result.before) / (migrateMs / 1000),
  }));
} finally {
  await host.stop();
  rmSync(base, { recursive: true, force: true });
}
