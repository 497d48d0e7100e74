/**
 * `mailorg sandbox` end to end with real peers: nodemailer sends over SMTP (the MX) and submission, imapflow
 * reads back from a real Dovecot over the Maildirs. Needs Dovecot (Debian's dovecot-imapd, installed by
 * .ci/run); skipped with that reason only when the binary is missing.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { findDovecot } from "../simulate/dovecot.ts";
import { startSandbox, type Sandbox } from "../simulate/sandbox.ts";
import { ROOT, writeOrg } from "./helpers.ts";
import { freePort, inboxSubjects } from "./mail-helpers.ts";

const ORG = `organisation: { name: Sandbox Co, region: eu-west-1, default_department: hq, catch_all: lost@example.com, max_message_size_mb: 1 }
domains: [{ name: example.com }]
departments: [{ id: hq, name: HQ }, { id: sales, name: Sales, parent: hq }]
members:
  - { address: ann@example.com, name: Ann, aliases: [a@example.com], departments: [sales] }
  - { address: bob@example.com, name: Bob, blocked_senders: [nuisance.example.org] }
  - { address: cid@example.com, name: Cid, status: departed, forward_to: [bob@example.com] }
  - { address: dee@example.com, name: Dee, internal_only: true }
  - { address: eve@example.com, name: Eve, forward: { to: [eve@home.example.net] } }
mailboxes:
  - { address: lost@example.com, name: Lost }
  - { address: archive@example.com, name: Archive }
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

describe.skipIf(!DOVECOT)(`sandbox with real SMTP and Dovecot IMAP${DOVECOT ? "" : " (skipped: dovecot is not installed; apt-get install dovecot-imapd)"}`, () => {
  let sandbox: Sandbox;
  let maildir: string;
  const ports = { smtp: 0, submission: 0, imap: 0 };
  const lines: string[] = [];

  beforeAll(async () => {
    const { org, index } = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
    const dir = mkdtempSync(join(tmpdir(), "mailorg-sandbox-"));
    chmodSync(dir, 0o755); // as root (CI), Dovecot's mail user must be able to enter it
    maildir = join(dir, "mail");
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    sandbox = await startSandbox({
      org: org!,
      index: index!,
      today: "2026-06-01",
      smtp: { host: "127.0.0.1", port: ports.smtp },
      submission: { host: "127.0.0.1", port: ports.submission },
      imap: { host: "127.0.0.1", port: ports.imap },
      maildir,
      password: PASSWORD,
      clientIp: "192.0.2.7", // the office: submission is allowed from here
      log: (l) => lines.push(l),
    });
  });
  afterAll(async () => sandbox?.close());

  /** Sends over the MX as an outside server would; resolves to the SMTP error, if any. */
  const mx = (from: string, to: string[], subject: string, extra: { text?: string; envelopeFrom?: string } = {}) =>
    createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true })
      .sendMail({ from, to, subject, text: extra.text ?? "hello", envelope: { from: extra.envelopeFrom ?? from, to } })
      .then(() => null, (e: Error & { responseCode?: number }) => e);

  const submit = (user: string, from: string, to: string[], subject: string, pass = PASSWORD) =>
    createTransport({ host: "127.0.0.1", port: ports.submission, secure: false, ignoreTLS: true, auth: { user, pass } })
      .sendMail({ from, to, subject, text: "internal note" })
      .then(() => null, (e: Error & { responseCode?: number }) => e);

  /** Subjects in a login's INBOX, read over IMAP from Dovecot. */
  const inbox = (user: string): Promise<string[]> =>
    inboxSubjects(new ImapFlow({ host: "127.0.0.1", port: ports.imap, secure: false, auth: { user, pass: PASSWORD }, logger: false, disableAutoIdle: true }));

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

  it("submission: authenticated members reach restricted groups; can-send's rules and AUTH are enforced", async () => {
    expect(await submit("ann@example.com", "ann@example.com", ["staff@example.com"], "team lunch")).toBeNull();
    expect(await inbox("bob@example.com")).toContain("team lunch");
    expect(await inbox("ann@example.com")).toContain("team lunch");
    expect(await submit("ann@example.com", "ann@example.com", ["staff@example.com"], "x", "wrong")).toMatchObject({ responseCode: 535 });
    expect(await submit("cid@example.com", "cid@example.com", ["staff@example.com"], "x")).toMatchObject({ responseCode: 535 });
    const spoof = await submit("ann@example.com", "bob@example.com", ["staff@example.com"], "as bob");
    expect(spoof).toMatchObject({ responseCode: 550 });
    const internalOnly = await submit("dee@example.com", "dee@example.com", ["client@partner.example.org"], "to a client");
    expect(internalOnly).toMatchObject({ responseCode: 550 });
    expect(internalOnly!.message).toMatch(/denied/);
    expect(await submit("ann@example.com", "ann@example.com", ["client@partner.example.org"], "to a client")).toBeNull();
    const outbound = readdirSync(join(maildir, "_outbound")).filter((f) => f.endsWith(".outbound.eml"));
    expect(outbound).toHaveLength(1);
    expect(readFileSync(join(maildir, "_outbound", outbound[0]!), "utf8")).toMatch(/^X-Mailorg-Sandbox-Rcpt-To: client@partner\.example\.org\r\n[\s\S]*Subject: to a client/);
  });

  it("a member's forward goes to _outbound with From rewritten, and keep_copy delivers to the mailbox too", async () => {
    expect(await mx("Pat <pat@partner.example.org>", ["eve@example.com"], "for eve")).toBeNull();
    expect(await inbox("eve@example.com")).toEqual(["for eve"]);
    const fwd = readdirSync(join(maildir, "_outbound")).filter((f) => f.endsWith(".forward.eml"));
    expect(fwd).toHaveLength(1);
    const text = readFileSync(join(maildir, "_outbound", fwd[0]!), "utf8");
    expect(text).toMatch(/^X-Mailorg-Sandbox-Rcpt-To: eve@home\.example\.net\r\nX-Mailorg-Forwarded-By: eve@example\.com\r\n/);
    expect(text).toMatch(/\r\nFrom: eve@example\.com\r\nReply-To: Pat <pat@partner\.example\.org>\r\n/);
  });

  it("the CLI refuses a taken port, a blocked client IP at the MX and an IP outside the office ranges at submission, and stops cleanly on SIGTERM", async () => {
    const org = writeOrg({ "org.yaml": ORG });
    chmodSync(org, 0o755);
    const args = (smtp: number, submission: number, imap: number, ...extra: string[]) => [
      join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "cli/main.ts"), "sandbox", "--org", org, "--smtp", `127.0.0.1:${smtp}`,
      "--submission", `127.0.0.1:${submission}`, "--imap", `127.0.0.1:${imap}`, "--maildir", join(org, "m"), "--password", "pw", ...extra,
    ];
    const taken = spawn(process.execPath, args(ports.smtp, ports.submission, 1), { env: { ...process.env, MAILORG_TODAY: "2026-06-01" } });
    let err = "";
    taken.stderr.on("data", (d) => (err += d));
    expect([await new Promise((r) => taken.on("exit", r)), err]).toEqual([2, `mailorg: sandbox: --smtp 127.0.0.1:${ports.smtp} is already in use (choose another port)\n`]);

    const [smtp, submission, imap] = [await freePort(), await freePort(), await freePort()];
    const run = spawn(process.execPath, args(smtp, submission, imap, "--client-ip", "203.0.113.9"), {
      env: { ...process.env, MAILORG_TODAY: "2026-06-01" },
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      run.stdout.on("data", (d) => ((out += d), out.includes("sandbox ready") && resolve()));
      let e = "";
      run.stderr.on("data", (d) => (e += d));
      run.on("exit", (c) => reject(new Error(`sandbox exited ${c}: ${out}${e}`)));
    });
    const refused = await createTransport({ host: "127.0.0.1", port: smtp, secure: false, ignoreTLS: true })
      .sendMail({ from: "x@elsewhere.example.net", to: ["ann@example.com"], subject: "x", text: "x" })
      .then(() => null, (e: Error & { responseCode?: number }) => e);
    expect(refused).toMatchObject({ responseCode: 554 });
    // Outside the office range: sending_ip_ranges denies submission (can-send's IP condition).
    const away = await createTransport({ host: "127.0.0.1", port: submission, secure: false, ignoreTLS: true, auth: { user: "ann@example.com", pass: "pw" } })
      .sendMail({ from: "ann@example.com", to: ["bob@example.com"], subject: "from home", text: "x" })
      .then(() => null, (e: Error & { responseCode?: number }) => e);
    expect(away).toMatchObject({ responseCode: 550 });
    expect(away!.message).toMatch(/5\.7\.1 denied by group sandbox-co-office-ip-only: DenySendingOutsideOfficeRanges/);
    run.kill("SIGTERM");
    expect(await new Promise((r) => run.on("exit", r))).toBe(0);
    expect(out).toContain("sandbox stopped");
    expect(existsSync(join(org, "m", "ann@example.com", "new"))).toBe(true);
  });
});
