/**
 * `mailorg sandbox`: the org running on one machine. An SMTP listener behaves as the org's MX on SES
 * (receipt filters, recipient rules, size limit, then the router's own decision, DMARC included), a
 * submission listener enforces what `can-send` evaluates and checks every author a message names, and a
 * real Dovecot serves the Maildirs over IMAP. Delivery uses the same delivery module as the Lambda
 * (runtime/delivery/deliver.ts) with local targets: a file store (the archive, <maildir>/_store/), Maildirs
 * as the mailbox host, and <maildir>/_outbound/ for anything that would leave the organisation (never sent).
 * Protocols come from smtp-server and Dovecot; addresses in headers are read with the router's own parser.
 * It behaves like a server: loopback only unless asked, private files, bounded memory per message, RFC 5321
 * limits, and Dovecot-style penalties for wrong passwords.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, chownSync, constants, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, closeSync, writeSync } from "node:fs";
import { createServer as createNetServer, isIP } from "node:net";
import { hostname, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { canon, domainOf, memberStatus, type Org } from "../model/org.ts";
import { canSend } from "./can-send.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { buildRoutingTable, type RoutingTable } from "../plan/routing.ts";
import { deliverCopies, DeliveryIncomplete, type CopyResult, type DeliveryJob, type Forwarder, type MailboxHost, type MailStore, type MarkerStore, type StoreResult } from "../runtime/delivery/deliver.ts";
import { headerValues, parseAddresses } from "../runtime/delivery/message.ts";
import { authorOf, decide, receiptFilterBlocks, sesAccepts, type Verdict } from "../runtime/router/core.ts";
import { startDovecot, type DovecotUsers, type RunningDovecot } from "./dovecot.ts";
import { mailhostPlanOf, startMailhostSandbox } from "./mailhost-sandbox.ts";
import { Redelivery } from "./redelivery.ts";
import type { MailhostLayout } from "../mailhost/layout.ts";

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
  /** With organisation.mailbox_host: Dovecot's ManageSieve listener (STARTTLS). Default the IMAP host, port + 3. */
  readonly sieve?: Endpoint;
  /** With organisation.mailbox_host: webmail and client set-up over HTTPS (nginx, PHP-FPM, Roundcube). Default none. */
  readonly webmail?: Endpoint;
  /** With organisation.mailbox_host: Postfix's implicit-TLS submission listener (465 on the host). Default the relay's host, port + 1. */
  readonly mailhostSubmissions?: Endpoint;
  /** With organisation.mailbox_host: the account service's HTTPS listener (activation, password change). Default a free loopback port. */
  readonly mailhostAccount?: Endpoint;
  /** The client IP the rules see instead of the connection's (e.g. an office address). */
  readonly clientIp?: string;
  /** Listen on addresses other than loopback (plain-text AUTH with one shared password). Default false: refused. */
  readonly public?: boolean;
  /** Penalties for wrong passwords on submission. Default DEFAULT_AUTH_PENALTY. */
  readonly authPenalty?: AuthPenalty;
  /** One line per decision. Default: stdout. */
  readonly log?: (line: string) => void;
}

/**
 * Dovecot-style penalties for wrong passwords, per client IP: each failure waits before answering 535 (the
 * delay doubles, up to maxDelayMs), and after lockoutAfter failures in a row AUTH answers 454 until lockoutMs
 * has passed. A successful login clears the count.
 */
export interface AuthPenalty {
  readonly delayMs: number;
  readonly maxDelayMs: number;
  readonly lockoutAfter: number;
  readonly lockoutMs: number;
}

export const DEFAULT_AUTH_PENALTY: AuthPenalty = { delayMs: 2000, maxDelayMs: 15_000, lockoutAfter: 10, lockoutMs: 300_000 };

/** RFC 5321 4.5.3.1.8: a server must accept at least 100 recipients; the 101st is answered 452. */
export const MAX_RECIPIENTS = 100;
/** RFC 5321 4.5.3.1.6: a line of message text is at most 1000 octets, CRLF included. */
export const MAX_LINE_OCTETS = 1000;

/** A refusal that names what to change (a port in use, Dovecot missing, a public address). */
export class SandboxError extends Error {
  override name = "SandboxError";
}

const smtpError = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });

/** An SES-shaped message id: 40 lowercase letters and digits. */
function newMessageId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(40)].map((b) => alphabet[b % 36]).join("");
}

const plainIp = (ip: string): string => ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");

/** Whether a listen host is loopback only: localhost, 127.0.0.0/8, ::1 (or ::ffff:127.x). */
export function isLoopback(host: string): boolean {
  const h = plainIp(host.toLowerCase());
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return h === "::1" || h === "0:0:0:0:0:0:0:1";
}

const PRIVATE_DIR = 0o700;

/** Markers as files (exclusive creation; a replace compares the content's hash, atomic within this process). */
class FileMarkers implements MarkerStore {
  constructor(private readonly root: string) {}
  private path(key: string): string {
    return join(this.root, ...key.split("/"));
  }
  private static etag(body: string): string {
    return createHash("sha256").update(body).digest("hex").slice(0, 16);
  }
  async get(key: string): Promise<{ body: string; etag: string } | undefined> {
    const p = this.path(key);
    if (!existsSync(p)) return undefined;
    const body = readFileSync(p, "utf8");
    return { body, etag: FileMarkers.etag(body) };
  }
  async create(key: string, body: string): Promise<string | null> {
    const p = this.path(key);
    mkdirSync(dirname(p), { recursive: true, mode: PRIVATE_DIR });
    let fd: number;
    try {
      fd = openSync(p, "wx", 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return null;
      throw err;
    }
    writeSync(fd, body);
    closeSync(fd);
    return FileMarkers.etag(body);
  }
  async replace(key: string, body: string, etag: string): Promise<string | null> {
    const p = this.path(key);
    if (!existsSync(p) || FileMarkers.etag(readFileSync(p, "utf8")) !== etag) return null;
    writeFileSync(p, body, { mode: 0o600 });
    return FileMarkers.etag(body);
  }
}

/** The archive: <maildir>/_store/{incoming,mailboxes/<address>,quarantine[/<address>],delivery}/<messageId>, like the S3 store. */
export class FileStore implements MailStore {
  readonly markers: FileMarkers;
  constructor(private readonly root: string) {
    this.markers = new FileMarkers(join(root, "delivery"));
  }
  private path(...parts: string[]): string {
    return join(this.root, ...parts);
  }
  write(messageId: string, raw: Buffer): void {
    mkdirSync(this.path("incoming"), { recursive: true, mode: PRIVATE_DIR });
    writeFileSync(this.path("incoming", messageId), raw, { mode: 0o600 });
  }
  async read(messageId: string): Promise<Buffer> {
    return readFileSync(this.path("incoming", messageId));
  }
  private copy(dir: string[], messageId: string): StoreResult {
    mkdirSync(this.path(...dir), { recursive: true, mode: PRIVATE_DIR });
    try {
      copyFileSync(this.path("incoming", messageId), this.path(...dir, messageId), constants.COPYFILE_EXCL);
      return "new";
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return "existing";
      throw err;
    }
  }
  async put(address: string, messageId: string, folder: "inbox" | "junk" = "inbox"): Promise<StoreResult> {
    return this.copy([folder === "junk" ? "quarantine" : "mailboxes", address], messageId);
  }
  async quarantine(messageId: string): Promise<StoreResult> {
    return this.copy(["quarantine"], messageId);
  }
}

let sequence = 0;
/** A Maildir file name: time, microseconds, pid, a counter and the host (the Maildir convention). */
const maildirName = (): string => `${Math.floor(Date.now() / 1000)}.M${Math.floor(performance.now() * 1000) % 1e6}P${process.pid}Q${++sequence}.${hostname().replace(/[/:]/g, "_")}`;

/** Where people read mail in the sandbox: <maildir>/<address>/{tmp,new,cur} (Junk: <address>/.Junk/), read by Dovecot; private to its user (0700). */
export class MaildirHost implements MailboxHost {
  constructor(
    private readonly root: string,
    private readonly users?: DovecotUsers,
  ) {}

  /** Creates the address's Maildir, or its Junk folder (owned by Dovecot's mail user when running as root). */
  ensure(address: string, folder: "inbox" | "junk" = "inbox"): string {
    const box = folder === "junk" ? join(this.root, address, ".Junk") : join(this.root, address);
    for (const d of [join(this.root, address), box, join(box, "tmp"), join(box, "new"), join(box, "cur")]) {
      if (!existsSync(d)) {
        mkdirSync(d, { mode: PRIVATE_DIR });
        this.own(d);
      }
    }
    return box;
  }

  private own(path: string): void {
    if (this.users && userInfo().uid === 0) chownSync(path, this.users.mailUid, this.users.mailGid);
  }

  async deliver(address: string, envelopeFrom: string, raw: Buffer, folder: "inbox" | "junk" = "inbox"): Promise<void> {
    const box = this.ensure(address, folder);
    const name = maildirName();
    const tmp = join(box, "tmp", name);
    // A local delivery agent records the envelope sender as Return-Path, on top of the relayed bytes.
    writeFileSync(tmp, Buffer.concat([Buffer.from(`Return-Path: <${envelopeFrom}>\r\n`), raw]), { mode: 0o600 });
    this.own(tmp);
    renameSync(tmp, join(box, "new", name));
  }
}

/** Writes what would leave the organisation to <maildir>/_outbound/; nothing is sent. */
class Outbox implements Forwarder {
  constructor(private readonly dir: string) {}
  write(kind: string, to: readonly string[], raw: Buffer): string {
    mkdirSync(this.dir, { recursive: true, mode: PRIVATE_DIR });
    const file = join(this.dir, `${maildirName()}.${kind}.eml`);
    writeFileSync(file, Buffer.concat([Buffer.from(`X-Mailorg-Sandbox-Rcpt-To: ${to.join(", ")}\r\n`), raw]), { mode: 0o600 });
    return file;
  }
  async forward(_member: string, to: readonly string[], copy: Buffer): Promise<void> {
    this.write("forward", to, copy);
  }
}

export interface Sandbox {
  readonly table: RoutingTable;
  /** The absolute Maildir root. */
  readonly maildir: string;
  /** Dovecot's generated configuration directory (with the passwd file). */
  readonly imapConfigDir: string;
  /** With organisation.mailbox_host: its name, Postfix's relay listener, ManageSieve's, and the sandbox certificate (PEM) IMAPS clients trust. */
  readonly mailhost?: { readonly hostname: string; readonly relay: string; readonly sieve: Endpoint; readonly ca: string; readonly logDir: string; readonly mailRoot: string; readonly layout: MailhostLayout; readonly accountUrl?: string };
  close(): Promise<void>;
}

export interface CollectedData {
  /** The message, or its first bytes when it was over the limit (the rest was read and dropped). */
  readonly raw: Buffer;
  /** Octets received in all. */
  readonly size: number;
  readonly tooBig: boolean;
  /** The first line longer than MAX_LINE_OCTETS (1-based), or null. */
  readonly longLine: number | null;
}

/**
 * Reads a DATA stream, keeping at most limitBytes: past the limit the rest is read and dropped (the client
 * gets its 552 after the final dot, as RFC 5321 wants, without the server holding the message). Also notes
 * the first line over RFC 5321's 1000 octets.
 */
export function collectData(stream: NodeJS.ReadableStream, limitBytes: number): Promise<CollectedData> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let size = 0;
    let line = 1;
    let lineOctets = 0;
    let longLine: number | null = null;
    stream.on("data", (c: Buffer) => {
      size += c.length;
      if (kept + c.length <= limitBytes) {
        chunks.push(c);
        kept += c.length;
      }
      if (longLine !== null) return;
      for (let from = 0; ; ) {
        const nl = c.indexOf(10, from);
        lineOctets += (nl === -1 ? c.length : nl + 1) - from;
        if (lineOctets > MAX_LINE_OCTETS) {
          longLine = line;
          return;
        }
        if (nl === -1) break;
        line++;
        lineOctets = 0;
        from = nl + 1;
      }
    });
    stream.on("error", reject);
    stream.on("end", () => resolve({ raw: Buffer.concat(chunks), size, tooBig: size > limitBytes, longLine }));
  });
}

/** The checks every DATA gets on both listeners: size, then line length. */
async function readData(stream: SMTPServerDataStream, limit: number): Promise<Buffer> {
  const d = await collectData(stream, limit);
  if (d.tooBig || stream.sizeExceeded) throw smtpError(552, `5.3.4 message exceeds max_message_size_mb (${limit / 1048576} MB)`);
  if (d.longLine !== null) throw smtpError(550, `5.6.0 line ${d.longLine} of the message is longer than ${MAX_LINE_OCTETS} octets (RFC 5321 4.5.3.1.6); encode the message (quoted-printable or base64)`);
  return d.raw;
}

/** The 101st recipient of one message is refused for now (RFC 5321: at least 100 must be accepted). */
function recipientCap(session: SMTPServerSession): Error | undefined {
  return session.envelope.rcptTo.length >= MAX_RECIPIENTS ? smtpError(452, `4.5.3 too many recipients: at most ${MAX_RECIPIENTS} per message; send the rest in another message`) : undefined;
}

/** A refusal on submission, naming the rule: 550 5.7.1 [rule] why. */
const refuse = (rule: string, why: string): Error => smtpError(550, `5.7.1 [${rule}] ${why}`);

/** Tracks wrong passwords per client IP (AuthPenalty). */
class AuthPenalties {
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();
  constructor(private readonly p: AuthPenalty) {}
  /** The lockout still running for ip, in ms, or 0. */
  locked(ip: string): number {
    const f = this.failures.get(ip);
    return f && f.lockedUntil > Date.now() ? f.lockedUntil - Date.now() : 0;
  }
  /** Records a failure; resolves after the delay it earns. */
  async fail(ip: string): Promise<void> {
    const f = this.failures.get(ip) ?? { count: 0, lockedUntil: 0 };
    if (f.lockedUntil !== 0 && f.lockedUntil <= Date.now()) f.count = 0;
    f.count++;
    f.lockedUntil = f.count >= this.p.lockoutAfter ? Date.now() + this.p.lockoutMs : 0;
    this.failures.set(ip, f);
    await new Promise((r) => setTimeout(r, Math.min(this.p.delayMs * 2 ** (f.count - 1), this.p.maxDelayMs)));
  }
  succeed(ip: string): void {
    this.failures.delete(ip);
  }
}

/** A loopback port nothing listens on now (the OS's choice). */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
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

/**
 * Where the mailbox host's Sieve hands its replies (vacation) in the sandbox, as the host hands them to SES: a
 * loopback SMTP listener on a free port (no AUTH; only the host's Dovecot knows it). Each reply goes where SES
 * would take it: to recipients inside the org through the MX path (`deliver`), to anyone else into the outbox.
 */
async function startReplyRelay(deliver: (raw: Buffer, from: string, to: string[]) => Promise<void>): Promise<{ readonly at: Endpoint; stop(): Promise<void> }> {
  const server = new SMTPServer({
    name: "replies.sandbox.mailorg.invalid",
    banner: "mailorg sandbox: the mailbox host's replies (as SES takes them)",
    logger: false,
    disabledCommands: ["AUTH", "STARTTLS"],
    closeTimeout: 1000,
    onConnect(session, cb) {
      cb(isLoopback(session.remoteAddress) ? undefined : smtpError(554, "5.7.1 loopback only"));
    },
    onData(stream, session, cb) {
      collectData(stream, 10 * 1024 * 1024)
        .then((d) => deliver(d.raw, session.envelope.mailFrom ? session.envelope.mailFrom.address : "", session.envelope.rcptTo.map((r) => canon(r.address))))
        .then(() => cb(), (err: Error) => cb(smtpError(451, `4.3.0 ${err.message}`)));
    },
  });
  const at = { host: "127.0.0.1", port: 0 };
  await listen(server, at, "(replies)");
  const port = (server.server.address() as { port: number }).port;
  return { at: { host: at.host, port }, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const { org, index } = opts;
  for (const [flag, at] of [["--smtp", opts.smtp], ["--submission", opts.submission], ["--imap", opts.imap], ...(opts.sieve ? [["--sieve", opts.sieve] as const] : []), ...(opts.webmail ? [["--webmail", opts.webmail] as const] : [])] as const) {
    if (!opts.public && !isLoopback(at.host)) {
      throw new SandboxError(`${flag} ${at.host}:${at.port} is not a loopback address: the sandbox offers plain-text AUTH with one shared password; listen on 127.0.0.1 or ::1, or pass --public to listen there anyway`);
    }
  }
  const maildir = resolve(opts.maildir);
  const table = buildRoutingTable(org, index);
  const log = opts.log ?? ((l: string) => process.stdout.write(l + "\n"));
  mkdirSync(maildir, { recursive: true, mode: PRIVATE_DIR });
  const store = new FileStore(join(maildir, "_store"));
  const outbox = new Outbox(join(maildir, "_outbound"));
  const penalties = new AuthPenalties(opts.authPenalty ?? DEFAULT_AUTH_PENALTY);
  const logins = [
    ...org.members.filter((m) => memberStatus(m) === "active").map((m) => canon(m.address)),
    ...org.mailboxes.map((m) => canon(m.address)),
  ].sort();
  const mb = { host: undefined as MailboxHost | undefined };
  // One attempt at every target of a job; the targets are set before any listener opens.
  const deliver = (job: DeliveryJob): Promise<CopyResult[]> => deliverCopies(job, { store, host: mb.host, forwarder: outbox, forwards: table.forwards }, { retryDelaysMs: [] });
  const redelivery = new Redelivery({ dir: join(maildir, "_store", "redelivery"), deliver, log });
  const passwordOf = (login: string): string => opts.passwords?.get(login) ?? opts.password;
  let mailhost: Sandbox["mailhost"];
  const ipOf = (session: SMTPServerSession): string => opts.clientIp ?? plainIp(session.remoteAddress);
  const size = table.maxMessageBytes;
  const officeRanges = (org.sending?.allowed_ip_ranges ?? []).length > 0;

  /** The MX path: SES's acceptance already checked; the router's decision (refused under DMARC p=reject), then delivery. */
  async function receive(listener: string, raw: Buffer, author: { from: string; authors: string[]; dmarc: Verdict | undefined }, recipients: string[], ip: string, envelopeFrom: string): Promise<CopyResult[]> {
    const messageId = newMessageId();
    store.write(messageId, raw);
    const { from, dmarc } = author;
    const decision = decide(table, { ...author, recipients, ip, spam: "PASS", virus: "PASS", sizeBytes: raw.length });
    let copies: CopyResult[] = [];
    if (decision.quarantined) await store.quarantine(messageId);
    else {
      const addresses = [...new Set([...decision.deliveries, ...decision.backups])].sort();
      const job: DeliveryJob = { messageId, envelopeFrom, addresses, ...(decision.junk !== null ? { quarantine: decision.junk } : {}) };
      try {
        copies = await deliver(job);
      } catch (err) {
        if (!(err instanceof DeliveryIncomplete)) throw err;
        // As SES and Lambda do: the message is in the store, the job is kept and retried; the MX answers 250.
        redelivery.enqueue(job);
        log(JSON.stringify({ listener, messageId, from, recipients, ip, dmarc, ...decision, copies: err.results, pending: err.failed }));
        if (!decision.accepted) throw smtpError(550, `5.7.1 ${decision.rejected_reason}`);
        return err.results;
      }
    }
    log(JSON.stringify({ listener, messageId, from, recipients, ip, dmarc, ...decision, copies }));
    // SES cannot refuse at DATA once the router runs; the sandbox, being the SMTP server, can and does.
    if (!decision.accepted) throw smtpError(550, `5.7.1 ${decision.rejected_reason}`);
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
    onRcptTo(address, session, cb) {
      const a = canon(address.address);
      if (!table.receivingDomains.includes(domainOf(a))) return cb(smtpError(550, `5.7.1 ${a}: not a receiving domain of the org`));
      if (!sesAccepts(table, a)) return cb(smtpError(550, `5.1.1 ${a}: unknown recipient (no catch_all)`));
      cb(recipientCap(session));
    },
    onData(stream, session, cb) {
      readData(stream, size)
        .then(async (raw) => {
          const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
          const author = authorOf(parseAddresses(headerValues(raw, "from")), envelopeFrom, "PASS");
          // Nobody on this listener is authenticated: mail claiming an org domain (or a subdomain) fails DMARC, as it would from outside.
          const claimsOrg = author.authors.some((a) => table.orgDomains.some((d) => domainOf(a) === d || domainOf(a).endsWith(`.${d}`)));
          await receive("smtp", raw, { ...author, dmarc: claimsOrg ? "FAIL" : author.dmarc }, session.envelope.rcptTo.map((r) => canon(r.address)), ipOf(session), envelopeFrom);
        })
        .then(() => cb(), (err: Error & { responseCode?: number }) => cb(err.responseCode ? err : smtpError(451, `4.3.0 ${err.message}`)));
    },
  });

  /** Every author a submitted message names must be one the member may send as; the first refusal, or null. */
  function checkAuthors(as: string, raw: Buffer, mailFrom: string, to: string[], ip: string): { refusal: Error } | { from: string } {
    const fromFields = headerValues(raw, "from");
    if (fromFields.length !== 1) return { refusal: refuse("one-from-field", `the message has ${fromFields.length} From fields; RFC 5322 allows exactly one`) };
    const authors = parseAddresses(fromFields);
    if (authors.length !== 1) return { refusal: refuse("one-author", `From names ${authors.length} addresses (${authors.join(", ") || "none"}); submission accepts exactly one author, the address you send as`) };
    const from = authors[0]!;
    const may = (rule: string, what: string, address: string): Error | null => {
      if (canon(address) === canon(from)) return null;
      const v = canSend(org, index, { as, from: address, to, ip, today: opts.today });
      return v.allowed ? null : refuse(rule, `${what} ${address} is not an address ${as} may send as: ${v.reason}`);
    };
    const senderFields = headerValues(raw, "sender");
    if (senderFields.length > 1) return { refusal: refuse("one-sender-field", `the message has ${senderFields.length} Sender fields; RFC 5322 allows at most one`) };
    if (senderFields.length === 1) {
      const senders = parseAddresses(senderFields);
      if (senders.length !== 1) return { refusal: refuse("sender", `Sender names ${senders.length} addresses; it must name exactly one`) };
      const r = may("sender", "Sender", senders[0]!);
      if (r) return { refusal: r };
    }
    if (mailFrom !== "") {
      const r = may("envelope-from", "MAIL FROM", mailFrom);
      if (r) return { refusal: r };
    }
    return { from };
  }

  const submission = new SMTPServer({
    name: "submission.sandbox.mailorg.invalid",
    banner: "mailorg sandbox submission (AUTH as a member with the sandbox password)",
    logger: false,
    disabledCommands: ["STARTTLS"],
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    size,
    closeTimeout: 1000,
    onAuth(auth, session, cb) {
      const ip = ipOf(session);
      const locked = penalties.locked(ip);
      if (locked > 0) return cb(smtpError(454, `4.7.0 too many failed logins from ${ip}: try again in ${Math.ceil(locked / 1000)} s`));
      const user = canon(auth.username ?? "");
      const member = index.members.get(user);
      const ok = member !== undefined && index.addresses.get(user)?.kind === "member" && memberStatus(member) === "active" && auth.password === passwordOf(user);
      if (ok) {
        penalties.succeed(ip);
        return cb(null, { user });
      }
      void penalties.fail(ip).then(() => cb(smtpError(535, "5.7.8 authentication failed: log in with an active member's primary address and the sandbox password")));
    },
    onRcptTo(_address, session, cb) {
      cb(recipientCap(session));
    },
    onData(stream, session, cb) {
      readData(stream, size)
        .then(async (raw) => {
          const as = String(session.user);
          const ip = ipOf(session);
          const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
          // can-send sees From and the recipients exactly as the client sent them, as IAM does.
          const to = session.envelope.rcptTo.map((r) => r.address);
          const authors = checkAuthors(as, raw, mailFrom, to, ip);
          if ("refusal" in authors) {
            log(JSON.stringify({ listener: "submission", as, to, ip, allowed: false, reason: authors.refusal.message }));
            throw authors.refusal;
          }
          const { from } = authors;
          const verdict = canSend(org, index, { as, from, to, ip, today: opts.today });
          log(JSON.stringify({ listener: "submission", as, from, to, ip, allowed: verdict.allowed, reason: verdict.reason }));
          if (!verdict.allowed) {
            const hint = officeRanges && opts.clientIp === undefined && verdict.statement?.includes("OutsideOfficeRanges")
              ? ` (the sandbox saw your connection from ${ip}, outside sending.allowed_ip_ranges; start it with --client-ip <an office address> to send as from the office)`
              : "";
            throw refuse("can-send", verdict.reason + hint);
          }
          const rcpts = to.map(canon);
          const inside = rcpts.filter((a) => table.receivingDomains.includes(domainOf(a)));
          const outside = rcpts.filter((a) => !inside.includes(a));
          if (outside.length > 0) outbox.write("outbound", outside, raw);
          if (inside.length > 0) await receive("submission", raw, authorOf([from], from, "PASS"), inside, ip, mailFrom || from);
        })
        .then(() => cb(), (err: Error & { responseCode?: number }) => cb(err.responseCode ? err : smtpError(451, `4.3.0 ${err.message}`)));
    },
  });

  /**
   * With a mailbox host, SES as the host's relay meets it: members' messages the host accepted (its policy service
   * decided them) arrive here from the host's relay program, authenticated as SES would (DKIM PASS); the org's own
   * recipients go through the MX path (router, groups, forwards), the others to the outbox. Loopback only.
   */
  function sesStandIn(): SMTPServer {
    return new SMTPServer({
      name: "ses.sandbox.mailorg.invalid",
      banner: "mailorg sandbox SES (the mailbox host's relay target)",
      logger: false,
      disabledCommands: ["AUTH", "STARTTLS"],
      size,
      closeTimeout: 1000,
      onData(stream, session, cb) {
        readData(stream, size)
          .then(async (raw) => {
            const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
            const from = parseAddresses(headerValues(raw, "from"))[0] ?? mailFrom;
            const rcpts = session.envelope.rcptTo.map((r) => canon(r.address));
            const inside = rcpts.filter((a) => table.receivingDomains.includes(domainOf(a)));
            const outside = rcpts.filter((a) => !inside.includes(a));
            if (outside.length > 0) outbox.write("outbound", outside, raw);
            if (inside.length > 0) await receive("mailhost-ses", raw, authorOf([from], from, "PASS"), inside, "127.0.0.1", mailFrom || from);
          })
          .then(() => cb(), (err: Error & { responseCode?: number }) => cb(err.responseCode ? err : smtpError(451, `4.3.0 ${err.message}`)));
      },
    });
  }

  const started: (() => Promise<void>)[] = [];
  let imapConfigDir = "";
  const closeAll = async (): Promise<void> => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  const stopServer = (s: SMTPServer) => () => new Promise<void>((r) => s.close(() => r()));
  started.push(async () => redelivery.close());
  try {
    // What lies behind the listeners first: the mailbox host (or Dovecot), so that no message is taken before it
    // can be delivered; then the listeners; "ready" is printed by the caller once this returns.
    const hostPlan = mailhostPlanOf(org, index, opts.today);
    if (hostPlan) {
      // The org's own mailbox host: real Postfix and Dovecot from mailhost-config's files (simulate/mailhost-sandbox.ts).
      // They run as their own users and must pass through the Maildir root to _mailhost/: it becomes 0711
      // (enter, not list); the archive and the outbox inside stay 0700.
      chmodSync(maildir, 0o711);
      const replies = await startReplyRelay(async (raw, from, to) => {
        const inside = to.filter((a) => table.receivingDomains.includes(domainOf(a)));
        const outside = to.filter((a) => !inside.includes(a));
        log(JSON.stringify({ listener: "replies", from, to }));
        if (outside.length > 0) outbox.write("reply", outside, raw);
        if (inside.length > 0) await receive("replies", raw, authorOf(parseAddresses(headerValues(raw, "from")), from, "PASS"), inside, "127.0.0.1", from);
      });
      started.push(() => replies.stop());
      const sieve = opts.sieve ?? { host: opts.imap.host, port: opts.imap.port + 3 };
      const ses = sesStandIn();
      await listen(ses, { host: "127.0.0.1", port: 0 }, "the SES stand-in");
      started.push(stopServer(ses));
      const relay = opts.mailhostRelay ?? { host: opts.imap.host, port: opts.imap.port + 1 };
      const host = await startMailhostSandbox({
        plan: hostPlan,
        dir: join(maildir, "_mailhost"),
        relay,
        submissions: opts.mailhostSubmissions ?? { host: relay.host, port: relay.port + 1 },
        imaps: opts.imap,
        sieve,
        ...(opts.webmail ? { web: opts.webmail } : {}),
        replyRelay: `${replies.at.host}:${replies.at.port}`,
        // Accounts on the host start unactivated unless --passwords presets them (the shared --password does not).
        passwordOf: (login: string) => opts.passwords?.get(login),
        target: {
          ses: { host: "127.0.0.1", port: (ses.server.address() as { port: number }).port },
          today: opts.today,
          account: opts.mailhostAccount ?? { host: "127.0.0.1", port: await unusedPort() },
          ...(opts.clientIp !== undefined ? { clientIp: opts.clientIp } : {}),
        },
      }).catch((err: Error) => {
        throw new SandboxError(`mailbox host: ${err.message}`);
      });
      started.push(() => host.stop());
      mb.host = host.relay;
      mailhost = { hostname: hostPlan.hostname, relay: host.layout.relayListener, sieve, ca: host.ca, logDir: host.layout.logDir, mailRoot: host.layout.mailRoot, layout: host.layout, ...(host.accountUrl ? { accountUrl: host.accountUrl } : {}) };
    } else {
      let dovecot: RunningDovecot;
      try {
        dovecot = await startDovecot({ ...opts.imap, maildir, logins, password: opts.password });
      } catch (err) {
        throw new SandboxError(`--imap: ${(err as Error).message}`);
      }
      started.push(() => dovecot.stop());
      imapConfigDir = dovecot.configDir;
      const maildirs = new MaildirHost(maildir, dovecot.users);
      for (const l of logins) maildirs.ensure(l);
      mb.host = maildirs;
    }
    // Copies a previous run accepted and could not deliver yet.
    const resumed = redelivery.resume();
    if (resumed > 0) log(JSON.stringify({ redelivery: "resumed", jobs: resumed }));
    await listen(mx, opts.smtp, "--smtp");
    started.push(stopServer(mx));
    await listen(submission, opts.submission, "--submission");
    started.push(stopServer(submission));
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { table, maildir, imapConfigDir, close: closeAll, ...(mailhost ? { mailhost } : {}) };
}
