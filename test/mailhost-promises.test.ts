/**
 * The mailbox host keeps its promises (issue #30), on Debian's real Postfix and Dovecot running the files
 * mailhost/ generates (simulate/mailhost-sandbox.ts without the rest of the sandbox): every message the router
 * hands to the host ends in a mailbox, is refused while the router still holds it, or waits in Postfix's queue
 * with a notice to the postmaster; every address validate accepts is served; plus-addressing reaches the base
 * mailbox; more than 100 IMAPS sessions are held.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instanceVcpus } from "../plan/mailhost.ts";
import { configFiles, configObject } from "../mailhost/files.ts";
import { SYNC_SCRIPT } from "../mailhost/sync-script.ts";
import { validateOrg } from "../model/validate.ts";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { planOrg } from "../plan/plan.ts";
import { DeliveryError } from "../runtime/delivery/deliver.ts";
import { startMailhostSandbox, type RunningMailhost } from "../simulate/mailhost-sandbox.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";
import { freePort, inboxSubjects, syncDirArgs } from "./mail-helpers.ts";

const installed = ["/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/lib/dovecot/lmtp", "/usr/lib/dovecot/imap"].every(existsSync);
const asRoot = process.getuid?.() === 0;
const skip = !installed ? " (skipped: apt-get install postfix dovecot-imapd dovecot-lmtpd)" : !asRoot ? " (skipped: Postfix needs root)" : "";

/** The fixture with a 1 MB mailbox to fill, a member whose address holds '%', and the postmaster's mailbox. */
export const PROMISES_ORG = HOST_ORG.replace(
  "mailboxes:\n",
  "  - { address: tiny@example.com, name: Tiny, quota_mb: 1 }\n  - { address: odd%x_y-z@example.com, name: Odd }\n  - { address: leaver@example.com, name: Leaver }\n" +
    Array.from({ length: 14 }, (_, i) => `  - { address: s${i}@example.com, name: S${i} }\n`).join("") +
    "mailboxes:\n  - { address: postmaster@example.com, name: Postmaster }\n",
);

const until = async <T>(fn: () => T | Promise<T>, done: (t: T) => boolean, ms = 20_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await fn();
    if (done(r) || Date.now() > deadline) return r;
    await new Promise((ok) => setTimeout(ok, 200));
  }
};

const message = (from: string, to: string, subject: string, bodyBytes = 10): Buffer =>
  Buffer.from(`From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, "")}@test>\r\n\r\n${("z".repeat(76) + "\r\n").repeat(Math.ceil(bodyBytes / 78)).slice(0, bodyBytes)}\r\n`);

describe.skipIf(skip !== "")(`the mailbox host keeps its promises${skip}`, () => {
  let host: RunningMailhost;
  let plan: MailhostPlan;
  let dir: string;
  let imapPort = 0;
  const passwords: Record<string, string> = { "li.na@example.com": "li-na-secret", "odd%x_y-z@example.com": "odd-secret", "tiny@example.com": "tiny-secret" };

  beforeAll(async () => {
    const { org, index, diagnostics } = validateOrg(writeOrg({ "org.yaml": PROMISES_ORG }), { today: "2026-06-01" });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    plan = planOrg(org!, index!, { today: "2026-06-01" }).mailhost!;
    dir = mkdtempSync(join(tmpdir(), "mailorg-promises-"));
    chmodSync(dir, 0o755);
    imapPort = await freePort();
    host = await startMailhostSandbox({ plan, dir, relay: { host: "127.0.0.1", port: await freePort() }, submissions: { host: "127.0.0.1", port: await freePort() }, imaps: { host: "127.0.0.1", port: imapPort }, passwordOf: (a) => passwords[a] ?? "session-pw" });
  }, 60_000);
  afterAll(async () => host?.stop());

  const maildirFiles = (address: string): string[] =>
    ["new", "cur"].flatMap((d) => {
      const p = join(host.layout.mailRoot, address, "Maildir", d);
      return existsSync(p) ? readdirSync(p).map((f) => readFileSync(join(p, f), "utf8")) : [];
    });
  const subjects = (address: string): string[] => maildirFiles(address).map((t) => /^Subject: (.*)$/m.exec(t)?.[1] ?? "").sort();
  /** Messages in Postfix's queue (postqueue -j), by recipient. */
  const queued = (): { id: string; recipient: string; reason: string; subject: string }[] =>
    spawnSync("postqueue", ["-c", host.layout.postfixDir, "-j"], { encoding: "utf8" })
      .stdout.split("\n")
      .filter(Boolean)
      .flatMap((l) => {
        const q = JSON.parse(l) as { queue_id: string; recipients: { address: string; delay_reason?: string }[] };
        const text = spawnSync("postcat", ["-c", host.layout.postfixDir, "-bh", "-q", q.queue_id], { encoding: "utf8" }).stdout;
        return q.recipients.map((r) => ({ id: q.queue_id, recipient: r.address, reason: r.delay_reason ?? "", subject: /^Subject: (.*)$/m.exec(text)?.[1] ?? "" }));
      });
  const imap = (user: string) => new ImapFlow({ host: "127.0.0.1", port: imapPort, secure: true, tls: { ca: host.ca, servername: "mail.example.com" }, auth: { user, pass: passwords[user] ?? "session-pw" }, logger: false, disableAutoIdle: true });

  it("serves every address validate accepts ('%', '_', '-') over LMTP and IMAP, and delivers li.na+news@ to li.na's INBOX", async () => {
    await host.relay.deliver("odd%x_y-z@example.com", "pat@partner.example.org", message("pat@partner.example.org", "odd%x_y-z@example.com", "percent"));
    await host.relay.deliver("li.na+news@example.com", "pat@partner.example.org", message("pat@partner.example.org", "li.na+news@example.com", "tagged"));
    expect(await until(() => subjects("odd%x_y-z@example.com"), (s) => s.length > 0)).toEqual(["percent"]);
    expect(await until(() => subjects("li.na@example.com"), (s) => s.length > 0)).toEqual(["tagged"]);
    expect(await inboxSubjects(imap("odd%x_y-z@example.com"))).toEqual(["percent"]);
    expect(readFileSync(join(host.layout.logDir, "dovecot.log"), "utf8")).not.toContain("disallowed");
  });

  it("accounts for every message of concurrent relays and edge-size messages into a filling mailbox: in the mailbox, refused to the router, or queued and delivered once there is room", async () => {
    // tiny@ holds 1 MB. Twelve relays of ~150 KB at once (the router's pool opens 8 connections) all pass RCPT's
    // quota check while the mailbox is empty, and together they do not fit. The race is made certain, not left
    // to timing: LMTP delivery waits (defer_transports) until every relay has its 250.
    const postconf = (setting: string) => {
      spawnSync("postconf", ["-c", host.layout.postfixDir, "-e", setting]);
      spawnSync("postfix", ["-c", host.layout.postfixDir, "reload"]);
    };
    postconf("defer_transports = lmtp");
    const sent = Array.from({ length: 12 }, (_, i) => `burst ${String(i).padStart(2, "0")}`);
    const results = await Promise.all(sent.map((s) => host.relay.deliver("tiny@example.com", "pat@partner.example.org", message("pat@partner.example.org", "tiny@example.com", s, 150_000)).then(() => "accepted" as const, (e: DeliveryError) => e)));
    const refused = sent.filter((_, i) => results[i] !== "accepted");
    for (const r of results) if (r !== "accepted") expect(r).toMatchObject({ permanent: true, code: "smtp-552" }); // the router records and reports it
    const accepted = sent.filter((_, i) => results[i] === "accepted");
    expect(accepted).toHaveLength(12);
    // One LMTP delivery at a time while the mailbox fills: Dovecot's quota check is not transactional, so a dozen
    // copies saved at once under load can all pass it together (then all are in the mailbox, none waits).
    postconf("lmtp_destination_concurrency_limit = 1");
    postconf("defer_transports =");
    spawnSync("postqueue", ["-c", host.layout.postfixDir, "-f"]);
    // Each accepted copy is in the mailbox or waits in the queue for room: none has vanished.
    const tinyQueue = () => queued().filter((q) => q.recipient === "tiny@example.com");
    await until(() => [subjects("tiny@example.com").length, tinyQueue()] as const, ([n, q]) => n + q.length === accepted.length && q.every((x) => /4\.2\.2|quota/i.test(x.reason)), 30_000);
    const inBox = subjects("tiny@example.com");
    const waiting = queued().filter((q) => q.recipient === "tiny@example.com");
    expect(inBox.length + waiting.length + refused.length).toBe(sent.length);
    expect(inBox.every((s) => accepted.includes(s))).toBe(true);
    for (const q of waiting) expect(q.reason).toMatch(/4\.2\.2|quota/i);
    expect(inBox.length).toBeGreaterThan(0);
    expect(waiting.length).toBeGreaterThan(0);
    // One waiting copy outlives the queue's lifetime: its bounce cannot leave the host, so the postmaster's
    // mailbox gets the copy that a person reads.
    const [expired, ...rest] = waiting;
    spawnSync("postsuper", ["-c", host.layout.postfixDir, "-e", expired!.id]);
    spawnSync("postqueue", ["-c", host.layout.postfixDir, "-i", expired!.id]);
    const notices = await until(() => maildirFiles("postmaster@example.com"), (n) => n.length > 0);
    expect(notices.join("")).toContain(`Subject: ${expired!.subject}`);
    expect(notices.join("")).toMatch(/Postmaster Copy: Undelivered Mail|Undelivered Mail Returned to Sender/);
    // Room is made (the member deletes her mail): the other waiting copies arrive at the next retry.
    spawnSync("doveadm", ["-c", join(host.layout.dovecotDir, "dovecot.conf"), "expunge", "-u", "tiny@example.com", "mailbox", "INBOX", "all"], { encoding: "utf8" });
    spawnSync("postqueue", ["-c", host.layout.postfixDir, "-f"]);
    const later = await until(() => subjects("tiny@example.com"), (s) => s.length === rest.length, 30_000);
    expect(queued().filter((q) => q.recipient === "tiny@example.com")).toEqual([]);
    expect([...inBox, ...later, expired!.subject].sort()).toEqual(accepted);
    spawnSync("postconf", ["-c", host.layout.postfixDir, "-X", "lmtp_destination_concurrency_limit"]);
    spawnSync("postfix", ["-c", host.layout.postfixDir, "reload"]);
  }, 120_000);

  it("delivers a message whose announced size fits but whose added headers would not", async () => {
    spawnSync("doveadm", ["-c", join(host.layout.dovecotDir, "dovecot.conf"), "expunge", "-u", "tiny@example.com", "mailbox", "INBOX", "all"]);
    spawnSync("postsuper", ["-c", host.layout.postfixDir, "-d", "ALL"]);
    // Fill to exactly the quota less one message: the relay's SIZE fits to the byte, Postfix's and LMTP's headers do not.
    const quota = 1024 * 1024;
    await host.relay.deliver("tiny@example.com", "pat@partner.example.org", message("pat@partner.example.org", "tiny@example.com", "filler", 700_000));
    await until(() => subjects("tiny@example.com"), (s) => s.length === 1);
    const used = maildirFiles("tiny@example.com").reduce((n, t) => n + Buffer.byteLength(t), 0);
    const edge = message("pat@partner.example.org", "tiny@example.com", "edge", 0);
    const last = message("pat@partner.example.org", "tiny@example.com", "edge", quota - used - edge.length);
    expect(used + last.length).toBe(quota);
    await host.relay.deliver("tiny@example.com", "pat@partner.example.org", last);
    expect(await until(() => subjects("tiny@example.com"), (s) => s.length === 2)).toEqual(["edge", "filler"]);
  }, 60_000);

  it("a member who leaves in a change that doveconf refuses loses her open session and her login; the others' sessions stay through that, a Postfix change and a Dovecot reload", async () => {
    const root = mkdtempSync(join(tmpdir(), "mailorg-promises-sync-"));
    writeFileSync(join(root, "sync.py"), SYNC_SCRIPT);
    const object = JSON.parse(configObject(plan)) as { files: Record<string, string>; logins: string[] };
    object.files = configFiles(plan, host.layout);
    // What SSM holds: the hash lines the sandbox made for every login.
    writeFileSync(join(root, "passwd"), readFileSync(join(host.layout.dovecotDir, "imap.passwd"), "utf8"));
    // The router's line of the smtp passdb (the members' lines follow it there).
    writeFileSync(join(root, "relay"), readFileSync(join(host.layout.dovecotDir, "smtp.passwd"), "utf8").split("\n").find((l) => !l.split(":")[0]!.includes("@"))! + "\n");
    const sync = (o: unknown) => {
      writeFileSync(join(root, "object.json"), JSON.stringify(o));
      return spawnSync("python3", [join(root, "sync.py"), "--local", join(root, "object.json"), "--passwd", join(root, "passwd"), "--relay", join(root, "relay"), ...syncDirArgs(host.layout), "--state-dir", join(root, "state")], { encoding: "utf8", env: { ...process.env, MAILORG_SYNC_NOW: "2026-06-01T10:00:00Z" } });
    };
    expect(sync(object).status).toBe(0); // the host's first sync: the same files the sandbox started with
    const leaver = imap("leaver@example.com");
    const stayer = imap("li.na@example.com");
    await leaver.connect();
    await stayer.connect();
    let leaverClosed = false;
    leaver.on("close", () => (leaverClosed = true));
    leaver.on("error", () => undefined); // the kick ends her connection: imapflow reports it as an error event
    const broken = structuredClone(object);
    broken.logins = broken.logins.filter((a) => a !== "leaver@example.com");
    broken.files["dovecot/dovecot.conf"] += "no_such_setting = 1\n";
    const refused = sync(broken);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("logins ended: leaver@example.com");
    expect(await until(() => leaverClosed, (c) => c, 10_000)).toBe(true);
    await expect(inboxSubjects(imap("leaver@example.com"))).rejects.toThrow();
    await stayer.noop();
    expect(stayer.usable).toBe(true);
    // A Postfix-only change (a new mailbox) reloads Postfix, not Dovecot: the session stays.
    const more = structuredClone(broken);
    more.files["dovecot/dovecot.conf"] = object.files["dovecot/dovecot.conf"]!;
    more.files["postfix/vmailbox"] += "new@example.com new@example.com/Maildir/\n";
    expect(sync(more).status).toBe(0);
    await stayer.noop();
    expect(stayer.usable).toBe(true);
    // A change of Dovecot's own configuration reloads Dovecot (only then): open sessions stay, with their
    // processes of the old configuration until they log out.
    const reloads = () => (readFileSync(join(host.layout.logDir, "dovecot.log"), "utf8").match(/SIGHUP received - reloading configuration/g) ?? []).length;
    const before = reloads();
    const tuned = structuredClone(more);
    tuned.files["dovecot/dovecot.conf"] = tuned.files["dovecot/dovecot.conf"]!.replace("auth_failure_delay = 2 secs", "auth_failure_delay = 3 secs");
    expect(sync(tuned).status).toBe(0);
    expect(await until(reloads, (n) => n > before, 5_000)).toBe(before + 1);
    await new Promise((ok) => setTimeout(ok, 1000));
    await stayer.noop();
    expect(stayer.usable).toBe(true);
    await stayer.logout();
  }, 120_000);

  it("holds more than 100 IMAPS sessions at once (imap-login in high-performance mode): 140 members' clients stay logged in", async () => {
    // 14 members with 10 clients each (Dovecot's limit per member and address); the default imap-login
    // (one process per connection, at most 100) reset the 101st.
    const clients = Array.from({ length: 140 }, (_, i) => imap(`s${i % 14}@example.com`));
    const opened: ImapFlow[] = [];
    let failed = 0;
    for (let i = 0; i < clients.length; i += 20) {
      await Promise.all(clients.slice(i, i + 20).map((c) => c.connect().then(() => c.mailboxOpen("INBOX")).then(() => opened.push(c), () => failed++)));
    }
    try {
      expect({ opened: opened.length, failed }).toEqual({ opened: 140, failed: 0 });
      // Every one of them still answers.
      const answers = await Promise.all(opened.map((c) => c.noop().then(() => true, () => false)));
      expect(answers.filter(Boolean)).toHaveLength(140);
    } finally {
      await Promise.all(opened.map((c) => c.logout().catch(() => undefined)));
    }
  }, 180_000);
});

describe("imap-login's processes by instance type (one per vCPU)", () => {
  it("reads the vCPUs from the size", () => {
    expect(["t4g.small", "m7g.large", "m7g.xlarge", "r8gd.2xlarge", "c7gn.16xlarge", "m7g.metal"].map(instanceVcpus)).toEqual([2, 2, 4, 8, 64, 64]);
  });
});
