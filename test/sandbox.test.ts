/**
 * `mailorg sandbox` end to end with real peers: nodemailer sends over SMTP (the MX) and submission, imapflow
 * reads back from a real Dovecot over the Maildirs. Needs Dovecot (Debian's dovecot-imapd, installed by
 * .ci/run); skipped with that reason only when the binary is missing.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { createTransport } from "nodemailer";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { forwardKey } from "../runtime/delivery/deliver.ts";
import { forwardedCopy } from "../runtime/delivery/message.ts";
import { findDovecot } from "../simulate/dovecot.ts";
import { SandboxError, startSandbox, type Sandbox, type SandboxOptions } from "../simulate/sandbox.ts";
import { ROOT, runCli, startCli, writeOrg } from "./helpers.ts";
import { freePort, inboxSubjects } from "./mail-helpers.ts";

const ORG = `organisation: { name: Sandbox Co, region: eu-west-1, default_department: hq, catch_all: lost@example.com, max_message_size_mb: 1 }
domains: [{ name: example.com }, { name: example.info, receive: false, dmarc: { policy: reject } }]
departments: [{ id: hq, name: HQ }, { id: sales, name: Sales, parent: hq }]
members:
  - { address: ann@example.com, name: Ann, aliases: [a@example.com], departments: [sales] }
  - { address: bob@example.com, name: Bob, blocked_senders: [nuisance.example.org] }
  - { address: cid@example.com, name: Cid, status: departed, forward_to: [bob@example.com] }
  - { address: dee@example.com, name: Dee, internal_only: true }
  - { address: eve@example.com, name: Eve, forward: { to: [eve@home.example.net] } }
  - { address: fay@example.com, name: Fay, forward: { to: [fay@home.example.net], keep_copy: false } }
mailboxes:
  - { address: lost@example.com, name: Lost }
  - { address: archive@example.com, name: Archive, delegates: [{ member: bob@example.com, until: "2026-05-31" }] }
groups:
  - { address: sales@example.com, name: Sales, members: ["department:sales"], senders: anyone }
  - { address: staff@example.com, name: Staff, members: [ann@example.com, bob@example.com] }
ip_ranges:
  office: [192.0.2.0/24]
sending:
  allowed_ip_ranges: [office]
inbound:
  blocked: [spam.example.org, 203.0.113.0/24]
backups:
  - { name: partner, to: archive@example.com, match: { senders: [partner.example.org] } }
`;

const DOVECOT = findDovecot();
const PASSWORD = "sandbox-pw";

/** Options for an in-process sandbox on fresh loopback ports over a new Maildir. */
async function sandboxOptions(org: string, extra: Partial<SandboxOptions> = {}): Promise<SandboxOptions> {
  const { org: o, index } = validateOrg(org, { today: "2026-06-01" });
  const dir = mkdtempSync(join(tmpdir(), "mailorg-sandbox-"));
  chmodSync(dir, 0o755); // as root (CI), Dovecot's mail user must be able to enter it
  return {
    org: o,
    index: index!,
    today: "2026-06-01",
    smtp: { host: "127.0.0.1", port: await freePort() },
    submission: { host: "127.0.0.1", port: await freePort() },
    imap: { host: "127.0.0.1", port: await freePort() },
    maildir: join(dir, "mail"),
    password: PASSWORD,
    clientIp: "192.0.2.7", // the office: submission is allowed from here
    log: () => undefined,
    ...extra,
  };
}

type SmtpError = Error & { responseCode?: number };
const failure = (p: Promise<unknown>): Promise<SmtpError | null> => p.then(() => null, (e: SmtpError) => e);

describe.skipIf(!DOVECOT)(`sandbox with real SMTP and Dovecot IMAP${DOVECOT ? "" : " (skipped: dovecot is not installed; apt-get install dovecot-imapd)"}`, () => {
  let sandbox: Sandbox;
  let opts: SandboxOptions;
  let maildir: string;
  const ports = { smtp: 0, submission: 0, imap: 0 };
  const lines: string[] = [];

  beforeAll(async () => {
    opts = await sandboxOptions(writeOrg({ "org.yaml": ORG }), { log: (l) => lines.push(l), authPenalty: { delayMs: 1, maxDelayMs: 1, lockoutAfter: 1000, lockoutMs: 1 } });
    ({ smtp: { port: ports.smtp }, submission: { port: ports.submission }, imap: { port: ports.imap } } = opts);
    maildir = opts.maildir;
    sandbox = await startSandbox(opts);
  });
  afterAll(async () => sandbox?.close());

  /** Sends over the MX as an outside server would; resolves to the SMTP error, if any. */
  const mx = (from: string, to: string[], subject: string, extra: { text?: string; envelopeFrom?: string; raw?: string | Buffer } = {}) =>
    failure(
      createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true }).sendMail(
        extra.raw !== undefined ? { envelope: { from: extra.envelopeFrom ?? from, to }, raw: extra.raw } : { from, to, subject, text: extra.text ?? "hello", envelope: { from: extra.envelopeFrom ?? from, to } },
      ),
    );

  const submit = (user: string, from: string, to: string[], subject: string, pass = PASSWORD, extra: { raw?: string; envelopeFrom?: string; port?: number } = {}) =>
    failure(
      createTransport({ host: "127.0.0.1", port: extra.port ?? ports.submission, secure: false, ignoreTLS: true, auth: { user, pass } }).sendMail(
        extra.raw !== undefined ? { envelope: { from: extra.envelopeFrom ?? from, to }, raw: extra.raw } : { from, to, subject, text: "internal note", ...(extra.envelopeFrom ? { envelope: { from: extra.envelopeFrom, to } } : {}) },
      ),
    );

  /** Subjects in a login's folder (INBOX by default), read over IMAP from Dovecot. */
  async function inbox(user: string, folder = "INBOX", imapPort = ports.imap): Promise<string[]> {
    const client = new ImapFlow({ host: "127.0.0.1", port: imapPort, secure: false, auth: { user, pass: PASSWORD }, logger: false, disableAutoIdle: true });
    await client.connect();
    try {
      const box = await client.mailboxOpen(folder).catch(() => undefined);
      if (!box || box.exists === 0) return [];
      const out: string[] = [];
      for await (const m of client.fetch("1:*", { envelope: true })) out.push(m.envelope?.subject ?? "");
      return out.sort();
    } finally {
      await client.logout();
    }
  }

  const outbound = (kind: string) => (existsSync(join(maildir, "_outbound")) ? readdirSync(join(maildir, "_outbound")).filter((f) => f.endsWith(`.${kind}.eml`)).map((f) => readFileSync(join(maildir, "_outbound", f), "utf8")) : []);

  it("delivers through aliases and groups once per person, with the backup copy, readable over IMAP", async () => {
    expect(await mx("Pat <pat@partner.example.org>", ["a@example.com", "sales@example.com"], "order 1")).toBeNull();
    expect(await inbox("ann@example.com")).toEqual(["order 1"]);
    expect(await inbox("archive@example.com")).toEqual(["order 1"]);
    // Dovecot has moved it from new/ to cur/ (it was seen): read the file itself.
    const cur = join(maildir, "ann@example.com/cur");
    const raw = readFileSync(join(cur, readdirSync(cur)[0]!), "utf8");
    expect(raw).toMatch(/^Return-Path: <pat@partner\.example\.org>\r\nDelivered-To: ann@example\.com\r\n/);
  });

  it("sends unknown addresses to the catch-all and a departed member's mail to forward_to", async () => {
    expect(await mx("x@elsewhere.example.net", ["nobody@example.com"], "lost 1")).toBeNull();
    expect(await mx("x@elsewhere.example.net", ["cid@example.com"], "for cid")).toBeNull();
    expect(await inbox("lost@example.com")).toEqual(["lost 1"]);
    expect(await inbox("bob@example.com")).toContain("for cid");
  });

  it("refuses at RCPT what SES would refuse, and enforces the size limit with 552", async () => {
    const other = await mx("x@elsewhere.example.net", ["y@not-ours.example.org"], "x");
    expect(other).toMatchObject({ responseCode: 550 });
    expect(other!.message).toMatch(/not a receiving domain/);
    const big = await mx("x@elsewhere.example.net", ["bob@example.com"], "too big", { text: "x".repeat(1_200_000) });
    expect(big).toMatchObject({ responseCode: 552 });
    expect(await inbox("bob@example.com")).not.toContain("too big");
  });

  it("follows RFC 5321: 100 recipients accepted, the 101st answered 452; a text line over 1000 octets refused", async () => {
    const to = Array.from({ length: 101 }, (_, i) => `r${i}@example.com`);
    const info = await createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true }).sendMail({ from: "x@elsewhere.example.net", to, subject: "many", text: "x" });
    expect(info.accepted).toHaveLength(100);
    expect(info.rejected).toEqual(["r100@example.com"]);
    expect((info.rejectedErrors?.[0] as SmtpError | undefined)?.responseCode).toBe(452);
    const long = await mx("x@elsewhere.example.net", ["bob@example.com"], "", { raw: `From: x@elsewhere.example.net\r\nSubject: long line\r\n\r\n${"y".repeat(1200)}\r\n` });
    expect(long).toMatchObject({ responseCode: 550 });
    expect(long!.message).toMatch(/5\.6\.0 line 4 of the message is longer than 1000 octets/);
    expect(await inbox("bob@example.com")).not.toContain("long line");
  });

  it("drops globally blocked senders, honours personal blocks, and refuses a forged org From on the MX", async () => {
    expect(await mx("s@spam.example.org", ["ann@example.com"], "spam 1")).toBeNull();
    expect(await mx("n@nuisance.example.org", ["bob@example.com", "ann@example.com"], "nuisance 1")).toBeNull();
    expect(await mx("ann@example.com", ["staff@example.com"], "forged all-staff", { envelopeFrom: "x@attacker.example.net" })).toBeNull();
    const ann = await inbox("ann@example.com");
    const bob = await inbox("bob@example.com");
    expect(ann).toContain("nuisance 1");
    expect(bob).not.toContain("nuisance 1");
    expect([...ann, ...bob]).not.toContain("spam 1");
    expect([...ann, ...bob]).not.toContain("forged all-staff");
    const forged = lines.map((l) => JSON.parse(l)).find((d) => d.listener === "smtp" && d.dmarc === "FAIL");
    expect(forged.dropped[0].reason).toBe("group staff@example.com accepts mail from the organisation only; ann@example.com is not a verified org sender");
  });

  it("DMARC on arrival: a forged org author lands in Junk (p=quarantine), or is refused with 550 (p=reject), never in the inbox", async () => {
    // The reported case: a display name in another script, the org's own address, from outside.
    expect(await mx('"王建国" <bob@example.com>', ["ann@example.com"], "urgent wire transfer")).toBeNull();
    expect(await inbox("ann@example.com")).not.toContain("urgent wire transfer");
    expect(await inbox("ann@example.com", "Junk")).toEqual(["urgent wire transfer"]);
    const refused = await mx("ceo@example.info", ["ann@example.com"], "board minutes");
    expect(refused).toMatchObject({ responseCode: 550 });
    expect(refused!.message).toMatch(/5\.7\.1 DMARC FAIL for example\.info, an organisation domain \(policy reject\): refused/);
    expect([...(await inbox("ann@example.com")), ...(await inbox("ann@example.com", "Junk"))]).not.toContain("board minutes");
    // Two authors, one of them the org: no inbox either.
    expect(await mx("", ["ann@example.com"], "", { envelopeFrom: "x@attacker.example.net", raw: "From: x@attacker.example.net, bob@example.com\r\nSubject: two authors\r\n\r\nhi\r\n" })).toBeNull();
    expect(await inbox("ann@example.com")).not.toContain("two authors");
    // No From at all: the envelope sender stands for the author, and an org one is not trusted either.
    expect(await mx("", ["bob@example.com"], "", { envelopeFrom: "ann@example.com", raw: "Subject: no from\r\n\r\nhi\r\n" })).toBeNull();
    expect(await inbox("bob@example.com")).not.toContain("no from");
    expect(await inbox("bob@example.com", "Junk")).toContain("no from");
    // A trailing comment does not hide the author (one parser for router and sandbox).
    expect(await mx("", ["ann@example.com"], "", { envelopeFrom: "x@attacker.example.net", raw: 'From: "x" <bob@example.com> (c)\r\nSubject: with comment\r\n\r\nhi\r\n' })).toBeNull();
    expect(await inbox("ann@example.com", "Junk")).toContain("with comment");
  });

  it("submission: authenticated members reach restricted groups; can-send's rules and AUTH are enforced", async () => {
    expect(await submit("ann@example.com", "ann@example.com", ["staff@example.com"], "team lunch")).toBeNull();
    expect(await inbox("bob@example.com")).toContain("team lunch");
    expect(await inbox("ann@example.com")).toContain("team lunch");
    expect(await submit("ann@example.com", "ann@example.com", ["staff@example.com"], "x", "wrong")).toMatchObject({ responseCode: 535 });
    expect(await submit("cid@example.com", "cid@example.com", ["staff@example.com"], "x")).toMatchObject({ responseCode: 535 });
    const spoof = await submit("ann@example.com", "bob@example.com", ["staff@example.com"], "as bob");
    expect(spoof).toMatchObject({ responseCode: 550 });
    expect(spoof!.message).toMatch(/5\.7\.1 \[envelope-from\] MAIL FROM bob@example\.com is not an address ann@example\.com may send as|5\.7\.1 \[can-send\]/);
    const internalOnly = await submit("dee@example.com", "dee@example.com", ["client@partner.example.org"], "to a client");
    expect(internalOnly).toMatchObject({ responseCode: 550 });
    expect(internalOnly!.message).toMatch(/5\.7\.1 \[can-send\] denied/);
    // A delegation that ended yesterday: the refusal says so, with the org's today and zone.
    const lapsed = await submit("bob@example.com", "archive@example.com", ["staff@example.com"], "as archive", PASSWORD, { envelopeFrom: "bob@example.com" });
    expect(lapsed).toMatchObject({ responseCode: 550 });
    expect(lapsed!.message).toContain("5.7.1 [can-send] no statement allows bob@example.com to send as archive@example.com: delegation of archive@example.com to bob@example.com ended on 2026-05-31 (today is 2026-06-01 in UTC)");
    expect(await submit("ann@example.com", "ann@example.com", ["client@partner.example.org"], "to a client")).toBeNull();
    const out = outbound("outbound");
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^X-Mailorg-Sandbox-Rcpt-To: client@partner\.example\.org\r\n[\s\S]*Subject: to a client/);
  });

  it("submission checks every author: two From addresses, a second From field, a Sender and a MAIL FROM the member may not use", async () => {
    const raw = (head: string) => `${head}\r\nTo: bob@example.com\r\nSubject: authors\r\n\r\nhi\r\n`;
    const cases: [string, string, string | undefined, RegExp][] = [
      ["two addresses", "From: ann@example.com, bob@example.com", undefined, /5\.7\.1 \[one-author\] From names 2 addresses \(ann@example\.com, bob@example\.com\)/],
      ["two fields", "From: ann@example.com\r\nFrom: bob@example.com", undefined, /5\.7\.1 \[one-from-field\] the message has 2 From fields/],
      ["Sender", "From: ann@example.com\r\nSender: bob@example.com", undefined, /5\.7\.1 \[sender\] Sender bob@example\.com is not an address ann@example\.com may send as/],
      ["MAIL FROM", "From: ann@example.com", "bob@example.com", /5\.7\.1 \[envelope-from\] MAIL FROM bob@example\.com is not an address ann@example\.com may send as/],
    ];
    for (const [name, head, envelopeFrom, message] of cases) {
      const err = await submit("ann@example.com", "ann@example.com", ["bob@example.com"], "", PASSWORD, { raw: raw(head), envelopeFrom });
      expect(err, name).toMatchObject({ responseCode: 550 });
      expect(err!.message, name).toMatch(message);
    }
    expect(await inbox("bob@example.com")).not.toContain("authors");
    // Sender and MAIL FROM the member may use (their own) pass.
    expect(await submit("ann@example.com", "ann@example.com", ["bob@example.com"], "", PASSWORD, { raw: raw("From: Ann <ann@example.com>\r\nSender: ann@example.com"), envelopeFrom: "ann@example.com" })).toBeNull();
  });

  it("submission passes From and To to can-send exactly as sent: an internal-only member writing to x@EXAMPLE.COM is refused as IAM refuses it", async () => {
    // nodemailer's transport normalises domains (punycode, lower case); its SMTP connection sends the envelope as given.
    const conn = new SMTPConnection({ host: "127.0.0.1", port: ports.submission, ignoreTLS: true });
    await new Promise<void>((r, j) => (conn.once("error", j), conn.connect(() => r())));
    await new Promise<void>((r, j) => conn.login({ user: "dee@example.com", pass: PASSWORD }, (e) => (e ? j(e) : r())));
    const err = await new Promise<SmtpError | null>((r) => conn.send({ from: "dee@example.com", to: ["bob@EXAMPLE.COM"] }, "From: dee@example.com\r\nSubject: mixed case\r\n\r\nhi\r\n", (e) => r(e ?? null)));
    conn.quit();
    expect(err).toMatchObject({ responseCode: 550 });
    expect(err!.message).toMatch(/\[can-send\] denied .*IAM compares recipient domains case-sensitively: write bob@example\.com/);
    const cli = runCli(["can-send", "--org", writeOrg({ "org.yaml": ORG }), "--as", "dee@example.com", "--from", "dee@example.com", "--to", "bob@EXAMPLE.COM", "--ip", "192.0.2.7"]);
    expect(cli.status).toBe(1);
  });

  it("a member's forward goes to _outbound with From rewritten and the router's mark, and keep_copy delivers to the mailbox too", async () => {
    expect(await mx("Pat <pat@partner.example.org>", ["eve@example.com"], "for eve")).toBeNull();
    expect(await inbox("eve@example.com")).toEqual(["for eve"]);
    const fwd = outbound("forward").filter((t) => t.includes("Subject: for eve"));
    expect(fwd).toHaveLength(1);
    expect(fwd[0]).toMatch(/^X-Mailorg-Sandbox-Rcpt-To: eve@home\.example\.net\r\nX-Mailorg-Forwarded-By: eve@example\.com; mac=[A-Za-z0-9_-]{22}\r\n/);
    expect(fwd[0]).toMatch(/\r\nFrom: eve@example\.com\r\nReply-To: Pat <pat@partner\.example\.org>\r\n/);
  });

  it("forged forwarding marks are ignored (the forward is sent, keep_copy false honoured); the router's own mark stops a loop and the mailbox gets the copy", async () => {
    const marks = "X-Mailorg-Forwarded-By: fay@example.com\r\nX-Mailorg-Forwarded-By: a@example.com\r\nX-Mailorg-Forwarded-By: b@example.com\r\n";
    expect(await mx("", ["fay@example.com"], "", { envelopeFrom: "x@stranger.example.org", raw: `${marks}From: x@stranger.example.org\r\nMessage-ID: <forged@stranger.example.org>\r\nSubject: forged marks\r\n\r\nhi\r\n` })).toBeNull();
    const fwd = outbound("forward").filter((t) => t.includes("Subject: forged marks"));
    expect(fwd).toHaveLength(1);
    expect(fwd[0]!.match(/^X-Mailorg-Forwarded-By:/gm)).toHaveLength(1);
    expect(await inbox("fay@example.com")).not.toContain("forged marks");
    // A real loop: the copy the router forwarded comes back.
    const key = await forwardKey({ get: async (k) => ({ body: readFileSync(join(maildir, "_store/delivery", k), "utf8"), etag: "" }), create: async () => null, replace: async () => null });
    // What the router forwarded (From rewritten to Fay, her mark) comes back re-sent by an outside forwarder under its own From: the mark still verifies.
    const looped = forwardedCopy(Buffer.from("From: x@stranger.example.org\r\nMessage-ID: <loop@stranger.example.org>\r\nSubject: came back\r\n\r\nhi\r\n"), "fay@example.com", key)
      .toString()
      .replace("From: fay@example.com", "From: relay@stranger.example.org");
    expect(await mx("", ["fay@example.com"], "", { envelopeFrom: "fay@home.example.net", raw: looped })).toBeNull();
    expect(outbound("forward").filter((t) => t.includes("Subject: came back"))).toEqual([]);
    expect(await inbox("fay@example.com")).toContain("came back");
  });

  it("keeps its files private: Maildirs 0700, the passwd file 0600; the Maildir path is absolute", () => {
    expect(statSync(maildir).mode & 0o777).toBe(0o700);
    expect(statSync(join(maildir, "ann@example.com")).mode & 0o777).toBe(0o700);
    expect(statSync(join(maildir, "_store")).mode & 0o777).toBe(0o700);
    expect(statSync(join(sandbox.imapConfigDir, "passwd")).mode & 0o777).toBe(0o600);
    expect(sandbox.maildir).toBe(maildir);
  });

  it("a second sandbox whose IMAP port is taken refuses to start: the greeting must come from its own Dovecot", async () => {
    const second = await sandboxOptions(writeOrg({ "org.yaml": ORG }), { imap: { host: "127.0.0.1", port: ports.imap } });
    const err = await startSandbox(second).then((s) => (s.close(), null), (e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as Error).message).toBe(`--imap: IMAP port 127.0.0.1:${ports.imap} is already in use`);
  });

  it("refuses a non-loopback listen address unless public is set", async () => {
    const o = await sandboxOptions(writeOrg({ "org.yaml": ORG }), { smtp: { host: "0.0.0.0", port: await freePort() } });
    await expect(startSandbox(o)).rejects.toThrow(/^--smtp 0\.0\.0\.0:\d+ is not a loopback address: the sandbox offers plain-text AUTH with one shared password; listen on 127\.0\.0\.1 or ::1, or pass --public/);
  });

  it("penalises wrong passwords: growing delays, then a lockout even for the right one", async () => {
    const o = await sandboxOptions(writeOrg({ "org.yaml": ORG }), { authPenalty: { delayMs: 150, maxDelayMs: 400, lockoutAfter: 3, lockoutMs: 60_000 } });
    const s = await startSandbox(o);
    try {
      const timed = async (pass: string) => {
        const t0 = Date.now();
        const e = await submit("ann@example.com", "ann@example.com", ["bob@example.com"], "x", pass, { port: o.submission.port });
        return { code: e?.responseCode, ms: Date.now() - t0 };
      };
      const first = await timed("wrong");
      const second = await timed("wrong");
      expect([first.code, second.code]).toEqual([535, 535]);
      expect(first.ms).toBeGreaterThanOrEqual(140);
      expect(second.ms).toBeGreaterThanOrEqual(290);
      expect((await timed("wrong")).code).toBe(535);
      const locked = await submit("ann@example.com", "ann@example.com", ["bob@example.com"], "x", PASSWORD, { port: o.submission.port });
      expect(locked).toMatchObject({ responseCode: 454 });
      expect(locked!.message).toMatch(/4\.7\.0 too many failed logins from 192\.0\.2\.7: try again in \d+ s/);
    } finally {
      await s.close();
    }
  });

  it("stops collecting DATA past the size limit", async () => {
    const { collectData } = await import("../simulate/sandbox.ts");
    const { Readable } = await import("node:stream");
    const chunk = Buffer.alloc(64 * 1024, "a\r\n");
    const d = await collectData(Readable.from((function* () { for (let i = 0; i < 800; i++) yield chunk; })()), 1024 * 1024);
    expect(d).toMatchObject({ size: 800 * 64 * 1024, tooBig: true, longLine: null });
    expect(d.raw.length).toBeLessThanOrEqual(1024 * 1024);
  });

  it("the CLI: a taken port, a public address without --public, a blocked client IP, a relative --maildir, and the denial naming --client-ip", async () => {
    const org = writeOrg({ "org.yaml": ORG });
    chmodSync(org, 0o755);
    const args = (smtp: number, submission: number, imap: number, ...extra: string[]) => [
      "sandbox", "--org", org, "--smtp", `127.0.0.1:${smtp}`, "--submission", `127.0.0.1:${submission}`, "--imap", `127.0.0.1:${imap}`, "--maildir", "m", "--password", "pw", ...extra,
    ];
    const taken = runCli(args(ports.smtp, ports.submission, 1), { cwd: org });
    expect([taken.status, taken.stderr]).toEqual([2, `mailorg: sandbox: --smtp 127.0.0.1:${ports.smtp} is already in use (choose another port)\n`]);
    const open = runCli(["sandbox", "--org", org, "--smtp", `0.0.0.0:${await freePort()}`, "--submission", "127.0.0.1:1", "--imap", "127.0.0.1:2", "--maildir", "m", "--password", "pw"], { cwd: org });
    expect(open.status).toBe(2);
    expect(open.stderr).toMatch(/^mailorg: sandbox: --smtp 0\.0\.0\.0:\d+ is not a loopback address: .* or pass --public to listen there anyway\n$/);

    for (const clientIp of [["--client-ip", "203.0.113.9"], []]) {
      const [smtp, submission, imap] = [await freePort(), await freePort(), await freePort()];
      const run = startCli(args(smtp, submission, imap, ...clientIp), { cwd: org });
      let out = "";
      await new Promise<void>((resolve, reject) => {
        run.stdout.on("data", (d) => ((out += d), out.includes("sandbox ready") && resolve()));
        let e = "";
        run.stderr.on("data", (d) => (e += d));
        run.on("exit", (c) => reject(new Error(`sandbox exited ${c}: ${out}${e}`)));
      });
      expect(out).toContain(`maildir ${join(org, "m")} `);
      const away = await submit("ann@example.com", "ann@example.com", ["bob@example.com"], "from home", "pw", { port: submission });
      expect(away).toMatchObject({ responseCode: 550 });
      expect(away!.message).toMatch(/5\.7\.1 \[can-send\] denied by group sandbox-co-office-ip-only: DenySendingOutsideOfficeRanges/);
      if (clientIp.length) {
        const blocked = await failure(createTransport({ host: "127.0.0.1", port: smtp, secure: false, ignoreTLS: true }).sendMail({ from: "x@elsewhere.example.net", to: ["ann@example.com"], subject: "x", text: "x" }));
        expect(blocked).toMatchObject({ responseCode: 554 });
        expect(away!.message).not.toMatch(/--client-ip/);
      } else {
        expect(away!.message).toMatch(/the sandbox saw your connection from 127\.0\.0\.1, outside sending\.allowed_ip_ranges; start it with --client-ip <an office address>/);
      }
      run.kill("SIGTERM");
      expect(await new Promise((r) => run.on("exit", r))).toBe(0);
      expect(out).toContain("sandbox stopped");
      expect(existsSync(join(org, "m", "ann@example.com", "new"))).toBe(true);
    }
  });

  it("SIGTERM to `npx mailorg sandbox` stops the whole tree: npm, its shell, node and Dovecot", async () => {
    const org = writeOrg({ "org.yaml": ORG });
    chmodSync(org, 0o755);
    const [smtp, submission, imap] = [await freePort(), await freePort(), await freePort()];
    const npx = startCli(["sandbox", "--org", org, "--smtp", `127.0.0.1:${smtp}`, "--submission", `127.0.0.1:${submission}`, "--imap", `127.0.0.1:${imap}`, "--maildir", join(org, "m"), "--password", "pw"], { npx: true });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      npx.stdout.on("data", (d) => ((out += d), out.includes("sandbox ready") && resolve()));
      npx.on("exit", (c) => reject(new Error(`exited ${c}: ${out}`)));
    });
    const children = (pid: number): number[] => {
      try {
        return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).trim().split("\n").map(Number);
      } catch {
        return [];
      }
    };
    const tree = (pid: number): number[] => [pid, ...children(pid).flatMap(tree)];
    const all = tree(npx.pid!);
    expect(all.length).toBeGreaterThanOrEqual(4); // npm exec, sh, node, dovecot (and Dovecot's own children)
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    npx.kill("SIGTERM");
    for (let i = 0; i < 100 && all.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(all.filter(alive)).toEqual([]);
    const closed = await new Promise<boolean>((r) => {
      const s = connect(imap, "127.0.0.1");
      s.once("connect", () => (s.destroy(), r(false))).once("error", () => r(true));
    });
    expect(closed).toBe(true);
  });
});
