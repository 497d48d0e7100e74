/**
 * Webmail in the sandbox, driven by a real browser (Debian's Chromium, headless, through playwright-core): a
 * member logs in on the organisation's login page, reads a message, moves it to Archive, sets an
 * out-of-office reply and sends a message. Each step is then checked where it lands: over IMAPS (Archive,
 * the recipient's INBOX), and by the reply the host sends to the next outside sender. Screenshots go to
 * MAILORG_SCREENSHOTS (docs/images for docs/mailhost.md), else to a temporary directory.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ImapFlow } from "imapflow";
import { createTransport } from "nodemailer";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { startSandbox, type Sandbox } from "../simulate/sandbox.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";
import { eventually, freePort, inboxSubjects } from "./mail-helpers.ts";

const needed = ["/usr/bin/chromium", "/usr/sbin/nginx", "/usr/sbin/php-fpm8.2", "/var/lib/roundcube/public_html/index.php", "/usr/sbin/postfix", "/usr/lib/dovecot/managesieve"];
const missing = needed.filter((f) => !existsSync(f));
const skip = missing.length ? ` (skipped: ${missing.join(", ")} missing; apt-get install chromium nginx php-fpm roundcube-core roundcube-plugins roundcube-sqlite3 dovecot-managesieved)` : process.getuid?.() !== 0 ? " (skipped: Postfix needs root)" : "";


describe.skipIf(skip !== "")(`webmail in the sandbox, in a real browser${skip}`, () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let page: Page;
  let maildir: string;
  const ports = { smtp: 0, submission: 0, imap: 0, relay: 0, sieve: 0, web: 0 };
  const shots = resolve(process.env.MAILORG_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "mailorg-shots-")));
  const passwords = new Map([["li.na@example.com", "li-na-webmail-pw"], ["wu.bo@example.com", "wu-bo-webmail-pw"]]);

  beforeAll(async () => {
    const { org, index } = validateOrg(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
    const dir = mkdtempSync(join(tmpdir(), "mailorg-webmail-"));
    chmodSync(dir, 0o755);
    maildir = join(dir, "mail");
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    const at = (port: number) => ({ host: "127.0.0.1", port });
    sandbox = await startSandbox({ org: org!, index: index!, today: "2026-06-01", smtp: at(ports.smtp), submission: at(ports.submission), imap: at(ports.imap), mailhostRelay: at(ports.relay), sieve: at(ports.sieve), webmail: at(ports.web), maildir, password: "shared-pw", passwords, log: () => undefined });
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--host-resolver-rules=MAP mail.example.com 127.0.0.1`],
    });
    // The sandbox certificate is self-signed for mail.example.com: trusted here as a member's device trusts the host's.
    page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } })).newPage();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  const url = (path = "") => `https://mail.example.com:${ports.web}/${path}`;
  const mx = (from: string, to: string, subject: string, text: string) => createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true }).sendMail({ from, to, subject, text });
  const imap = (user: string) => new ImapFlow({ host: "127.0.0.1", port: ports.imap, secure: true, tls: { ca: sandbox.mailhost!.ca, servername: "mail.example.com" }, auth: { user, pass: passwords.get(user)! }, logger: false, disableAutoIdle: true });
  async function subjects(user: string, folder: string): Promise<string[]> {
    const c = imap(user);
    await c.connect();
    try {
      const box = await c.mailboxOpen(folder);
      const out: string[] = [];
      if (box.exists > 0) for await (const m of c.fetch("1:*", { envelope: true })) out.push(m.envelope?.subject ?? "");
      return out.sort();
    } finally {
      await c.logout();
    }
  }

  it("shows the organisation's login page and logs a member in with their address and password", async () => {
    await mx("Pat <pat@partner.example.org>", "li.na@example.com", "Quarterly order", "Hello Li Na, here is the quarterly order.");
    await eventually(() => inboxSubjects(imap("li.na@example.com")), (s) => s.length > 0);
    await page.goto(url());
    expect(await page.title()).toBe("Host Co :: Welcome to Host Co");
    await page.screenshot({ path: join(shots, "webmail-login.png") });
    await page.fill("#rcmloginuser", "li.na@example.com");
    await page.fill("#rcmloginpwd", "li-na-webmail-pw");
    await Promise.all([page.waitForURL(/_task=mail/), page.click("#rcmloginsubmit")]);
    expect(await page.title()).toBe("Host Co :: Inbox");
    // Webmail logins are logged like IMAP's.
    expect(readFileSync(join(sandbox.mailhost!.logDir, "roundcube/userlogins.log"), "utf8")).toMatch(/Successful login for li\.na@example\.com .*from 127\.0\.0\.1/);
  });

  it("reads the message and moves it to Archive", async () => {
    await page.locator("#messagelist tr", { hasText: "Quarterly order" }).click();
    const body = page.frameLocator("#messagecontframe").locator("#messagebody");
    await expect.poll(() => body.innerText(), { timeout: 10_000 }).toContain("here is the quarterly order");
    await page.screenshot({ path: join(shots, "webmail-read.png") });
    await page.locator("a.archive").first().click();
    expect(await eventually(() => subjects("li.na@example.com", "Archive"), (s) => s.length > 0)).toEqual(["Quarterly order"]);
    expect(await subjects("li.na@example.com", "INBOX")).toEqual([]);
  });

  it("sets an out-of-office reply, which the host then sends to the next outside sender", async () => {
    await page.goto(url("?_task=settings&_action=plugin.managesieve-vacation"));
    await page.fill("#vacation_subject", "Away until Monday");
    await page.fill("#vacation_reason", "I am out of the office until Monday; for orders write to hr@example.com.");
    await page.selectOption("#vacation_status", "on");
    await page.screenshot({ path: join(shots, "webmail-out-of-office.png") });
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator(".toast, #messagestack").innerText().catch(() => ""), { timeout: 10_000 }).toMatch(/saved/i);
    await mx("Sam <sam@customer.example.org>", "li.na@example.com", "Where is my order?", "Hello?");
    const outbound = join(maildir, "_outbound");
    const reply = await eventually(async () => (existsSync(outbound) ? readdirSync(outbound).filter((f) => f.endsWith(".reply.eml")).map((f) => readFileSync(join(outbound, f), "utf8")) : []), (r) => r.length > 0);
    expect(reply).toHaveLength(1);
    expect(reply[0]).toMatch(/^X-Mailorg-Sandbox-Rcpt-To: sam@customer\.example\.org\r?$/m);
    expect(reply[0]).toMatch(/^Subject: Away until Monday\r?$/m);
  });

  it("writes and sends a message through the host's submission with the member's own account; the colleague reads it over IMAPS, and a copy is in Sent", async () => {
    await page.goto(url("?_task=mail&_action=compose"));
    await page.locator("#compose_to input, .recipient-input input").first().fill("wu.bo@example.com");
    await page.fill("#compose-subject", "Order archived");
    await page.fill("#composebody", "Wu Bo, the quarterly order is in my Archive folder.");
    await page.screenshot({ path: join(shots, "webmail-compose.png") });
    await page.locator("button.send, a.send").first().click();
    expect(await eventually(() => subjects("wu.bo@example.com", "INBOX"), (s) => s.includes("Order archived"))).toContain("Order archived");
    expect(await eventually(() => subjects("li.na@example.com", "Sent"), (s) => s.length > 0)).toEqual(["Order archived"]);
  });

  it("changes the member's password in webmail, through the host's account service: the new one logs in over IMAPS, the old one no longer", async () => {
    // After sending, Roundcube leaves the compose page by itself: a navigation started meanwhile is aborted (net::ERR_ABORTED).
    // Let that one finish, and go again if ours was the one aborted.
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await page.goto(url("?_task=settings&_action=plugin.password")).catch(async (e: Error) => {
      if (!/ERR_ABORTED|interrupted by another navigation/.test(e.message)) throw e;
      await page.waitForLoadState("networkidle").catch(() => undefined);
      await page.goto(url("?_task=settings&_action=plugin.password"));
    });
    await page.fill("#curpasswd", "li-na-webmail-pw");
    await page.fill("#newpasswd", "a-new-Quarterly-passphrase-7");
    await page.fill("#confpasswd", "a-new-Quarterly-passphrase-7");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator(".toast, #messagestack").innerText().catch(() => ""), { timeout: 10_000 }).toMatch(/successfully/i);
    passwords.set("li.na@example.com", "a-new-Quarterly-passphrase-7");
    expect(await subjects("li.na@example.com", "Archive")).toEqual(["Quarterly order"]);
    passwords.set("li.na@example.com", "li-na-webmail-pw");
    await expect(subjects("li.na@example.com", "INBOX")).rejects.toThrow();
  });
});
