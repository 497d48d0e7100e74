/**
 * `npm run bench -- --mailhost`, the host at scale: a generated org of N members with a mailbox host
 * (bench/generate.ts --host), planned once, and its host's files on Debian's Postfix and Dovecot. Prints one
 * JSON line:
 * - the configuration object's size, and its Postfix tables built by postmap (hash);
 * - the host's sync (mailorg-sync --local, as tests run it, reloads written down instead of run) with N logins:
 *   the first install, a change adding one member, and an unchanged object (what every two-minute run costs);
 * - the account service's write of one password (the store and Dovecot's two passwd-files rewritten, N lines
 *   each), without bcrypt;
 * - on the sandbox (real Postfix and Dovecot, N accounts): deliveries through Postfix's indexed tables, IMAPS
 *   login + SELECT latency, and a login in the second after a password file changed (Dovecot re-reads it whole).
 * Needs root (Postfix) and Debian's postfix, dovecot-imapd, dovecot-lmtpd, nginx, php and sievec.
 *
 *   tsx bench/mailhost-scale-once.ts N [messages] [logins]
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ImapFlow } from "imapflow";
import { Accounts, BCRYPT_COST } from "../mailhost/accounts.ts";
import { COMMON_PASSWORDS } from "../mailhost/files.ts";
import { validateOrg } from "../model/validate.ts";
import { planOrg } from "../plan/plan.ts";
import { startMailhostSandbox } from "../simulate/mailhost-sandbox.ts";
import { freePort } from "../test/mail-helpers.ts";
import { syncHost } from "../test/sync-host.ts";
import { deliverAll } from "./deliveries.ts";
import { generateOrg } from "./generate.ts";
import bcrypt from "bcryptjs";

const n = Number(process.argv[2] ?? 10000);
const messages = Number(process.argv[3] ?? 500);
const logins = Number(process.argv[4] ?? 50);
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const timed = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

const base = mkdtempSync(join(tmpdir(), "mailorg-bench-scale-"));
chmodSync(base, 0o755);
try {
  generateOrg(n, join(base, "org"), 42, { mailboxHost: true });
  const { org, index } = validateOrg(join(base, "org"), { today: "2026-06-01" });
  const plan = planOrg(org, index!, { today: "2026-06-01" }).mailhost!;
  const members = plan.mailboxes.filter((m) => m.login).map((m) => m.address);
  const hash = `{BLF-CRYPT}${bcrypt.hashSync("bench-password-1", BCRYPT_COST).replace(/^\$2b\$/, "$2a$")}`;

  // The host's sync on a temporary host tree, as test/mailhost-sync.test.ts runs it (reloads written down, not run).
  const h = syncHost(plan, `${plan.relayUser}:${hash}`);
  const object = h.object;
  let passwd = members.map((a) => `${a}:${hash}`);
  const sync = (): number => {
    h.inputs(object, passwd);
    return timed(() => {
      const r = h.sync("2026-06-01T10:00:00Z");
      if (r.status !== 0) throw new Error(`mailorg-sync failed: ${r.stderr}`);
    });
  };
  const objectBytes = JSON.stringify(object).length;
  const syncFirstMs = sync();
  const added = `bench.new@${plan.domains[0]}`;
  object.files["postfix/vmailbox"] += `${added} ${added}/Maildir/\n`;
  object.files["dovecot/users"] += `${added}:::::::userdb_quota_rule=*:storage=${plan.defaultQuotaMb}M\n`;
  object.logins.push(added);
  passwd = [...passwd, `${added}:${hash}`];
  const syncChangeMs = sync();
  const syncUnchangedMs = sync();
  rmSync(h.root, { recursive: true, force: true });

  // The account service's write of one password at N accounts (bcrypt left out: it costs the same at any N).
  const dir = join(base, "accounts");
  const paths = { store: join(dir, "store/passwd"), tokens: join(dir, "store/tokens.json"), imapPasswd: join(dir, "imap.passwd"), smtpPasswd: join(dir, "smtp.passwd"), log: join(dir, "account.log") };
  mkdirSync(join(dir, "store"), { recursive: true });
  writeFileSync(paths.store, members.map((a) => `${a}:${hash}\n`).join(""));
  const accounts = new Accounts({ paths, logins: members, common: COMMON_PASSWORDS, now: () => new Date("2026-06-01T10:00:00Z"), flush: () => undefined });
  const writes = Array.from({ length: 20 }, () => timed(() => accounts.publish()));

  // The sandbox: real Postfix and Dovecot with N accounts (one password, hashed once).
  const ports = { relay: await freePort(), submissions: await freePort(), imaps: await freePort() };
  const s0 = performance.now();
  const host = await startMailhostSandbox({ plan, dir: join(base, "mail", "_mailhost"), relay: { host: "127.0.0.1", port: ports.relay }, submissions: { host: "127.0.0.1", port: ports.submissions }, imaps: { host: "127.0.0.1", port: ports.imaps }, passwordOf: () => "bench-password-1" });
  const sandboxStartMs = performance.now() - s0;
  try {
    const { deliveredMs: delivered } = await deliverAll(host, messages, (i) => members[Math.floor((i * members.length) / messages)]!, 120_000);

    const login = async (user: string): Promise<number> => {
      const s = performance.now();
      const c = new ImapFlow({ host: "127.0.0.1", port: ports.imaps, secure: true, tls: { ca: host.ca, servername: plan.hostname }, auth: { user, pass: "bench-password-1" }, logger: false, disableAutoIdle: true });
      await c.connect();
      await c.mailboxOpen("INBOX");
      const ms = performance.now() - s;
      await c.logout();
      return ms;
    };
    const steady: number[] = [];
    for (let i = 0; i < logins; i++) steady.push(await login(members[Math.floor((i * members.length) / logins)]!));
    // A login in the second after the passwd-file changed: Dovecot reads the N lines again first.
    const afterChange: number[] = [];
    for (let i = 0; i < 5; i++) {
      const file = join(host.layout.dovecotDir, "imap.passwd");
      writeFileSync(file, readFileSync(file, "utf8"));
      await new Promise((r) => setTimeout(r, 1100));
      afterChange.push(await login(members[(i * 7919) % members.length]!));
    }
    console.log(JSON.stringify({
      members: members.length,
      objectMb: objectBytes / 1e6,
      syncFirstMs,
      syncChangeMs,
      syncUnchangedMs,
      passwordWriteMs: quantile(writes, 0.5),
      sandboxStartMs,
      deliveredPerSec: messages / (delivered / 1000),
      loginP50Ms: quantile(steady, 0.5),
      loginP95Ms: quantile(steady, 0.95),
      loginAfterChangeMs: quantile(afterChange, 0.5),
    }));
  } finally {
    await host.stop();
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
