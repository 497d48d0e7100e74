/**
 * Issue #29: migrating from Google Workspace or Microsoft 365. The old password may be an app password or an
 * OAuth 2.0 access token (XOAUTH2); Gmail's virtual folders (All Mail, Important, Starred) are not copied, so
 * a message is copied once per label folder it really has and not again; the old account is measured against
 * the member's quota before anything is copied.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { planOrg } from "../plan/plan.ts";
import { dovecotUsers, startDovecot, type RunningDovecot } from "../simulate/dovecot.ts";
import { startMailhostSandbox, type RunningMailhost } from "../simulate/mailhost-sandbox.ts";
import { credentialOf, imapcLogin, migrateMailbox, skippedFolders } from "../simulate/migrate.ts";
import { MIGRATE_SCRIPT } from "../mailhost/migrate-script.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";
import { freePort } from "./mail-helpers.ts";

const asRoot = process.getuid?.() === 0;
const GMAIL_SKIP = skippedFolders({ host: "imap.gmail.com", port: 993, tls: true });

describe("credentials and folders", () => {
  it("takes an app password as a password, and xoauth2:TOKEN as an access token for SASL XOAUTH2", () => {
    expect(credentialOf("abcd efgh ijkl mnop")).toEqual({ mechanism: "password", secret: "abcd efgh ijkl mnop" });
    expect(credentialOf("xoauth2:ya29.a0AfH6SM")).toEqual({ mechanism: "xoauth2", secret: "ya29.a0AfH6SM" });
    expect(credentialOf("password:xoauth2:literally")).toEqual({ mechanism: "password", secret: "xoauth2:literally" });
    const entry = (oldPassword: string) => ({ address: "li.na@example.com", oldUser: "li.na@example.com", oldPassword, line: 2 });
    expect(imapcLogin(entry('p"w'))).toEqual(['imapc_user = "li.na@example.com"', 'imapc_password = "p\\"w"']);
    expect(imapcLogin(entry("xoauth2:ya29.token"))).toEqual(['imapc_user = "li.na@example.com"', 'imapc_password = "ya29.token"', "imapc_sasl_mechanisms = xoauth2"]);
  });

  it("Dovecot reads the XOAUTH2 login settings", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailorg-xoauth2-"));
    writeFileSync(join(dir, "imapc.conf"), ["imapc_host = imap.gmail.com", "imapc_port = 993", "imapc_ssl = imaps", ...imapcLogin({ address: "a@example.com", oldUser: "a@example.com", oldPassword: "xoauth2:ya29.token", line: 1 }), ""].join("\n"));
    const r = spawnSync("doveconf", ["-c", join(dir, "imapc.conf"), "-h", "imapc_sasl_mechanisms"], { encoding: "utf8" });
    expect([r.status, r.stdout.trim(), r.stderr]).toEqual([0, "xoauth2", ""]);
  });

  it("skips Gmail's All Mail, Important and Starred (both spellings of the root), and nothing elsewhere", () => {
    expect(GMAIL_SKIP).toEqual(["[Gmail]/All Mail", "[Gmail]/Important", "[Gmail]/Starred", "[Google Mail]/All Mail", "[Google Mail]/Important", "[Google Mail]/Starred"]);
    expect(skippedFolders({ host: "imap.googlemail.com", port: 993, tls: true })).toEqual(GMAIL_SKIP);
    expect(skippedFolders({ host: "outlook.office365.com", port: 993, tls: true })).toEqual([]);
  });
});

describe("the host's migration script decides the same", () => {
  it("reads xoauth2:TOKEN and skips Gmail's virtual folders with either separator", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailorg-migrate-py-"));
    writeFileSync(join(dir, "mailorg_migrate.py"), MIGRATE_SCRIPT);
    const py = (expr: string) => JSON.parse(spawnSync("python3", ["-c", `import sys, json; sys.path.insert(0, ${JSON.stringify(dir)}); import mailorg_migrate as m; print(json.dumps(${expr}))`], { encoding: "utf8" }).stdout) as unknown;
    expect(py('[m.credential("xoauth2:ya29.t"), m.credential("app pw"), m.credential("password:xoauth2:x")]')).toEqual([["xoauth2", "ya29.t"], ["password", "app pw"], ["password", "xoauth2:x"]]);
    expect(py('m.skipped("imap.gmail.com")')).toEqual([...GMAIL_SKIP, ...GMAIL_SKIP.map((f) => f.replace("/", "."))].sort());
    expect(py('m.skipped("127.0.0.1")')).toEqual([]);
  });
});

describe.skipIf(!asRoot)("from a Gmail-like account into the sandbox's mailbox host", () => {
  let host: RunningMailhost;
  let old: RunningDovecot;
  let base: string;
  const ports = { relay: 0, imaps: 0, old: 0 };

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "mailorg-migrate-gmail-"));
    chmodSync(base, 0o755);
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    const r = validateOrg(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
    const plan = planOrg(r.org, r.index!, { today: "2026-06-01" }).mailhost!;
    host = await startMailhostSandbox({ plan, dir: join(base, "mail", "_mailhost"), relay: { host: "127.0.0.1", port: ports.relay }, submissions: { host: "127.0.0.1", port: await freePort() }, imaps: { host: "127.0.0.1", port: ports.imaps }, passwordOf: () => "new-pw" });
    // Gmail over IMAP: the INBOX, a label (Projects), and the virtual folders holding the same messages again.
    const oldMaildir = join(base, "old");
    const put = (folder: string, n: number, subject: string, bytes = 0) => {
      const d = join(oldMaildir, "gmail-user", folder);
      for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(d, sub), { recursive: true });
      writeFileSync(join(d, "cur", `1704103200.${n}.old:2,S`), `From: a@old.example.net\r\nSubject: ${subject}\r\nMessage-ID: <${n}@old>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n${"x".repeat(bytes)}\r\n`);
    };
    put("", 1, "in inbox");
    put(".Projects", 2, "labelled Projects");
    put(".[Gmail].All Mail", 3, "in inbox");
    put(".[Gmail].All Mail", 4, "labelled Projects");
    put(".[Gmail].Important", 5, "in inbox");
    put(".[Gmail].Starred", 6, "labelled Projects");
    put(".[Gmail].Sent Mail", 7, "sent by me");
    // A second account, larger than the member's quota (512 MB in HOST_ORG is far too much to write: use 1 MB).
    const d = join(oldMaildir, "big-user", "cur");
    mkdirSync(d, { recursive: true });
    for (const sub of ["new", "tmp"]) mkdirSync(join(oldMaildir, "big-user", sub), { recursive: true });
    writeFileSync(join(d, "1704103200.9.old:2,S"), `Subject: big\r\n\r\n${"y".repeat(2 * 1024 * 1024)}\r\n`);
    const users = dovecotUsers();
    const own = (p: string): void => {
      chownSync(p, users.mailUid, users.mailGid);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) own(join(p, e));
    };
    own(oldMaildir);
    old = await startDovecot({ host: "127.0.0.1", port: ports.old, maildir: oldMaildir, logins: ["gmail-user", "big-user"], password: "app-password" });
  }, 60_000);
  afterAll(async () => {
    await old?.stop();
    await host?.stop();
  });

  const config = () => join(host.layout.dovecotDir, "dovecot.conf");
  const source = () => ({ host: "127.0.0.1", port: ports.old, tls: false, insecure: true }); // the folders, not TLS (test/migrate.test.ts covers TLS)
  const folders = () => {
    const r = spawnSync("doveadm", ["-c", config(), "mailbox", "status", "-u", "li.na@example.com", "messages", "*"], { encoding: "utf8" });
    return Object.fromEntries(r.stdout.trim().split("\n").map((l) => /^(.*) messages=(\d+)$/.exec(l)!).map((m) => [m[1]!, Number(m[2])])) as Record<string, number>;
  };

  it("copies the INBOX, the label folder and Sent Mail, not All Mail, Important or Starred, and says how much it measured", () => {
    const r = migrateMailbox(config(), source(), { address: "li.na@example.com", oldUser: "gmail-user", oldPassword: "app-password", line: 1 }, { skip: GMAIL_SKIP, quotaMb: 4096 });
    expect(r).toMatchObject({ address: "li.na@example.com", ok: true, before: 0, after: 3 });
    expect(r.sourceBytes).toBeGreaterThan(0);
    const f = folders();
    expect(f.INBOX).toBe(1);
    expect(f.Projects).toBe(1);
    expect(Object.entries(f).filter(([name, n]) => /All Mail|Important|Starred/.test(name) && n > 0)).toEqual([]);
    expect(Object.entries(f).find(([name]) => /Sent Mail/.test(name))?.[1]).toBe(1);
  }, 120_000);

  it("copies nothing into a mailbox whose quota the old account would overflow, and says by how much", () => {
    const r = migrateMailbox(config(), source(), { address: "wu.bo@example.com", oldUser: "big-user", oldPassword: "app-password", line: 2 }, { quotaMb: 1 });
    expect(r).toMatchObject({ address: "wu.bo@example.com", ok: false, before: 0, after: 0 });
    expect(r.error).toBe("the old account holds 2.0 MB, more than the quota of 1 MB: nothing copied; raise quota_mb to at least 1024 first");
  }, 120_000);

  it("the host's own script (SSM on the EC2 host) refuses the same account for the same reason", () => {
    const account = join(base, "account.json");
    writeFileSync(account, JSON.stringify({ from: `imap://127.0.0.1:${ports.old}`, old_user: "big-user", old_password: "app-password", quota_mb: 1, insecure: true }), { mode: 0o600 });
    writeFileSync(join(base, "migrate.py"), MIGRATE_SCRIPT);
    const r = spawnSync("python3", [join(base, "migrate.py"), "--address", "wu.bo@example.com", "--local", account, "--config", config()], { encoding: "utf8" });
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ address: "wu.bo@example.com", ok: false, before: 0, after: 0, error: "the old account holds 2.0 MB, more than the quota of 1 MB: nothing copied; raise quota_mb to at least 1024 first" });
    expect(r.status).toBe(1);
  }, 120_000);
});
