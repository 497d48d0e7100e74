/**
 * `mailorg sandbox`: the org running on one machine. An SMTP listener behaves as the org's MX on SES
 * (receipt filters, recipient rules, size limit, then the router's own decision), a submission listener
 * enforces what `can-send` evaluates, and a real Dovecot serves the Maildirs over IMAP. Delivery uses the
 * same delivery module as the Lambda (runtime/delivery/deliver.ts) with local targets: a file store (the
 * archive, <maildir>/_store/), Maildirs as the mailbox host, and <maildir>/_outbound/ for anything that
 * would leave the organisation (never sent). Protocols come from smtp-server, mailparser and Dovecot.
 */
import { randomBytes } from "node:crypto";
import { chownSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { canon, domainOf, memberStatus, type Org } from "../model/org.ts";
import { canSend } from "./can-send.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { buildRoutingTable, type RoutingTable } from "../plan/routing.ts";
import { deliverCopies, type CopyResult, type Forwarder, type MailboxHost, type MailStore, type StoreResult } from "../runtime/delivery/deliver.ts";
import { forwardedCopy } from "../runtime/delivery/message.ts";
import { decide, receiptFilterBlocks, sesAccepts, type Verdict } from "../runtime/router/core.ts";
import { startDovecot, type DovecotUsers, type RunningDovecot } from "./dovecot.ts";
import { mailhostPlanOf, startMailhostSandbox } from "./mailhost-sandbox.ts";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface SandboxOptions {
  readonly org: Org;
  readonly index: OrgIndex;
  /** YYYY-MM-DD for delegation dates in can-send. */
  readonly today: string;
  readonly smtp: Endpoint;
  readonly submission: Endpoint;
  readonly imap: Endpoint;
  readonly maildir: string;
  readonly password: string;
  /** Per-login passwords (--passwords FILE); a login not listed uses `password`. Default none. */
  readonly passwords?: ReadonlyMap<string, string>;
  /** With organisation.mailbox_host: Postfix's relay listener. Default the IMAP host, port + 1. */
  readonly mailhostRelay?: Endpoint;
  /** The client IP the rules see instead of the connection's (e.g. an office address). */
  readonly clientIp?: string;
  /** One line per decision. Default: stdout. */
  readonly log?: (line: string) => void;
}

/** A refusal that names what to change (a port in use, Dovecot missing). */
export class SandboxError extends Error {
  override name = "SandboxError";
}

const smtpError = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });

/** An SES-shaped message id: 40 lowercase letters and digits. */
function newMessageId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(40)].map((b) => alphabet[b % 36]).join("");
}

/** The From header's address (mailparser), lowercased; "" when there is none. */
async function fromHeader(raw: Buffer): Promise<string> {
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  return canon(parsed.from?.value[0]?.address ?? "");
}

const plainIp = (ip: string): string => ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");

/** The archive: <maildir>/_store/{incoming,mailboxes/<address>,quarantine}/<messageId>, like the S3 store. */
class FileStore implements MailStore {
  constructor(private readonly root: string) {}
  private path(...parts: string[]): string {
    return join(this.root, ...parts);
  }
  write(messageId: string, raw: Buffer): void {
    mkdirSync(this.path("incoming"), { recursive: true });
    writeFileSync(this.path("incoming", messageId), raw);
  }
  async read(messageId: string): Promise<Buffer> {
    return readFileSync(this.path("incoming", messageId));
  }
  async has(address: string, messageId: string): Promise<boolean> {
    return existsSync(this.path("mailboxes", address, messageId));
  }
  private copy(dir: string[], messageId: string): StoreResult {
    mkdirSync(this.path(...dir), { recursive: true });
    try {
      copyFileSync(this.path("incoming", messageId), this.path(...dir, messageId), constants.COPYFILE_EXCL);
      return "new";
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return "existing";
      throw err;
    }
  }
  async put(address: string, messageId: string): Promise<StoreResult> {
    return this.copy(["mailboxes", address], messageId);
  }
  async quarantine(messageId: string): Promise<StoreResult> {
    return this.copy(["quarantine"], messageId);
  }
}

let sequence = 0;
/** A Maildir file name: time, microseconds, pid, a counter and the host (the Maildir convention). */
const maildirName = (): string => `${Math.floor(Date.now() / 1000)}.M${Math.floor(performance.now() * 1000) % 1e6}P${process.pid}Q${++sequence}.${hostname().replace(/[/:]/g, "_")}`;

/** Where people read mail in the sandbox: <maildir>/<address>/{tmp,new,cur}, read by Dovecot. */
export class MaildirHost implements MailboxHost {
  constructor(
    private readonly root: string,
    private readonly users?: DovecotUsers,
  ) {}

  /** Creates the address's Maildir (owned by Dovecot's mail user when running as root). */
  ensure(address: string): string {
    const box = join(this.root, address);
    for (const sub of ["", "tmp", "new", "cur"]) {
      const d = join(box, sub);
      if (!existsSync(d)) {
        mkdirSync(d, { recursive: true });
        this.own(d);
      }
    }
    return box;
  }

  private own(path: string): void {
    if (this.users && userInfo().uid === 0) chownSync(path, this.users.mailUid, this.users.mailGid);
  }

  async deliver(address: string, envelopeFrom: string, raw: Buffer): Promise<void> {
    const box = this.ensure(address);
    const name = maildirName();
    const tmp = join(box, "tmp", name);
    // A local delivery agent records the envelope sender as Return-Path, on top of the relayed bytes.
    writeFileSync(tmp, Buffer.concat([Buffer.from(`Return-Path: <${envelopeFrom}>\r\n`), raw]));
    this.own(tmp);
    renameSync(tmp, join(box, "new", name));
  }
}

/** Writes what would leave the organisation to <maildir>/_outbound/; nothing is sent. */
class Outbox implements Forwarder {
  constructor(private readonly dir: string) {}
  write(kind: string, to: readonly string[], raw: Buffer): string {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${maildirName()}.${kind}.eml`);
    writeFileSync(file, Buffer.concat([Buffer.from(`X-Mailorg-Sandbox-Rcpt-To: ${to.join(", ")}\r\n`), raw]));
    return file;
  }
  async forward(member: string, to: readonly string[], raw: Buffer): Promise<void> {
    this.write("forward", to, forwardedCopy(raw, member));
  }
}

export interface Sandbox {
  readonly table: RoutingTable;
  /** With organisation.mailbox_host: its name, Postfix's relay listener and the sandbox certificate (PEM) IMAPS clients trust. */
  readonly mailhost?: { readonly hostname: string; readonly relay: string; readonly ca: string; readonly logDir: string; readonly mailRoot: string };
  close(): Promise<void>;
}

function readData(stream: SMTPServerDataStream): Promise<{ raw: Buffer; tooBig: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", reject);
    stream.on("end", () => resolve({ raw: Buffer.concat(chunks), tooBig: stream.sizeExceeded }));
  });
}

async function listen(server: SMTPServer, at: Endpoint, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(err.code === "EADDRINUSE" ? new SandboxError(`${flag} ${at.host}:${at.port} is already in use (choose another port)`) : new SandboxError(`${flag} ${at.host}:${at.port}: ${err.message}`));
    // smtp-server re-emits the socket's errors on itself.
    server.once("error", onError);
    server.listen(at.port, at.host, () => {
      server.off("error", onError);
      server.on("error", () => undefined); // a client's broken connection must not stop the sandbox
      resolve();
    });
  });
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const { org, index } = opts;
  const table = buildRoutingTable(org, index);
  const log = opts.log ?? ((l: string) => process.stdout.write(l + "\n"));
  mkdirSync(opts.maildir, { recursive: true });
  const store = new FileStore(join(opts.maildir, "_store"));
  const outbox = new Outbox(join(opts.maildir, "_outbound"));
  const logins = [
    ...org.members.filter((m) => memberStatus(m) === "active").map((m) => canon(m.address)),
    ...org.mailboxes.map((m) => canon(m.address)),
  ].sort();
  const mb = { host: undefined as MailboxHost | undefined };
  const passwordOf = (login: string): string => opts.passwords?.get(login) ?? opts.password;
  let mailhost: Sandbox["mailhost"];
  const ipOf = (session: SMTPServerSession): string => opts.clientIp ?? plainIp(session.remoteAddress);
  const size = table.maxMessageBytes;

  /** The MX path: SES's acceptance already checked; the router's decision, then delivery. */
  async function receive(listener: string, raw: Buffer, from: string, recipients: string[], ip: string, dmarc: Verdict, envelopeFrom: string): Promise<CopyResult[]> {
    const messageId = newMessageId();
    store.write(messageId, raw);
    const decision = decide(table, { from, recipients, ip, dmarc, spam: "PASS", virus: "PASS", sizeBytes: raw.length });
    let copies: CopyResult[] = [];
    if (decision.quarantined) await store.quarantine(messageId);
    else {
      const addresses = [...new Set([...decision.deliveries, ...decision.backups])].sort();
      copies = await deliverCopies({ messageId, envelopeFrom, addresses }, { store, host: mb.host, forwarder: outbox, forwards: table.forwards }, { retryDelaysMs: [] });
    }
    log(JSON.stringify({ listener, messageId, from, recipients, ip, dmarc, ...decision, copies }));
    return copies;
  }

  const mx = new SMTPServer({
    name: "mx.sandbox.mailorg.invalid",
    banner: "mailorg sandbox MX (behaves as the org's SES receipt rules)",
    logger: false,
    disabledCommands: ["AUTH", "STARTTLS"],
    size,
    closeTimeout: 1000,
    onConnect(session, cb) {
      const ip = ipOf(session);
      if (receiptFilterBlocks(table, ip)) return cb(smtpError(554, `5.7.1 sending IP ${ip} is blocked by a receipt filter (inbound.blocked)`));
      cb();
    },
    onRcptTo(address, _session, cb) {
      const a = canon(address.address);
      if (!table.receivingDomains.includes(domainOf(a))) return cb(smtpError(550, `5.7.1 ${a}: not a receiving domain of the org`));
      if (!sesAccepts(table, a)) return cb(smtpError(550, `5.1.1 ${a}: unknown recipient (no catch_all)`));
      cb();
    },
    onData(stream, session, cb) {
      readData(stream)
        .then(async ({ raw, tooBig }) => {
          if (tooBig) throw smtpError(552, `5.3.4 message exceeds max_message_size_mb (${size / 1048576} MB)`);
          const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
          const from = (await fromHeader(raw)) || envelopeFrom;
          // Nobody on this listener is authenticated: mail claiming an org domain fails DMARC, as it would from outside.
          const dmarc: Verdict = table.orgDomains.includes(domainOf(from)) ? "FAIL" : "PASS";
          await receive("smtp", raw, from, session.envelope.rcptTo.map((r) => canon(r.address)), ipOf(session), dmarc, envelopeFrom);
        })
        .then(() => cb(), (err: Error & { responseCode?: number }) => cb(err.responseCode ? err : smtpError(451, `4.3.0 ${err.message}`)));
    },
  });

  const submission = new SMTPServer({
    name: "submission.sandbox.mailorg.invalid",
    banner: "mailorg sandbox submission (AUTH as a member with the sandbox password)",
    logger: false,
    disabledCommands: ["STARTTLS"],
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    size,
    closeTimeout: 1000,
    onAuth(auth, _session, cb) {
      const user = canon(auth.username ?? "");
      const member = index.members.get(user);
      const ok = member !== undefined && index.addresses.get(user)?.kind === "member" && memberStatus(member) === "active" && auth.password === passwordOf(user);
      if (!ok) return cb(smtpError(535, "5.7.8 authentication failed: log in with an active member's primary address and the sandbox password"));
      cb(null, { user });
    },
    onData(stream, session, cb) {
      readData(stream)
        .then(async ({ raw, tooBig }) => {
          if (tooBig) throw smtpError(552, `5.3.4 message exceeds max_message_size_mb (${size / 1048576} MB)`);
          const as = String(session.user);
          const from = await fromHeader(raw);
          const to = session.envelope.rcptTo.map((r) => canon(r.address));
          const verdict = canSend(org, index, { as, from, to, ip: ipOf(session), today: opts.today });
          log(JSON.stringify({ listener: "submission", as, from, to, ip: ipOf(session), allowed: verdict.allowed, reason: verdict.reason }));
          if (!verdict.allowed) throw smtpError(550, `5.7.1 ${verdict.reason}`);
          const inside = to.filter((a) => table.receivingDomains.includes(domainOf(a)));
          const outside = to.filter((a) => !inside.includes(a));
          if (outside.length > 0) outbox.write("outbound", outside, raw);
          if (inside.length > 0) await receive("submission", raw, from, inside, ipOf(session), "PASS", from);
        })
        .then(() => cb(), (err: Error & { responseCode?: number }) => cb(err.responseCode ? err : smtpError(451, `4.3.0 ${err.message}`)));
    },
  });

  const started: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  const stopServer = (s: SMTPServer) => () => new Promise<void>((r) => s.close(() => r()));
  try {
    await listen(mx, opts.smtp, "--smtp");
    started.push(stopServer(mx));
    await listen(submission, opts.submission, "--submission");
    started.push(stopServer(submission));
    const hostPlan = mailhostPlanOf(org, index, opts.today);
    if (hostPlan) {
      // The org's own mailbox host: real Postfix and Dovecot from mailhost-config's files (simulate/mailhost-sandbox.ts).
      const host = await startMailhostSandbox({ plan: hostPlan, dir: join(opts.maildir, "_mailhost"), relay: opts.mailhostRelay ?? { host: opts.imap.host, port: opts.imap.port + 1 }, imaps: opts.imap, passwordOf }).catch((err: Error) => {
        throw new SandboxError(`mailbox host: ${err.message}`);
      });
      started.push(() => host.stop());
      mb.host = host.relay;
      mailhost = { hostname: hostPlan.hostname, relay: host.layout.relayListener, ca: host.ca, logDir: host.layout.logDir, mailRoot: host.layout.mailRoot };
    } else {
      let dovecot: RunningDovecot;
      try {
        dovecot = await startDovecot({ ...opts.imap, maildir: opts.maildir, logins, password: opts.password });
      } catch (err) {
        throw new SandboxError(`--imap: ${(err as Error).message}`);
      }
      started.push(() => dovecot.stop());
      const maildirs = new MaildirHost(opts.maildir, dovecot.users);
      for (const l of logins) maildirs.ensure(l);
      mb.host = maildirs;
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { table, close: closeAll, ...(mailhost ? { mailhost } : {}) };
}
