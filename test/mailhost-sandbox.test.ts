/**
 * `mailorg sandbox` with a mailbox host: real Postfix and Dovecot from mailhost-config's files. Outside mail goes
 * through the simulated MX, the router's relay (STARTTLS + AUTH) into Postfix, over LMTP into the member's
 * INBOX, read with a real IMAP client over IMAPS; wrong passwords are refused; a full mailbox refuses the
 * message at RCPT while the archive keeps it; logins are in the mail log; everything stops with the sandbox.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import bcrypt from "bcryptjs";
import { configFiles, configObject } from "../mailhost/files.ts";
import { SYNC_SCRIPT } from "../mailhost/sync-script.ts";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readPasswords } from "../cli/sandbox.ts";
import { cloudInitUserData } from "../mailhost/cloud-init.ts";
import { planOrg } from "../plan/plan.ts";
import { validateOrg } from "../model/validate.ts";
import { startSandbox, type Sandbox } from "../simulate/sandbox.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { runCli, writeOrg } from "./helpers.ts";
import { eventually, freePort, inboxSubjects, manageSieve, putScript } from "./mail-helpers.ts";

const installed = ["/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/lib/dovecot/lmtp", "/usr/lib/dovecot/imap"].every(existsSync);
const asRoot = process.getuid?.() === 0;
const skip = !installed ? " (skipped: apt-get install postfix dovecot-imapd dovecot-lmtpd)" : !asRoot ? " (skipped: Postfix needs root)" : "";

const ORG = HOST_ORG.replace("mailboxes:", "  - { address: tiny@example.com, name: Tiny, quota_mb: 1 }\n  - { address: new.hire@example.com, name: New Hire, title: Engineer }\nmailboxes:")
  .replace("default_quota_mb: 512 }", 'default_quota_mb: 512 }\n  welcome: { subject: "Welcome to {{organisation}}, {{name}}", text: "Read your mail at https://{{hostname}}/ as {{address}}.", html: "<p>Welcome, {{name}} &amp; colleagues</p>" }')
  .replace(
  "name: Kept, status: departed }",
  'name: Kept, status: departed, auto_reply: { subject: "Kept has left Host Co", body: "Please write to hr@example.com.", until: 2999-12-31 } }',
);


const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", () => resolve(true));
  });

describe.skipIf(skip !== "")(`sandbox with the org's mailbox host${skip}`, () => {
  let sandbox: Sandbox;
  let maildir: string;
  const ports = { smtp: 0, submission: 0, imap: 0, relay: 0, sieve: 0 };
  const lines: string[] = [];
  let userData: string;
  const passwords = new Map([
    ["li.na@example.com", "li-na-own-secret"],
    ["tiny@example.com", "tiny-secret"],
  ]);

  beforeAll(async () => {
    const { org, index } = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
    userData = cloudInitUserData(planOrg(org!, index!, { today: "2026-06-01" }).mailhost!);
    const dir = mkdtempSync(join(tmpdir(), "mailorg-mhsandbox-"));
    chmodSync(dir, 0o755); // Postfix and Dovecot run as their own users and must be able to enter it
    maildir = join(dir, "mail");
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    const at = (port: number) => ({ host: "127.0.0.1", port });
    const { smtp, submission, imap, relay, sieve } = ports;
    sandbox = await startSandbox({ org: org!, index: index!, today: "2026-06-01", smtp: at(smtp), submission: at(submission), imap: at(imap), mailhostRelay: at(relay), sieve: at(sieve), maildir, password: "shared-pw", passwords, log: (l) => lines.push(l) });
  }, 60_000);
  afterAll(async () => sandbox?.close());

  const mx = (from: string, to: string[], subject: string, text = "hello") =>
    createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true })
      .sendMail({ from, to, subject, text })
      .then(() => null, (e: Error & { responseCode?: number }) => e);

  const imap = (user: string, pass: string) =>
    new ImapFlow({ host: "127.0.0.1", port: ports.imap, secure: true, tls: { ca: sandbox.mailhost!.ca, servername: "mail.example.com" }, auth: { user, pass }, logger: false, disableAutoIdle: true });

  const inbox = (user: string, pass: string): Promise<string[]> => inboxSubjects(imap(user, pass));

  it("delivers outside mail through Postfix and LMTP into the right INBOX, read over IMAPS with the member's own password", async () => {
    expect(await mx("Pat <pat@partner.example.org>", ["ln@example.com"], "order 1")).toBeNull();
    // Postfix queues the copy, then LMTP delivers it: wait for it (at most 10 s).
    expect(await eventually(() => inbox("li.na@example.com", "li-na-own-secret"), (s) => s.length > 0)).toEqual(["order 1"]);
    expect(await inbox("wu.bo@example.com", "shared-pw")).toEqual([]);
    // The file Dovecot wrote, under the host's mail root, with Postfix's Received line and LMTP's Delivered-To.
    const box = join(sandbox.mailhost!.mailRoot, "li.na@example.com/Maildir/cur");
    const raw = readFileSync(join(box, readdirSync(box)[0]!), "utf8");
    expect(raw).toMatch(/^Return-Path: <pat@partner\.example\.org>\r?\nDelivered-To: li\.na@example\.com\r?\nReceived: from mail\.example\.com\r?\n\tby mail\.example\.com with LMTP/);
    expect(raw).toMatch(/Received: from mailorg-router \(localhost \[127\.0\.0\.1\]\)\r?\n\tby mail\.example\.com \(Postfix\) with ESMTPSA/);
  });

  it("files the router's junk (a forged colleague: DMARC fails on the org's own domain) into Junk, over IMAPS; every mailbox has the special-use folders", async () => {
    expect(await mx("Li Na <li.na@example.com>", ["wu.bo@example.com"], "urgent wire transfer")).toBeNull();
    expect(await mx("Pat <pat@partner.example.org>", ["wu.bo@example.com"], "honest mail")).toBeNull();
    const client = imap("wu.bo@example.com", "shared-pw");
    const boxes = await eventually(async () => {
      await client.connect().catch(() => undefined);
      const folders = await client.list();
      const subjects = async (path: string): Promise<string[]> => {
        const box = await client.mailboxOpen(path);
        const out: string[] = [];
        if (box.exists > 0) for await (const m of client.fetch("1:*", { envelope: true })) out.push(m.envelope?.subject ?? "");
        return out.sort();
      };
      return { folders: folders.map((f) => [f.path, f.specialUse ?? "", f.subscribed]).sort(), inbox: await subjects("INBOX"), junk: await subjects("Junk") };
    }, (b) => b.inbox.length + b.junk.length >= 2);
    await client.logout();
    expect(boxes).toEqual({
      folders: [["Archive", "\\Archive", true], ["Drafts", "\\Drafts", true], ["INBOX", "\\Inbox", true], ["Junk", "\\Junk", true], ["Sent", "\\Sent", true], ["Trash", "\\Trash", true]],
      inbox: ["honest mail"],
      junk: ["urgent wire transfer"],
    });
    const decision = lines.map((l) => JSON.parse(l)).find((d) => d.listener === "smtp" && d.from === "li.na@example.com");
    expect(decision.copies).toEqual([{ address: "wu.bo@example.com", store: "new", relay: "delivered to junk" }]);
  });

  /** The replies the host sent out of the org (the sandbox's outbox): recipient, From and Subject of each. */
  const replies = (): { to: string; from: string; subject: string; auto: string }[] => {
    const dir = join(maildir, "_outbound");
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith(".reply.eml"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .map((raw) => ({ to: /^X-Mailorg-Sandbox-Rcpt-To: (.*)$/m.exec(raw)![1]!.trim(), from: /^From: (.*)$/m.exec(raw)![1]!.trim(), subject: /^Subject: (.*)$/m.exec(raw)![1]!.trim(), auto: /^Auto-Submitted: (.*)$/m.exec(raw)?.[1]?.trim() ?? "" }))
      .sort((a, b) => (a.to + a.subject < b.to + b.subject ? -1 : 1));
  };

  it("a member sets an out-of-office reply over ManageSieve (STARTTLS): each sender is answered once, lists, bounces and junk never", async () => {
    const script = 'require ["vacation"];\nvacation :days 7 :subject "Out of office" "I am away until Monday.";\n';
    const tlsOpts = { ca: sandbox.mailhost!.ca, servername: "mail.example.com" };
    const said = await manageSieve(sandbox.mailhost!.sieve, tlsOpts, "wu.bo@example.com", "shared-pw", [putScript("away", script), 'SETACTIVE "away"', "LISTSCRIPTS"]);
    expect(said[0]).toMatch(/"SIEVE" ".*vacation.*"/);
    expect(said.at(-1)).toMatch(/^"away" ACTIVE\r\n/);
    expect(await mx("Pat <pat@partner.example.org>", ["wu.bo@example.com"], "question 1")).toBeNull();
    expect(await mx("Pat <pat@partner.example.org>", ["wu.bo@example.com"], "question 2")).toBeNull();
    const list = createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true });
    expect(await list.sendMail({ from: "news@lists.example.org", to: "wu.bo@example.com", subject: "newsletter", text: "x", headers: { "List-Id": "<news.lists.example.org>" } }).then(() => null)).toBeNull();
    expect(await list.sendMail({ envelope: { from: "", to: "wu.bo@example.com" }, from: "MAILER-DAEMON@partner.example.org", to: "wu.bo@example.com", subject: "Undelivered Mail Returned to Sender", text: "x" }).then(() => null)).toBeNull();
    expect(await mx("Li Na <li.na@example.com>", ["wu.bo@example.com"], "forged again")).toBeNull();
    const all = await eventually(async () => inboxSubjects(imap("wu.bo@example.com", "shared-pw")), (s) => s.length >= 5);
    expect(all).toEqual(expect.arrayContaining(["newsletter", "question 1", "question 2", "Undelivered Mail Returned to Sender"]));
    expect(replies().filter((r) => r.from.includes("wu.bo@example.com"))).toEqual([{ to: "pat@partner.example.org", from: "<wu.bo@example.com>", subject: "Out of office", auto: "auto-replied (vacation)" }]);
    // The forgery was filed as junk: no reply to the colleague it names.
    expect(lines.map((l) => JSON.parse(l)).filter((d) => d.listener === "replies")).toEqual([{ listener: "replies", from: "wu.bo@example.com", to: ["pat@partner.example.org"] }]);
  });

  it("the org's auto_reply answers for a departed member's mailbox, once per sender", async () => {
    expect(await mx("Pat <pat@partner.example.org>", ["kept@example.com"], "are you there?")).toBeNull();
    expect(await mx("Pat <pat@partner.example.org>", ["kept@example.com"], "hello again")).toBeNull();
    const mine = await eventually(async () => replies().filter((r) => r.from.includes("kept@")), (r) => r.length > 0);
    await new Promise((ok) => setTimeout(ok, 500));
    expect(replies().filter((r) => r.from.includes("kept@"))).toEqual(mine);
    expect(mine).toEqual([{ to: "pat@partner.example.org", from: "kept@example.com", subject: "Kept has left Host Co", auto: "auto-replied (vacation)" }]);
  });

  it("the host's sync delivers the welcome letter into a new member's INBOX exactly once over two syncs", async () => {
    // Li Na already has mail on the host before the first sync: she is not new.
    expect(await mx("Pat <pat@partner.example.org>", ["li.na@example.com"], "before the first sync")).toBeNull();
    await eventually(() => inbox("li.na@example.com", "li-na-own-secret"), (s) => s.includes("before the first sync"));
    const root = mkdtempSync(join(tmpdir(), "mailorg-welcome-"));
    const { org, index } = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
    const plan = planOrg(org!, index!, { today: "2026-06-01" }).mailhost!;
    // The sync installs into directories of its own; letters go to the sandbox's running Dovecot.
    const layout = { ...sandbox.mailhost!.layout, postfixDir: join(root, "postfix"), dovecotDir: join(root, "dovecot"), nginxDir: join(root, "nginx"), wwwDir: join(root, "www"), roundcubeConfigDir: join(root, "roundcube") };
    for (const d of [layout.postfixDir, layout.dovecotDir, layout.nginxDir, layout.wwwDir, layout.roundcubeConfigDir]) mkdirSync(d, { recursive: true });
    const object = JSON.parse(configObject(plan)) as { files: Record<string, string> };
    object.files = configFiles(plan, layout);
    writeFileSync(join(root, "object.json"), JSON.stringify(object));
    writeFileSync(join(root, "passwd"), "");
    writeFileSync(join(root, "relay"), `mailorg-router:{BLF-CRYPT}${bcrypt.hashSync("x", 4)}`);
    writeFileSync(join(root, "sync.py"), SYNC_SCRIPT);
    const sync = () =>
      spawnSync("python3", [join(root, "sync.py"), "--local", join(root, "object.json"), "--passwd", join(root, "passwd"), "--relay", join(root, "relay"), "--postfix-dir", layout.postfixDir, "--dovecot-dir", layout.dovecotDir, "--nginx-dir", layout.nginxDir, "--www-dir", layout.wwwDir, "--roundcube-dir", layout.roundcubeConfigDir, "--state-dir", join(root, "state"), "--mail-root", layout.mailRoot, "--doveadm-conf", join(sandbox.mailhost!.layout.dovecotDir, "dovecot.conf"), "--no-reload"], { encoding: "utf8" });
    mkdirSync(join(root, "state"));
    const first = sync();
    expect(first.stderr).toContain("installed configuration local");
    expect(first.status).toBe(0);
    // A changed configuration, so that the second sync installs again rather than finding nothing new.
    object.files["postfix/vmailbox"] += "# changed\n";
    writeFileSync(join(root, "object.json"), JSON.stringify(object));
    const second = sync();
    expect(second.status).toBe(0);
    expect(second.stderr).toContain("installed configuration local");
    expect(second.stderr).not.toContain("welcome letter");
    expect(await inbox("new.hire@example.com", "shared-pw")).toEqual(["Welcome to Host Co, New Hire"]);
    expect(await inbox("li.na@example.com", "li-na-own-secret")).not.toContain("Welcome to Host Co, Li Na");
    const client = imap("new.hire@example.com", "shared-pw");
    await client.connect();
    await client.mailboxOpen("INBOX");
    const msg = await client.fetchOne("1", { source: true });
    await client.logout();
    const raw = msg ? msg.source!.toString() : "";
    expect(raw).toMatch(/^From: postmaster@example\.com\r?$/m);
    expect(raw).toContain("Read your mail at https://mail.example.com/ as new.hire@example.com.");
    expect(raw).toContain("<p>Welcome, New Hire &amp; colleagues</p>");
  });

  it("refuses a wrong password, a member who may not log in, and a member's AUTH on the relay port", async () => {
    // The relay first: Dovecot's auth penalty grows per remote IP, and every client here is 127.0.0.1.
    const relay = await createTransport({ host: "127.0.0.1", port: ports.relay, secure: false, requireTLS: true, tls: { ca: sandbox.mailhost!.ca, servername: "mail.example.com" }, auth: { user: "li.na@example.com", pass: "li-na-own-secret" } })
      .sendMail({ from: "li.na@example.com", to: ["wu.bo@example.com"], subject: "sneak", text: "x" })
      .then(() => null, (e: Error & { code?: string }) => e);
    expect(relay).toMatchObject({ code: "EAUTH" });
    await expect(inbox("li.na@example.com", "shared-pw")).rejects.toThrow();
    await expect(inbox("dis@example.com", "shared-pw")).rejects.toThrow(); // disabled: mail kept, no login
  });

  it("enforces a quota: the over-quota copy is refused at RCPT, recorded, and kept in the archive", async () => {
    const body = ("y".repeat(76) + "\n").repeat(9000); // ~700 KB, quota 1 MB
    expect(await mx("p@partner.example.org", ["tiny@example.com"], "fits", body)).toBeNull();
    // Delivered (LMTP) before the next one arrives, so that Dovecot counts it at the next RCPT.
    // (Tiny had no mail before the welcome test's sync, so her INBOX also holds the welcome letter.)
    const tiny = async () => (await inbox("tiny@example.com", "tiny-secret")).filter((s) => !s.startsWith("Welcome"));
    expect(await eventually(tiny, (s) => s.length > 0)).toEqual(["fits"]);
    expect(await mx("p@partner.example.org", ["tiny@example.com"], "over quota", body)).toBeNull();
    expect(await tiny()).toEqual(["fits"]);
    const decision = lines.map((l) => JSON.parse(l)).find((d) => d.listener === "smtp" && d.recipients.includes("tiny@example.com") && d.copies?.[0]?.relay !== "delivered");
    expect(decision.copies).toEqual([{ address: "tiny@example.com", store: "new", relay: expect.stringMatching(/^failed permanently: smtp-552: .*mailbox is full \(quota\)/) }]);
    expect(existsSync(join(maildir, "_store/mailboxes/tiny@example.com", decision.messageId))).toBe(true);
  });

  it("records every login, successful or not, with user, method and remote IP", () => {
    const log = readFileSync(join(sandbox.mailhost!.logDir, "dovecot.log"), "utf8");
    expect(log).toMatch(/imap-login: Info: Login: user=<li\.na@example\.com>, method=PLAIN, rip=127\.0\.0\.1, lip=127\.0\.0\.1/);
    expect(log).toMatch(/imap-login: Info: Disconnected: [^(]*\(auth failed, 1 attempts in \d+ secs\): user=<li\.na@example\.com>, method=PLAIN, rip=127\.0\.0\.1/);
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d /m);
  });

  it.skipIf(!existsSync("/usr/bin/fail2ban-client"))("fail2ban (Debian's) accepts the host's jails and its stock filters catch the failed logins in these logs", () => {
    const parsed = parse(userData) as { write_files: { path: string; content: string }[] };
    const jail = parsed.write_files.find((f) => f.path === "/etc/fail2ban/jail.d/mailorg.local")!.content;
    const conf = mkdtempSync(join(tmpdir(), "mailorg-f2b-"));
    cpSync("/etc/fail2ban", conf, { recursive: true });
    writeFileSync(join(conf, "jail.d/mailorg.local"), jail.replaceAll("/var/log/mail", sandbox.mailhost!.logDir));
    const test = spawnSync("fail2ban-client", ["-c", conf, "-t"], { encoding: "utf8" });
    expect(test.stdout).toContain("OK: configuration test is successful");
    const matched = (log: string, filter: string): number => Number(/Lines: \d+ lines, \d+ ignored, (\d+) matched/.exec(spawnSync("fail2ban-regex", [join(sandbox.mailhost!.logDir, log), filter], { encoding: "utf8" }).stdout)?.[1] ?? -1);
    expect(matched("dovecot.log", "/etc/fail2ban/filter.d/dovecot.conf")).toBeGreaterThanOrEqual(2); // li.na's wrong password, dis@
    expect(matched("postfix.log", "/etc/fail2ban/filter.d/postfix.conf[mode=auth]")).toBeGreaterThanOrEqual(1); // li.na's AUTH on the relay
  });

  it("stops Postfix and Dovecot with the sandbox", async () => {
    await sandbox.close();
    expect({ relay: await refused(ports.relay), imap: await refused(ports.imap) }).toEqual({ relay: true, imap: true });
    // Postfix leaves its pid file behind; the process it names is gone.
    const pid = Number(readFileSync(join(maildir, "_mailhost/spool/pid/master.pid"), "utf8").trim());
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe("mailorg sandbox --passwords", () => {
  it("reads address:password lines and names a malformed line", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailorg-pw-"));
    writeFileSync(join(dir, "ok"), "# members\nLi.Na@example.com:pw:with:colons\n\nwu.bo@example.com:x\n");
    expect([...readPasswords(join(dir, "ok"))]).toEqual([["li.na@example.com", "pw:with:colons"], ["wu.bo@example.com", "x"]]);
    writeFileSync(join(dir, "bad"), "li.na@example.com\n");
    expect(() => readPasswords(join(dir, "bad"))).toThrow(`--passwords ${join(dir, "bad")}:1: expected address:password`);
  });
  it("is a usage error without --password or --passwords", () => {
    const r = runCli(["sandbox", "--org", writeOrg({ "org.yaml": ORG }), "--smtp", "127.0.0.1:1", "--submission", "127.0.0.1:2", "--imap", "127.0.0.1:3", "--maildir", tmpdir()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mailorg: give --password, --passwords FILE, or both\n");
  });
});
