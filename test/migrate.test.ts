/**
 * Migration from an old IMAP server (a second, local Dovecot filled with fixture mail) into the sandbox's mailbox
 * host with doveadm sync over imapc: folders, flags and dates kept; a second run copies nothing new; a member
 * whose old password fails is named and the others go on.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { DeleteParameterCommand, ListCommandInvocationsCommand, PutParameterCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATE_SCRIPT } from "../mailhost/migrate-script.ts";
import { migrateOnHost } from "../mailhost/migrate-remote.ts";
import { validateOrg } from "../model/validate.ts";
import { planOrg } from "../plan/plan.ts";
import { dovecotUsers, startDovecot, type RunningDovecot } from "../simulate/dovecot.ts";
import { startMailhostSandbox, type RunningMailhost } from "../simulate/mailhost-sandbox.ts";
import { migrateMailbox, parseMigrationMap, parseSource } from "../simulate/migrate.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { runCli, writeOrg } from "./helpers.ts";
import { freePort } from "./mail-helpers.ts";

const asRoot = process.getuid?.() === 0;

describe("the migration map and source", () => {
  it("reads address,old_username,old_password lines (header skipped, passwords may hold commas) and names bad lines", () => {
    expect(parseMigrationMap("address,old_username,old_password\nLi.Na@example.com,lina,p,w\n\nbad line\n")).toEqual({
      entries: [{ address: "li.na@example.com", oldUser: "lina", oldPassword: "p,w", line: 2 }],
      errors: ["line 4: expected address,old_username,old_password"],
    });
    expect([parseSource("imaps://old.example.net"), parseSource("imap://127.0.0.1:1143"), parseSource("pop3://x")]).toEqual([{ host: "old.example.net", port: 993, tls: true }, { host: "127.0.0.1", port: 1143, tls: false }, undefined]);
  });
});

describe.skipIf(!asRoot)("migration into the sandbox's mailbox host", () => {
  let host: RunningMailhost;
  let old: RunningDovecot;
  let plain: RunningDovecot;
  const ports = { relay: 0, submissions: 0, imaps: 0, old: 0, oldTls: 0, plain: 0 };
  let ca: string;
  let oldMaildir: string;
  let base: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "mailorg-migrate-test-"));
    chmodSync(base, 0o755);
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    const r = validateOrg(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
    const plan = planOrg(r.org, r.index!, { today: "2026-06-01" }).mailhost!;
    host = await startMailhostSandbox({ plan, dir: join(base, "mail", "_mailhost"), relay: { host: "127.0.0.1", port: ports.relay }, submissions: { host: "127.0.0.1", port: ports.submissions }, imaps: { host: "127.0.0.1", port: ports.imaps }, passwordOf: () => "new-pw" });
    // The old server: fixture mail for two accounts, an INBOX and a Projects folder, seen and unseen, dated 2024.
    oldMaildir = join(base, "old");
    const message = (subject: string) => `From: a@old.example.net\r\nTo: x@old.example.net\r\nSubject: ${subject}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}@old>\r\n\r\n${subject} body\r\n`;
    const put = (login: string, folder: string, file: string, subject: string) => {
      const d = join(oldMaildir, login, folder);
      for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(d, sub), { recursive: true });
      const p = join(d, "cur", file);
      writeFileSync(p, message(subject));
      utimesSync(p, new Date("2024-01-01T10:00:00Z"), new Date("2024-01-01T10:00:00Z"));
    };
    put("lina-old", "", "1704103200.1.old:2,S", "old seen");
    put("lina-old", "", "1704103200.2.old:2,", "old unseen");
    put("lina-old", ".Projects", "1704103200.3.old:2,F", "old flagged project");
    put("wubo-old", "", "1704103200.4.old:2,S", "wu old");
    // As root, the old Dovecot reads and indexes the Maildirs as its mail user.
    const users = dovecotUsers();
    const own = (p: string): void => {
      chownSync(p, users.mailUid, users.mailGid);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) own(join(p, e));
    };
    put("kept-old", "", "1704103200.5.old:2,S", "kept old");
    own(oldMaildir);
    // The old server's certificate, for the name "localhost", from a CA the test makes (and trusts where it says so).
    const tls = join(base, "tls");
    mkdirSync(tls);
    ca = join(tls, "ca.pem");
    const ssl = (...args: string[]) => expect(spawnSync("openssl", args, { encoding: "utf8" }).status).toBe(0);
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mailorg test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign", "-keyout", join(tls, "ca.key"), "-out", ca);
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", join(tls, "old.key"), "-out", join(tls, "old.csr"));
    writeFileSync(join(tls, "ext"), "subjectAltName=DNS:localhost\n");
    ssl("x509", "-req", "-in", join(tls, "old.csr"), "-CA", ca, "-CAkey", join(tls, "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", join(tls, "ext"), "-out", join(tls, "old.pem"));
    old = await startDovecot({ host: "127.0.0.1", port: ports.old, maildir: oldMaildir, logins: ["lina-old", "wubo-old", "kept-old"], password: "old-pw", tls: { cert: join(tls, "old.pem"), key: join(tls, "old.key"), imapsPort: ports.oldTls } });
    // An old server without TLS at all.
    plain = await startDovecot({ host: "127.0.0.1", port: ports.plain, maildir: oldMaildir, logins: ["wubo-old"], password: "old-pw" });
  }, 60_000);
  afterAll(async () => {
    await old?.stop();
    await plain?.stop();
    await host?.stop();
  });

  const folders = async (user: string) => {
    const c = new ImapFlow({ host: "127.0.0.1", port: ports.imaps, secure: true, tls: { ca: host.ca, servername: "mail.example.com" }, auth: { user, pass: "new-pw" }, logger: false, disableAutoIdle: true });
    await c.connect();
    try {
      const out: Record<string, { subject: string; flags: string[]; date: string }[]> = {};
      for (const box of await c.list()) {
        const lock = await c.getMailboxLock(box.path);
        try {
          out[box.path] = [];
          if ((c.mailbox as { exists: number }).exists === 0) continue;
          for await (const m of c.fetch("1:*", { envelope: true, flags: true, internalDate: true })) {
            out[box.path]!.push({ subject: m.envelope?.subject ?? "", flags: [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort(), date: new Date(m.internalDate as Date).toISOString() });
          }
          out[box.path]!.sort((a, b) => (a.subject < b.subject ? -1 : 1));
        } finally {
          lock.release();
        }
      }
      return out;
    } finally {
      await c.logout();
    }
  };

  it("copies folders, flags and dates; a second run copies nothing new; a wrong old password is named and the others go on", () => {
    const config = join(host.layout.dovecotDir, "dovecot.conf");
    // imap:// is STARTTLS, verified against the CA and the name.
    const source = { host: "localhost", port: ports.old, tls: false };
    const first = migrateMailbox(config, source, { address: "li.na@example.com", oldUser: "lina-old", oldPassword: "old-pw", line: 1 }, { caFile: ca });
    expect(first).toEqual({ address: "li.na@example.com", ok: true, before: 0, after: 3 });
    const again = migrateMailbox(config, source, { address: "li.na@example.com", oldUser: "lina-old", oldPassword: "old-pw", line: 1 }, { caFile: ca });
    expect(again).toEqual({ address: "li.na@example.com", ok: true, before: 3, after: 3 });
    const wrong = migrateMailbox(config, source, { address: "wu.bo@example.com", oldUser: "wubo-old", oldPassword: "nope", line: 2 }, { caFile: ca });
    expect(wrong).toMatchObject({ address: "wu.bo@example.com", ok: false, after: 0 });
    expect(wrong.error).toMatch(/auth|login|password/i);
  }, 120_000);

  it("keeps what the old server had, as it had it", async () => {
    expect(await folders("li.na@example.com")).toEqual({
      INBOX: [
        { subject: "old seen", flags: ["\\Seen"], date: "2024-01-01T10:00:00.000Z" },
        { subject: "old unseen", flags: [], date: "2024-01-01T10:00:00.000Z" },
      ],
      Projects: [{ subject: "old flagged project", flags: ["\\Flagged"], date: "2024-01-01T10:00:00.000Z" }],
      // The host's standard folders, created in every mailbox (empty: the old server had none of them).
      Archive: [],
      Drafts: [],
      Junk: [],
      Sent: [],
      Trash: [],
    });
  });

  it("mailorg migrate shows progress per member, names the one whose old password fails, and exits 1", () => {
    const map = join(base, "map.csv");
    writeFileSync(map, "address,old_username,old_password\nli.na@example.com,lina-old,old-pw\nwu.bo@example.com,wubo-old,nope\n");
    const r = runCli(["migrate", "--org", writeOrg({ "org.yaml": HOST_ORG }), "--from", `imap://localhost:${ports.old}`, "--ca-file", ca, "--map", map, "--sandbox", join(base, "mail")], { timeoutMs: 120_000 });
    expect(r.stdout).toMatch(/^\[1\/2\] li\.na@example\.com: done, 0 new messages \(3 in the mailbox; 0\.0 MB at the old server, quota 4096 MB\)\n\[2\/2\] wu\.bo@example\.com: failed: .*\n1 of 2 accounts migrated\n$/);
    expect(r.status).toBe(1);
  }, 120_000);

  it("the host's own migration script (run by SSM on the EC2 host) does the same from its account file", () => {
    const account = join(base, "account.json");
    writeFileSync(join(base, "migrate.py"), MIGRATE_SCRIPT);
    const script = (from: string, extra: Record<string, unknown> = {}, caFile = ca) => {
      writeFileSync(account, JSON.stringify({ from, old_user: "wubo-old", old_password: "old-pw", ...extra }), { mode: 0o600 });
      const r = spawnSync("python3", [join(base, "migrate.py"), "--address", "wu.bo@example.com", "--local", account, "--config", join(host.layout.dovecotDir, "dovecot.conf"), "--ca-file", caFile], { encoding: "utf8" });
      return { status: r.status, result: JSON.parse(r.stdout.trim()) as { ok: boolean; error?: string; after: number } };
    };
    // Debian's bundle does not hold the test's CA: refused, and the error says why (not "wrong password").
    const untrusted = script(`imaps://localhost:${ports.oldTls}`, {}, "/etc/ssl/certs/ca-certificates.crt");
    expect(untrusted.result).toMatchObject({ ok: false, after: 0 });
    expect(untrusted.result.error).toMatch(/certificate|SSL/i);
    expect(script(`imap://localhost:${ports.plain}`).result).toMatchObject({ ok: false, after: 0, error: expect.stringMatching(/STARTTLS/i) });
    const r = script(`imaps://localhost:${ports.oldTls}`);
    expect(r.result).toEqual({ address: "wu.bo@example.com", ok: true, before: 0, after: 1 });
    expect(r.status).toBe(0);
    // Clear text only when asked.
    expect(script(`imap://localhost:${ports.plain}`, { insecure: true }).result).toMatchObject({ ok: true, after: 1 });
  }, 120_000);

  it("migrates over imaps:// against the CA it trusts, refuses an untrusted certificate and a server without STARTTLS, and takes clear text only with --insecure", () => {
    const config = join(host.layout.dovecotDir, "dovecot.conf");
    const entry = { address: "kept@example.com", oldUser: "kept-old", oldPassword: "old-pw", line: 1 };
    const untrusted = migrateMailbox(config, { host: "localhost", port: ports.oldTls, tls: true }, entry);
    expect(untrusted).toMatchObject({ ok: false, after: 0 });
    expect(untrusted.error).toMatch(/certificate|SSL/i);
    expect(untrusted.error).not.toMatch(/password/i);
    // A name the certificate does not carry.
    expect(migrateMailbox(config, { host: "127.0.0.1", port: ports.oldTls, tls: true }, entry, { caFile: ca })).toMatchObject({ ok: false, after: 0 });
    const noStarttls = migrateMailbox(config, { host: "localhost", port: ports.plain, tls: false }, { ...entry, oldUser: "wubo-old" }, { caFile: ca });
    expect(noStarttls).toMatchObject({ ok: false, after: 0, error: expect.stringMatching(/STARTTLS/i) });
    expect(migrateMailbox(config, { host: "localhost", port: ports.oldTls, tls: true }, entry, { caFile: ca })).toEqual({ address: "kept@example.com", ok: true, before: 0, after: 1 });
    writeFileSync(join(base, "plain.csv"), "hr@example.com,wubo-old,old-pw\n");
    const clear = runCli(["migrate", "--org", writeOrg({ "org.yaml": HOST_ORG }), "--from", `imap://localhost:${ports.plain}`, "--insecure", "--map", join(base, "plain.csv"), "--sandbox", join(base, "mail")], { timeoutMs: 120_000 });
    expect(clear.stdout).toBe("[1/1] hr@example.com: done, 1 new message (1 in the mailbox; 0.0 MB at the old server, quota 512 MB)\n1 of 1 accounts migrated\n");
  }, 120_000);
});

describe("migration on the EC2 host through SSM Run Command (mocked SSM)", () => {
  const host = () => {
    const r = validateOrg(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
    return planOrg(r.org, r.index!, { today: "2026-06-01" }).mailhost!;
  };
  it("leaves the old account in a SecureString for the host, runs the host's script by tag, reads its result, and deletes the parameter", async () => {
    const ssm = mockClient(SSMClient);
    ssm.on(PutParameterCommand).resolves({});
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c-1" } });
    ssm.on(ListCommandInvocationsCommand)
      .resolvesOnce({ CommandInvocations: [{ Status: "InProgress" }] })
      .resolves({ CommandInvocations: [{ Status: "Success", CommandPlugins: [{ Output: 'log line\n{"address": "li.na@example.com", "ok": true, "before": 0, "after": 42}\n' }] }] });
    ssm.on(DeleteParameterCommand).resolves({});
    const r = await migrateOnHost(new SSMClient({ region: "eu-west-1" }), host(), "imaps://old.example.net", { address: "li.na@example.com", oldUser: "lina", oldPassword: "s3cret'pw" }, { pollMs: 1 });
    expect(r).toEqual({ address: "li.na@example.com", ok: true, before: 0, after: 42 });
    const put = ssm.commandCalls(PutParameterCommand)[0]!.args[0].input;
    expect(put).toEqual({ Name: "/host-co/mailhost/migrate/li.na_40example.com", Type: "SecureString", Overwrite: true, Value: JSON.stringify({ from: "imaps://old.example.net", old_user: "lina", old_password: "s3cret'pw" }) });
    const sent = ssm.commandCalls(SendCommandCommand)[0]!.args[0].input;
    expect(sent.Targets).toEqual([{ Key: "tag:Name", Values: ["host-co-mailhost"] }]);
    expect(sent.Parameters!.commands).toEqual(["/usr/local/sbin/mailorg-migrate --address 'li.na@example.com' --parameter '/host-co/mailhost/migrate/li.na_40example.com'"]);
    expect(JSON.stringify(sent)).not.toContain("s3cret");
    expect(ssm.commandCalls(DeleteParameterCommand).map((c) => c.args[0].input.Name)).toEqual(["/host-co/mailhost/migrate/li.na_40example.com"]);
    // --insecure reaches the host's script in the account, never on the command line.
    await migrateOnHost(new SSMClient({ region: "eu-west-1" }), host(), "imap://old.example.net", { address: "li.na@example.com", oldUser: "lina", oldPassword: "pw" }, { pollMs: 1, insecure: true });
    expect(JSON.parse(ssm.commandCalls(PutParameterCommand)[1]!.args[0].input.Value!)).toEqual({ from: "imap://old.example.net", old_user: "lina", old_password: "pw", insecure: true });
    ssm.restore();
  });
  it("names a member whose command failed, and gives up on a host that never answers", async () => {
    const ssm = mockClient(SSMClient);
    ssm.on(PutParameterCommand).resolves({});
    ssm.on(DeleteParameterCommand).rejects(Object.assign(new Error("parameter not found"), { name: "ParameterNotFound" }));
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c-2" } });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [{ Status: "Failed", CommandPlugins: [{ Output: '{"address": "wu.bo@example.com", "ok": false, "before": 0, "after": 0, "error": "Authentication failed"}' }] }] });
    const failed = await migrateOnHost(new SSMClient({ region: "eu-west-1" }), host(), "imaps://old.example.net", { address: "wu.bo@example.com", oldUser: "w", oldPassword: "x" }, { pollMs: 1 });
    expect(failed).toMatchObject({ ok: false, error: "Authentication failed" });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [{ Status: "Pending" }] });
    const silent = await migrateOnHost(new SSMClient({ region: "eu-west-1" }), host(), "imaps://old.example.net", { address: "wu.bo@example.com", oldUser: "w", oldPassword: "x" }, { pollMs: 1, maxPolls: 3 });
    expect(silent).toMatchObject({ ok: false, error: expect.stringMatching(/^no answer from the host within .* \(command c-2\)$/) });
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(2);
    ssm.restore();
  });
});
