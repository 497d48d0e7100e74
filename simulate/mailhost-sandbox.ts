/**
 * The mailbox host in `mailorg sandbox`: real Postfix and Dovecot (Debian's postfix, dovecot-imapd,
 * dovecot-lmtpd) run from the files mailhost/ generates for the EC2 host, with a layout under the sandbox's
 * directory: loopback ports, a self-signed certificate for the host name, its own queue, mail and log
 * directories. The router's delivery relays to Postfix with STARTTLS and AUTH as on AWS; Postfix hands mail to
 * Dovecot over LMTP; members read it over IMAPS. Logins are bcrypt hashes made by Dovecot's own `doveadm pw`.
 * Postfix needs root (its master process and queue), so the sandbox refuses to start it otherwise. Both servers
 * stop with stop(), and with this process.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join, resolve } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { Accounts } from "../mailhost/accounts.ts";
import { accountConfig, COMMON_PASSWORDS, configFiles, type SandboxTarget } from "../mailhost/files.ts";
import { hostLayout, POSTFIX_MAP_TYPE, POSTFIX_MAPS, type MailhostLayout } from "../mailhost/layout.ts";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { planOrg } from "../plan/plan.ts";
import { SmtpRelay } from "../runtime/delivery/relay.ts";
import { startWebmail } from "./webmail-sandbox.ts";

export class MailhostSandboxError extends Error {
  override name = "MailhostSandboxError";
}

export interface MailhostSandboxOptions {
  readonly plan: MailhostPlan;
  /** Where everything lives: configuration, queue, mailboxes (<dir>/mail/<address>/Maildir), logs (<dir>/log). */
  readonly dir: string;
  /** Postfix's relay listener and Dovecot's IMAPS listener (loopback). */
  readonly relay: { readonly host: string; readonly port: number };
  readonly imaps: { readonly host: string; readonly port: number };
  /** Postfix's implicit-TLS submission listener (465 on the host). */
  readonly submissions: { readonly host: string; readonly port: number };
  /** Where the host's SES relay hands members' messages, and the day the host decides on; absent: as on the host (SES). */
  readonly target?: SandboxTarget;
  /** Each login's preset password (--passwords); undefined: that member's account starts unactivated (password reset). */
  /** Dovecot's ManageSieve listener (STARTTLS); default none. */
  readonly sieve?: { readonly host: string; readonly port: number };
  /** nginx's HTTPS listener (client set-up, webmail); default none: nginx does not run. */
  readonly web?: { readonly host: string; readonly port: number };
  /** host:port of the SMTP server that takes Sieve's replies (vacation); default none: the sandbox must not reach the system's sendmail. */
  readonly replyRelay?: string;
  readonly passwordOf: (address: string) => string | undefined;
}

export interface RunningMailhost {
  /** The router's relay to this host (STARTTLS with the sandbox certificate, AUTH as the router). */
  readonly relay: SmtpRelay;
  /** The sandbox certificate (PEM): IMAP clients trust it to reach the host by its name. */
  readonly ca: string;
  readonly layout: MailhostLayout;
  /** The account service's activation and password pages (HTTPS, the sandbox certificate), when it runs. */
  readonly accountUrl?: string;
  stop(): Promise<void>;
}

/** The org's mailbox host as planned, or undefined when it declares none. */
export function mailhostPlanOf(org: Org, index: OrgIndex, today: string): MailhostPlan | undefined {
  return planOrg(org, index, { today }).mailhost;
}

const postfixUid = (): { uid: number; gid: number } => {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postfix:"));
  if (!line) throw new MailhostSandboxError("Postfix's system user is missing: install Debian's postfix (apt-get install postfix)");
  const f = line.split(":");
  return { uid: Number(f[2]), gid: Number(f[3]) };
};

function sandboxLayout(dir: string, opts: MailhostSandboxOptions): MailhostLayout {
  return {
    ...hostLayout(opts.plan.hostname),
    postfixDir: join(dir, "postfix"),
    postfixQueueDir: join(dir, "spool"),
    postfixDataDir: join(dir, "data"),
    dovecotDir: join(dir, "dovecot"),
    dovecotBaseDir: join(dir, "run"),
    dovecotStateDir: join(dir, "state"),
    mailRoot: join(dir, "mail"),
    logDir: join(dir, "log"),
    tlsCert: join(dir, "tls", "cert.pem"),
    tlsKey: join(dir, "tls", "key.pem"),
    relayListener: `${opts.relay.host}:${opts.relay.port}`,
    submissionsListener: `${opts.submissions.host}:${opts.submissions.port}`,
    mailorgDir: join(dir, "mailorg"),
    nodePath: process.execPath,
    imapsAddress: opts.imaps.host,
    imapsPort: opts.imaps.port,
    instanceName: `mailorg-sandbox-${opts.imaps.port}`,
    // Port 0: Dovecot opens no ManageSieve listener.
    managesievePort: opts.sieve?.port ?? 0,
    managesieveAddress: opts.sieve?.host ?? opts.imaps.host,
    // Without a reply relay, the discard port, where nothing listens: a reply fails (logged), never reaching the system's own mail.
    replyRelay: opts.replyRelay ?? "127.0.0.1:9",
    nginxDir: join(dir, "nginx"),
    wwwDir: join(dir, "www"),
    roundcubeConfigDir: join(dir, "roundcube"),
    roundcubeDataDir: join(dir, "webmail"),
    phpFpmSocket: join(dir, "run", "php-fpm.sock"),
    webmailImap: `ssl://${opts.imaps.host}:${opts.imaps.port}`,
    // The host's own submission (587 with STARTTLS, the member's account), as on the host.
    webmailSmtp: `tls://${opts.relay.host}:${opts.relay.port}`,
    webmailSieve: `tls://${opts.sieve?.host ?? opts.imaps.host}:${opts.sieve?.port ?? 0}`,
    webmailCa: join(dir, "tls", "cert.pem"),
    // The sandbox's account service serves TLS itself, for the host name.
    accountApiUrl: opts.target ? `https://${opts.target.account.host}:${opts.target.account.port}/account/api/password` : "http://127.0.0.1:9/",
    accountApiPeerName: opts.plan.hostname,
    nginxPid: join(dir, "run", "nginx.pid"),
    nginxTempDir: join(dir, "nginx-temp"),
    httpsListen: opts.web ? [`${opts.web.host.includes(":") ? `[${opts.web.host}]` : opts.web.host}:${opts.web.port}`] : [],
    httpListen: [],
  };
}

function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new MailhostSandboxError(`${what} failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  return r.stdout;
}

/**
 * A bcrypt hash line for Dovecot's passwd-file, made by Dovecot itself at cost 10 (what Terraform's bcrypt()
 * uses, so a login costs here what it costs on the host); one hash per distinct password.
 */
function hasher(): (user: string, password: string) => string {
  const hashes = new Map<string, string>();
  return (user, password) => {
    let h = hashes.get(password);
    if (h === undefined) hashes.set(password, (h = run("doveadm", ["pw", "-s", "BLF-CRYPT", "-r", "10", "-p", password], "doveadm pw").trim()));
    return `${user}:${h}\n`;
  };
}

/** Resolves when host:port greets (after TLS for IMAPS); rejects after the deadline or when a server exits. */
async function waitFor(what: string, probe: () => Promise<boolean>, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const why = exited();
    if (why) throw new MailhostSandboxError(why);
    if (await probe()) return;
    if (Date.now() > deadline) throw new MailhostSandboxError(`${what} did not answer within 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const greets = (host: string, port: number, tls: { ca: string; servername: string } | undefined, prefix: string) => (): Promise<boolean> =>
  new Promise((resolve) => {
    const s = tls ? tlsConnect({ host, port, ca: tls.ca, servername: tls.servername }) : connect(port, host);
    s.once("data", (d) => (s.destroy(), resolve(d.toString().startsWith(prefix))));
    s.once("error", () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });

/** Resolves true when an HTTPS server answers at host:port for servername with the given CA. */
const greetsHttps = (host: string, port: number, ca: string, servername: string) => (): Promise<boolean> =>
  new Promise((resolve) => {
    const s = tlsConnect({ host, port, ca, servername });
    s.once("secureConnect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });

export async function startMailhostSandbox(opts: MailhostSandboxOptions): Promise<RunningMailhost> {
  if (process.getuid?.() !== 0) throw new MailhostSandboxError("the mailbox host's Postfix needs root (its master process and queue); run the sandbox as root, e.g. in a container");
  for (const bin of ["postfix", "dovecot", "doveadm", "openssl"]) {
    if (!["/usr/sbin", "/usr/bin"].some((d) => existsSync(join(d, bin)))) throw new MailhostSandboxError(`${bin} is not installed: apt-get install postfix dovecot-imapd dovecot-lmtpd openssl`);
  }
  const { plan } = opts;
  const layout = sandboxLayout(opts.dir, opts);
  const pf = postfixUid();
  for (const d of ["postfix", "spool", "data", "dovecot", "run", "state", "mail", "log", "tls", "mailorg", "nginx-temp", "roundcube"]) mkdirSync(join(opts.dir, d), { recursive: true });
  chmodSync(opts.dir, 0o755);
  // Postfix and Dovecot open their files as their own users: every directory above must let them through.
  for (let d = dirname(resolve(opts.dir)); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) throw new MailhostSandboxError(`Postfix and Dovecot run as their own users, who cannot enter ${d} (chmod o+x ${d}, or choose a --maildir elsewhere)`);
    if (d === dirname(d)) break;
  }
  chownSync(layout.postfixDataDir, pf.uid, pf.gid);
  chownSync(layout.logDir, pf.uid, pf.gid);
  chownSync(layout.mailRoot, layout.mailUid, layout.mailGid);
  run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${plan.hostname}`, "-addext", `subjectAltName=DNS:${plan.hostname}`, "-keyout", layout.tlsKey, "-out", layout.tlsCert], "openssl (the sandbox certificate)");
  const files = configFiles(plan, layout, opts.target);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(opts.dir, rel)), { recursive: true });
    writeFileSync(join(opts.dir, rel), text);
  }
  // Postfix's lookup tables in their indexed form, as the host's sync builds them (mailhost/layout.ts POSTFIX_MAPS).
  for (const rel of POSTFIX_MAPS) run("postmap", ["-c", layout.postfixDir, `${POSTFIX_MAP_TYPE}:${join(opts.dir, rel)}`], `postmap ${rel}`);
  // The router's line, then the members' accounts as on the host: preset ones (--passwords) written into the
  // password store by the account code itself, which derives Dovecot's passwd-files (IMAP and submission) from it.
  const hashLine = hasher();
  const relayPassword = randomBytes(24).toString("base64url");
  // As on the host (mailorg-sync): readable by Dovecot's auth processes (group dovecot), nobody else.
  const dovecotGid = Number(readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith("dovecot:"))?.split(":")[2] ?? 0);
  writeFileSync(join(layout.dovecotDir, "smtp.passwd"), hashLine(plan.relayUser, relayPassword), { mode: 0o640 });
  chownSync(join(layout.dovecotDir, "smtp.passwd"), 0, dovecotGid);
  const accountConf = accountConfig(plan, layout, opts.target) as { paths: ConstructorParameters<typeof Accounts>[0]["paths"]; logins: string[] };
  const presets = new Map(plan.mailboxes.filter((m) => m.login).flatMap((m) => {
    const pw = opts.passwordOf(m.address);
    return pw === undefined ? [] : [[m.address, pw] as const];
  }));
  new Accounts({ paths: accountConf.paths, logins: accountConf.logins, common: COMMON_PASSWORDS, now: () => new Date(), flush: () => undefined, dovecotGid }).preset(presets);
  run("postfix", ["-c", layout.postfixDir, "check"], "postfix check");
  run("doveconf", ["-c", join(layout.dovecotDir, "dovecot.conf"), "-n"], "doveconf -n");
  // The org's Sieve scripts, compiled as the host's sync compiles them (Dovecot's delivery cannot write beside them).
  for (const rel of Object.keys(files).filter((r) => r.endsWith(".sieve"))) run("sievec", ["-c", join(layout.dovecotDir, "dovecot.conf"), join(opts.dir, rel)], `sievec ${rel}`);

  const children: { name: string; child: ChildProcess; exit?: string; exited: Promise<void> }[] = [];
  const start = (name: string, cmd: string, args: string[]) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const entry: (typeof children)[number] = { name, child, exited: Promise.resolve() };
    entry.exited = new Promise<void>((resolve) => child.once("exit", (code, signal) => ((entry.exit = `${name} stopped (${code ?? signal}): ${stderr.trim() || `see ${layout.logDir}`}`), resolve())));
    child.once("error", (e) => (entry.exit = `${name} could not start: ${e.message}`));
    children.push(entry);
  };
  const exited = (): string | undefined => children.find((c) => c.exit)?.exit;
  let stopWeb = async (): Promise<void> => undefined;
  const stop = async (): Promise<void> => {
    process.off("exit", orphanGuard);
    await stopWeb();
    spawnSync("postfix", ["-c", layout.postfixDir, "stop"]);
    for (const c of children) if (!c.exit) c.child.kill("SIGTERM");
    await Promise.all(children.map((c) => c.exited));
  };
  const orphanGuard = (): void => {
    spawnSync("postfix", ["-c", layout.postfixDir, "stop"]);
    for (const c of children) c.child.kill("SIGTERM");
  };
  process.once("exit", orphanGuard);
  try {
    // Dovecot first: Postfix's smtpd needs its auth, LMTP and quota-status sockets in the queue directory.
    start("dovecot", "dovecot", ["-F", "-c", join(layout.dovecotDir, "dovecot.conf")]);
    await waitFor(`dovecot on ${opts.imaps.host}:${opts.imaps.port}`, greets(opts.imaps.host, opts.imaps.port, { ca: readFileSync(layout.tlsCert, "utf8"), servername: plan.hostname }, "* OK"), exited);
    start("postfix", "postfix", ["-c", layout.postfixDir, "start-fg"]);
    await waitFor(`postfix on ${opts.relay.host}:${opts.relay.port}`, greets(opts.relay.host, opts.relay.port, undefined, "220"), exited);
    if (opts.target) {
      // The account service, as on the host (there behind nginx; here serving TLS with the sandbox certificate).
      start("account service", process.execPath, [join(layout.mailorgDir, "account.mjs"), join(layout.mailorgDir, "account.json")]);
      const at = opts.target.account;
      await waitFor(`the account service on ${at.host}:${at.port}`, greetsHttps(at.host, at.port, readFileSync(layout.tlsCert, "utf8"), plan.hostname), exited);
    }
    await waitFor(`postfix on ${opts.submissions.host}:${opts.submissions.port}`, greets(opts.submissions.host, opts.submissions.port, { ca: readFileSync(layout.tlsCert, "utf8"), servername: plan.hostname }, "220"), exited);
    if (opts.web) {
      const web = await startWebmail(layout, opts.web);
      stopWeb = () => web.stop();
    }
  } catch (err) {
    await stop();
    const log = ["postfix.log", "dovecot.log"].map((f) => join(layout.logDir, f)).filter(existsSync).map((f) => readFileSync(f, "utf8").split("\n").filter((l) => /fatal|Fatal|Error|in use/.test(l)).slice(-1)[0]).find(Boolean);
    throw new MailhostSandboxError(`${(err as Error).message}${log ? ` (${log.trim()})` : ""}`);
  }
  const ca = readFileSync(layout.tlsCert, "utf8");
  const relay = new SmtpRelay({ host: opts.relay.host, port: opts.relay.port, servername: plan.hostname, ca, auth: { user: plan.relayUser, pass: relayPassword } });
  return {
    relay,
    ca,
    layout,
    ...(opts.target ? { accountUrl: `https://${plan.hostname}:${opts.target.account.port}/account/` } : {}),
    async stop() {
      relay.close();
      await stop();
    },
  };
}
