/**
 * `mailorg sandbox` with a mailbox host: real Postfix and Dovecot from mailhost-config's files. Outside mail goes
 * through the simulated MX, the router's relay (STARTTLS + AUTH) into Postfix, over LMTP into the member's
 * INBOX, read with a real IMAP client over IMAPS; wrong passwords are refused; a full mailbox refuses the
 * message at RCPT while the archive keeps it; logins are in the mail log; everything stops with the sandbox.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash, X509Certificate } from "node:crypto";
import { request as httpsRequest } from "node:https";
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
import { freePort, inboxSubjects } from "./mail-helpers.ts";

const installed = ["/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/lib/dovecot/lmtp", "/usr/lib/dovecot/imap"].every(existsSync);
const asRoot = process.getuid?.() === 0;
const have = (bin: string): boolean => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const skip = !installed ? " (skipped: apt-get install postfix dovecot-imapd dovecot-lmtpd)" : !asRoot ? " (skipped: Postfix needs root)" : "";

const ORG = HOST_ORG.replace("mailboxes:", "  - { address: tiny@example.com, name: Tiny, quota_mb: 1 }\n  - { address: new.hire@example.com, name: New Hire }\n  - { address: page.user@example.com, name: Page User }\nmailboxes:");

/** Calls fn until done(result) or 10 s have passed; returns the last result. */
async function eventually<T>(fn: () => Promise<T>, done: (t: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await fn();
    if (done(r) || Date.now() > deadline) return r;
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", () => resolve(true));
  });

describe.skipIf(skip !== "")(`sandbox with the org's mailbox host${skip}`, () => {
  let sandbox: Sandbox;
  let maildir: string;
  const ports = { smtp: 0, submission: 0, imap: 0, relay: 0, submissions: 0 };
  const lines: string[] = [];
  let userData: string;
  const passwords = new Map([
    ["li.na@example.com", "li-na-own-secret"],
    ["wu.bo@example.com", "wu-bo-own-secret"],
    ["tiny@example.com", "tiny-secret"],
  ]);
  let orgDir = "";

  beforeAll(async () => {
    orgDir = writeOrg({ "org.yaml": ORG });
    const { org, index } = validateOrg(orgDir, { today: "2026-06-01" });
    userData = cloudInitUserData(planOrg(org!, index!, { today: "2026-06-01" }).mailhost!);
    const dir = mkdtempSync(join(tmpdir(), "mailorg-mhsandbox-"));
    chmodSync(dir, 0o755); // Postfix and Dovecot run as their own users and must be able to enter it
    maildir = join(dir, "mail");
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    const at = (port: number) => ({ host: "127.0.0.1", port });
    const { smtp, submission, imap, relay, submissions } = ports;
    sandbox = await startSandbox({ org: org!, index: index!, today: "2026-06-01", smtp: at(smtp), submission: at(submission), imap: at(imap), mailhostRelay: at(relay), mailhostSubmissions: at(submissions), maildir, password: "shared-pw", passwords, log: (l) => lines.push(l) });
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
    expect(await inbox("wu.bo@example.com", "wu-bo-own-secret")).toEqual([]);
    // The file Dovecot wrote, under the host's mail root, with Postfix's Received line and LMTP's Delivered-To.
    const box = join(sandbox.mailhost!.mailRoot, "li.na@example.com/Maildir/cur");
    const raw = readFileSync(join(box, readdirSync(box)[0]!), "utf8");
    expect(raw).toMatch(/^Return-Path: <pat@partner\.example\.org>\r?\nDelivered-To: li\.na@example\.com\r?\nReceived: from mail\.example\.com\r?\n\tby mail\.example\.com with LMTP/);
    expect(raw).toMatch(/Received: from mailorg-router \(localhost \[127\.0\.0\.1\]\)\r?\n\tby mail\.example\.com \(Postfix\) with ESMTPSA/);
  });

  /** A member's submission to the host: 587 with STARTTLS, or 465 with implicit TLS. */
  const submit = (port: "relay" | "submissions", user: string, pass: string, mail: { from: string; to: string[]; subject: string; headers?: Record<string, string> }) =>
    createTransport({ host: "127.0.0.1", port: ports[port], secure: port === "submissions", requireTLS: port === "relay", tls: { ca: sandbox.mailhost!.ca, servername: "mail.example.com" }, auth: { user, pass } })
      .sendMail({ ...mail, text: "from the host" })
      .then(() => null, (e: Error & { responseCode?: number; command?: string; response?: string }) => e);

  it("takes members' submissions on 587 (STARTTLS) and 465 (implicit TLS) with their own account; the message goes out through SES and back to the colleague's INBOX", async () => {
    expect(await submit("relay", "li.na@example.com", "li-na-own-secret", { from: "Li Na <li.na@example.com>", to: ["wu.bo@example.com", "pat@partner.example"], subject: "via 587" })).toBeNull();
    expect(await submit("submissions", "li.na@example.com", "li-na-own-secret", { from: "ln@example.com", to: ["wu.bo@example.com"], subject: "via 465 as an alias" })).toBeNull();
    expect((await eventually(() => inbox("wu.bo@example.com", "wu-bo-own-secret"), (s) => s.length >= 2)).sort()).toEqual(["via 465 as an alias", "via 587"]);
    // They left through the relay program to SES (here the sandbox's stand-in), not straight into the mailbox.
    // The outside recipient left through SES too (the sandbox's outbox).
    const outbound = join(maildir, "_outbound");
    expect(await eventually(async () => (existsSync(outbound) ? readdirSync(outbound).map((f) => readFileSync(join(outbound, f), "utf8")) : []), (m) => m.length > 0)).toEqual([expect.stringMatching(/^X-Mailorg-Sandbox-Rcpt-To: pat@partner\.example\r\n[\s\S]*Subject: via 587/)]);
    expect(lines.map((l) => JSON.parse(l)).filter((d) => d.listener === "mailhost-ses").map((d) => [d.from, d.recipients, d.dmarc])).toEqual([
      ["li.na@example.com", ["wu.bo@example.com"], "PASS"],
      ["ln@example.com", ["wu.bo@example.com"], "PASS"],
    ]);
  });

  it("refuses sending as a colleague at MAIL FROM with the rule named, and bounces a forged From field naming its rule", async () => {
    const asColleague = await submit("relay", "li.na@example.com", "li-na-own-secret", { from: "wu.bo@example.com", to: ["hr@example.com"], subject: "not me" });
    expect(asColleague).toMatchObject({ command: "MAIL FROM", responseCode: 554 });
    expect(asColleague!.response).toMatch(/^554 5\.7\.1 <wu\.bo@example\.com>: Sender address rejected: no statement allows li\.na@example\.com to send as wu\.bo@example\.com \[send-as\]$/);
    // The envelope is hers, the From field is not: the relay refuses it and Postfix returns it to her.
    expect(await submit("relay", "li.na@example.com", "li-na-own-secret", { from: "wu.bo@example.com", to: ["hr@example.com"], subject: "forged", headers: {} , ...{ envelope: { from: "li.na@example.com", to: ["hr@example.com"] } } } as never)).toBeNull();
    const bounce = await eventually(() => inbox("li.na@example.com", "li-na-own-secret"), (s) => s.includes("Undelivered Mail Returned to Sender"));
    expect(bounce).toContain("Undelivered Mail Returned to Sender");
  });

  it("refuses a wrong password and a member who may not log in, over IMAP and submission alike", async () => {
    // Submission first: Dovecot's auth penalty grows per remote IP, and every client here is 127.0.0.1.
    expect(await submit("submissions", "li.na@example.com", "shared-pw", { from: "li.na@example.com", to: ["wu.bo@example.com"], subject: "x" })).toMatchObject({ code: "EAUTH" });
    expect(await submit("relay", "dis@example.com", "shared-pw", { from: "dis@example.com", to: ["wu.bo@example.com"], subject: "x" })).toMatchObject({ code: "EAUTH" });
    await expect(inbox("li.na@example.com", "shared-pw")).rejects.toThrow();
    await expect(inbox("dis@example.com", "shared-pw")).rejects.toThrow(); // disabled: mail kept, no login
  });

  it("enforces a quota: the over-quota copy is refused at RCPT, recorded, and kept in the archive", async () => {
    const body = ("y".repeat(76) + "\n").repeat(9000); // ~700 KB, quota 1 MB
    expect(await mx("p@partner.example.org", ["tiny@example.com"], "fits", body)).toBeNull();
    // Delivered (LMTP) before the next one arrives, so that Dovecot counts it at the next RCPT.
    expect(await eventually(() => inbox("tiny@example.com", "tiny-secret"), (s) => s.length > 0)).toEqual(["fits"]);
    expect(await mx("p@partner.example.org", ["tiny@example.com"], "over quota", body)).toBeNull();
    expect(await inbox("tiny@example.com", "tiny-secret")).toEqual(["fits"]);
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
    expect(matched("postfix.log", "/etc/fail2ban/filter.d/postfix.conf[mode=auth]")).toBeGreaterThanOrEqual(1); // li.na's wrong password on 465
  });

  /** An HTTPS request to the sandbox's account service, by the host's name, trusting the sandbox certificate. */
  const web = (method: "GET" | "POST", path: string, form?: Record<string, string>): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const url = new URL(path, sandbox.mailhost!.accountUrl);
      const data = form ? new URLSearchParams(form).toString() : "";
      const req = httpsRequest(
        { host: "127.0.0.1", port: Number(url.port), path: url.pathname + url.search, method, servername: "mail.example.com", ca: sandbox.mailhost!.ca, headers: form ? { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(data) } : {} },
        (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  const reset = (address: string): string => {
    const r = runCli(["password", "reset", address, "--sandbox", maildir, "--org", orgDir]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return /^(https:\/\/mail\.example\.com:\d+\/account\/activate\?t=[A-Za-z0-9_-]{43})$/m.exec(r.stdout)![1]!;
  };

  it("starts an account that --passwords does not preset unactivated; the activation link lets the member set their own password, once", async () => {
    await expect(inbox("new.hire@example.com", "shared-pw")).rejects.toThrow();
    const link = reset("new.hire@example.com");
    const form = await web("GET", link);
    expect(form.status).toBe(200);
    expect(form.body).toContain('<strong id="address">new.hire@example.com</strong>');
    const token = new URL(link).searchParams.get("t")!;
    // The rules: 12 characters, not the address, not a common password (also with digits around it).
    for (const [pw, why] of [["short-pw", "at least 12 characters"], ["new.hire-2026-secret", "must not contain your address"], ["password1234", "too common"], ["!!qwertyuiop2026", "too common"]] as const) {
      const r = await web("POST", "/account/activate", { token, password: pw, confirm: pw });
      expect(r.status).toBe(400);
      expect(r.body).toContain(why);
    }
    const set = await web("POST", "/account/activate", { token, password: "Lantern Orchard 42", confirm: "Lantern Orchard 42" });
    expect(set.status).toBe(200);
    expect(set.body).toContain('id="done"');
    expect(await inbox("new.hire@example.com", "Lantern Orchard 42")).toEqual([]);
    // One time only.
    expect((await web("POST", "/account/activate", { token, password: "Another Lantern 43", confirm: "Another Lantern 43" })).status).toBe(403);
    // Changed later, signed in with the current one: the old one stops, the new one logs in over IMAP and submission.
    expect((await web("POST", "/account/password", { address: "new.hire@example.com", current: "wrong wrong wrong", password: "Copper Kettle 7 Bay", confirm: "Copper Kettle 7 Bay" })).status).toBe(403);
    expect((await web("POST", "/account/password", { address: "new.hire@example.com", current: "Lantern Orchard 42", password: "Copper Kettle 7 Bay", confirm: "Copper Kettle 7 Bay" })).status).toBe(200);
    await expect(inbox("new.hire@example.com", "Lantern Orchard 42")).rejects.toThrow();
    expect(await submit("submissions", "new.hire@example.com", "Copper Kettle 7 Bay", { from: "new.hire@example.com", to: ["wu.bo@example.com"], subject: "hello from the new hire" })).toBeNull();
  }, 60_000);

  it.skipIf(!existsSync("/usr/bin/chromium"))("activates an account in Debian's Chromium (headless), over HTTPS with the host's certificate pinned", async () => {
    const { chromium } = await import("playwright-core");
    const link = reset("page.user@example.com");
    const url = new URL(link);
    // Trust exactly the sandbox certificate (its SPKI), and reach the host's name on loopback.
    const spki = createHash("sha256").update(new X509Certificate(sandbox.mailhost!.ca).publicKey.export({ type: "spki", format: "der" })).digest("base64");
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--host-resolver-rules=MAP mail.example.com 127.0.0.1`, `--ignore-certificate-errors-spki-list=${spki}`],
    });
    try {
      const page = await browser.newPage();
      expect((await page.goto(link))!.status()).toBe(200);
      expect(await page.textContent("#address")).toBe("page.user@example.com");
      await page.fill("#password", "Quiet Meadow 2031");
      await page.fill("#confirm", "Quiet Meadow 2031");
      await page.click("#submit");
      expect(await page.textContent("#done")).toContain("page.user@example.com");
      // The change page, signed in with the current password; a wrong one is refused on the page.
      await page.goto(`https://mail.example.com:${url.port}/account/`);
      await page.fill("#address", "page.user@example.com");
      await page.fill("#current", "not the password");
      await page.fill("#password", "Quiet Meadow 2032");
      await page.fill("#confirm", "Quiet Meadow 2032");
      await page.click("#submit");
      expect(await page.textContent("#error")).toBe("the address or the current password is wrong");
    } finally {
      await browser.close();
    }
    expect(await inbox("page.user@example.com", "Quiet Meadow 2031")).toEqual([]);
  }, 60_000);

  it("invalidates the old password at the reset, and lists every change and failed attempt in mailorg logins", async () => {
    expect(await inbox("tiny@example.com", "tiny-secret")).toEqual(expect.any(Array));
    reset("tiny@example.com");
    await expect(inbox("tiny@example.com", "tiny-secret")).rejects.toThrow();
    const r = runCli(["logins", "--sandbox", maildir, "--org", orgDir, "--format", "json"]);
    const events = (JSON.parse(r.stdout) as { address: string; protocol: string; method: string; result: string }[]).filter((e) => e.protocol === "account" && e.address !== "page.user@example.com").map((e) => [e.address, e.method, e.result]);
    expect(events).toEqual([
      ["new.hire@example.com", "reset", "success"],
      ...Array.from({ length: 4 }, () => ["new.hire@example.com", "activation", "failure"]),
      ["new.hire@example.com", "activation", "success"],
      ["-", "activation", "failure"],
      ["new.hire@example.com", "change", "failure"],
      ["new.hire@example.com", "change", "success"],
      ["tiny@example.com", "reset", "success"],
    ]);
  }, 60_000);

  it.skipIf(!have("python3"))("done when: with the password set through her activation link, Python's smtplib (STARTTLS) sends as li.na and imaplib (IMAP4_SSL) reads it in her INBOX; a colleague's address is refused at MAIL FROM", async () => {
    const link = reset("li.na@example.com");
    await expect(inbox("li.na@example.com", "li-na-own-secret")).rejects.toThrow();
    const token = new URL(link).searchParams.get("t")!;
    expect((await web("POST", "/account/activate", { token, password: "Harbour Lights 1987", confirm: "Harbour Lights 1987" })).status).toBe(200);
    // The clients reach 127.0.0.1 and check the certificate against the host's name, as a member's would.
    const script = `
import imaplib, smtplib, socket, ssl, sys, time
from email.message import EmailMessage
ctx = ssl.create_default_context(cafile=sys.argv[1])
user, pw = "li.na@example.com", "Harbour Lights 1987"
s = smtplib.SMTP("127.0.0.1", int(sys.argv[2]))
s._host = "mail.example.com"
s.starttls(context=ctx)
s.login(user, pw)
m = EmailMessage(); m["From"] = user; m["To"] = user; m["Subject"] = "python to myself"; m.set_content("hi")
s.send_message(m)
try:
    m2 = EmailMessage(); m2["From"] = "wu.bo@example.com"; m2["To"] = "hr@example.com"; m2["Subject"] = "as a colleague"; m2.set_content("x")
    s.send_message(m2)
    print("colleague: accepted")
except smtplib.SMTPSenderRefused as e:
    print("colleague:", e.smtp_code, e.smtp_error.decode())
s.quit()
class Imap(imaplib.IMAP4_SSL):
    def _create_socket(self, timeout):
        return ctx.wrap_socket(socket.create_connection((self.host, self.port)), server_hostname="mail.example.com")
for i in range(150):
    c = Imap("127.0.0.1", int(sys.argv[3]), ssl_context=ctx)
    c.login(user, pw); c.select("INBOX")
    typ, data = c.search(None, 'SUBJECT "python to myself"')
    c.logout()
    if data[0]:
        print("inbox: found"); break
    time.sleep(0.3)
else:
    print("inbox: missing")
`;
    // Every client here is 127.0.0.1, the router's relay too: Dovecot's auth penalty from the failed logins above
    // slows its AUTH (up to 15 s), so the message takes a while to come back through SES and the router.
    // Not spawnSync: the sandbox (SES stand-in, router) runs in this process and must keep answering meanwhile.
    const py = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const child = spawn("python3", ["-c", script, join(sandbox.mailhost!.logDir, "..", "tls", "cert.pem"), String(ports.relay), String(ports.imap)], { timeout: 100_000 });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", () => resolve({ stdout, stderr }));
    });
    expect(py.stderr).toBe("");
    expect(py.stdout).toMatch(/^colleague: 554 5\.7\.1 <wu\.bo@example\.com>: Sender address rejected: no statement allows li\.na@example\.com to send as wu\.bo@example\.com \[send-as\]\ninbox: found\n$/);
  }, 120_000);

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
