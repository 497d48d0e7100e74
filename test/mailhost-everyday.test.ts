/**
 * Members' everyday mail on the mailbox host, in the sandbox with the host's own files: the router's junk
 * filed into Junk by the global Sieve script, the standard folders, ManageSieve and vacation (once per sender,
 * never to lists, bounces or junk), the org's auto-reply, and the welcome letter delivered once by the host's
 * own sync script. Read with real clients over IMAPS and ManageSieve.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import bcrypt from "bcryptjs";
import { configFiles, configObject } from "../mailhost/files.ts";
import { SYNC_SCRIPT } from "../mailhost/sync-script.ts";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planOrg } from "../plan/plan.ts";
import { validateOrg } from "../model/validate.ts";
import { startSandbox, type Sandbox } from "../simulate/sandbox.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";
import { eventually, freePort, inboxSubjects, manageSieve, putScript, sandboxClients, syncDirArgs } from "./mail-helpers.ts";

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

describe.skipIf(skip !== "")(`everyday mail on the sandbox's mailbox host${skip}`, () => {
  let sandbox: Sandbox;
  let maildir: string;
  const ports = { smtp: 0, submission: 0, imap: 0, relay: 0, sieve: 0 };
  const lines: string[] = [];
  const PW = "everyday-own-secret";
  const passwords = new Map([
    ["wu.bo@example.com", PW],
    ["new.hire@example.com", PW],
    ["li.na@example.com", "li-na-own-secret"],
    ["tiny@example.com", "tiny-secret"],
  ]);

  beforeAll(async () => {
    const { org, index } = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
    const dir = mkdtempSync(join(tmpdir(), "mailorg-everyday-"));
    chmodSync(dir, 0o755); // Postfix and Dovecot run as their own users and must be able to enter it
    maildir = join(dir, "mail");
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    const at = (port: number) => ({ host: "127.0.0.1", port });
    sandbox = await startSandbox({ org: org!, index: index!, today: "2026-06-01", smtp: at(ports.smtp), submission: at(ports.submission), imap: at(ports.imap), mailhostRelay: at(ports.relay), sieve: at(ports.sieve), maildir, password: "shared-pw", passwords, log: (l) => lines.push(l) });
  }, 60_000);
  afterAll(async () => sandbox?.close());

  // Outside mail into the simulated MX; the host's mailboxes over IMAPS with the sandbox certificate.
  const { mx, imap, inbox } = sandboxClients(ports, () => sandbox.mailhost!.ca);

  it("files the router's junk (a forged colleague: DMARC fails on the org's own domain) into Junk, over IMAPS; every mailbox has the special-use folders", async () => {
    expect(await mx("Li Na <li.na@example.com>", ["wu.bo@example.com"], "urgent wire transfer")).toBeNull();
    expect(await mx("Pat <pat@partner.example.org>", ["wu.bo@example.com"], "honest mail")).toBeNull();
    const client = imap("wu.bo@example.com", PW);
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
    const said = await manageSieve(sandbox.mailhost!.sieve, tlsOpts, "wu.bo@example.com", PW, [putScript("away", script), 'SETACTIVE "away"', "LISTSCRIPTS"]);
    expect(said[0]).toMatch(/"SIEVE" ".*vacation.*"/);
    expect(said.at(-1)).toMatch(/^"away" ACTIVE\r\n/);
    expect(await mx("Pat <pat@partner.example.org>", ["wu.bo@example.com"], "question 1")).toBeNull();
    expect(await mx("Pat <pat@partner.example.org>", ["wu.bo@example.com"], "question 2")).toBeNull();
    const list = createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true });
    expect(await list.sendMail({ from: "news@lists.example.org", to: "wu.bo@example.com", subject: "newsletter", text: "x", headers: { "List-Id": "<news.lists.example.org>" } }).then(() => null)).toBeNull();
    expect(await list.sendMail({ envelope: { from: "", to: "wu.bo@example.com" }, from: "MAILER-DAEMON@partner.example.org", to: "wu.bo@example.com", subject: "Undelivered Mail Returned to Sender", text: "x" }).then(() => null)).toBeNull();
    expect(await mx("Li Na <li.na@example.com>", ["wu.bo@example.com"], "forged again")).toBeNull();
    const all = await eventually(async () => inboxSubjects(imap("wu.bo@example.com", PW)), (s) => s.length >= 5);
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
    const layout = { ...sandbox.mailhost!.layout, postfixDir: join(root, "postfix"), dovecotDir: join(root, "dovecot"), nginxDir: join(root, "nginx"), wwwDir: join(root, "www"), roundcubeConfigDir: join(root, "roundcube"), mailorgDir: join(root, "mailorg") };
    for (const d of [layout.postfixDir, layout.dovecotDir, layout.nginxDir, layout.wwwDir, layout.roundcubeConfigDir, layout.mailorgDir]) mkdirSync(d, { recursive: true });
    const object = JSON.parse(configObject(plan)) as { files: Record<string, string> };
    object.files = configFiles(plan, layout);
    writeFileSync(join(root, "object.json"), JSON.stringify(object));
    writeFileSync(join(root, "passwd"), "");
    writeFileSync(join(root, "relay"), `mailorg-router:{BLF-CRYPT}${bcrypt.hashSync("x", 4)}`);
    writeFileSync(join(root, "sync.py"), SYNC_SCRIPT);
    const sync = (...extra: string[]) =>
      spawnSync("python3", [join(root, "sync.py"), "--local", join(root, "object.json"), "--passwd", join(root, "passwd"), "--relay", join(root, "relay"), ...syncDirArgs(layout, { mailorgDir: join(root, "mailorg") }), "--state-dir", join(root, "state"), "--doveadm-conf", join(sandbox.mailhost!.layout.dovecotDir, "dovecot.conf"), "--no-reload", ...extra], { encoding: "utf8" });
    mkdirSync(join(root, "state"));
    // A run delivers at most --welcome-per-run letters; the rest wait for the next run (here: none this run).
    const capped = sync("--welcome-per-run", "0");
    expect(capped.stderr).toContain("installed configuration local");
    // Every member with no mailbox yet is new at a first sync (how many depends on the tests before this one).
    const waiting = Number(/mailorg-sync: (\d+) welcome letter\(s\) left for the next sync\n/.exec(capped.stderr)?.[1]);
    expect(waiting).toBeGreaterThanOrEqual(1);
    expect(capped.status).toBe(0);
    expect(await inbox("new.hire@example.com", PW)).toEqual([]);
    const first = sync();
    expect(first.stderr).toContain(`mailorg-sync: delivered ${waiting} welcome letter(s)\n`);
    expect(first.stderr).not.toContain("left for the next sync");
    expect(first.status).toBe(0);
    // A changed configuration, so that the second sync installs again rather than finding nothing new.
    object.files["postfix/vmailbox"] += "# changed\n";
    writeFileSync(join(root, "object.json"), JSON.stringify(object));
    const second = sync();
    expect(second.status).toBe(0);
    expect(second.stderr).toContain("installed configuration local");
    expect(second.stderr).not.toContain("welcome letter");
    expect(await inbox("new.hire@example.com", PW)).toEqual(["Welcome to Host Co, New Hire"]);
    expect(await inbox("li.na@example.com", "li-na-own-secret")).not.toContain("Welcome to Host Co, Li Na");
    const client = imap("new.hire@example.com", PW);
    await client.connect();
    await client.mailboxOpen("INBOX");
    const msg = await client.fetchOne("1", { source: true });
    await client.logout();
    const raw = msg ? msg.source!.toString() : "";
    expect(raw).toMatch(/^From: postmaster@example\.com\r?$/m);
    expect(raw).toContain("Read your mail at https://mail.example.com/ as new.hire@example.com.");
    expect(raw).toContain("<p>Welcome, New Hire &amp; colleagues</p>");
  });

});
