/** Shared by the sandbox tests: a free loopback port, and the subjects in an IMAP login's INBOX. */
import { createServer } from "node:net";
import { ImapFlow as ImapFlowClass, type ImapFlow } from "imapflow";
import type { MailhostLayout } from "../mailhost/layout.ts";

/**
 * Every directory the host's sync writes, as its flags, from a test's layout: a test that runs the sync names them
 * all, so that none falls back to the machine's own /etc or /srv (overrides replace single ones).
 */
export function syncDirArgs(layout: MailhostLayout, overrides: Partial<Record<"mailorgDir" | "mailRoot", string>> = {}): string[] {
  const l = { ...layout, ...overrides };
  return ["--postfix-dir", l.postfixDir, "--dovecot-dir", l.dovecotDir, "--mailorg-dir", l.mailorgDir, "--nginx-dir", l.nginxDir, "--www-dir", l.wwwDir, "--roundcube-dir", l.roundcubeConfigDir, "--mail-root", l.mailRoot];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Connects, reads the INBOX's subjects (sorted), logs out. */
export async function inboxSubjects(client: ImapFlow): Promise<string[]> {
  await client.connect();
  try {
    const box = await client.mailboxOpen("INBOX");
    if (box.exists === 0) return [];
    const out: string[] = [];
    for await (const m of client.fetch("1:*", { envelope: true })) out.push(m.envelope?.subject ?? "");
    return out.sort();
  } finally {
    await client.logout();
  }
}

/**
 * A minimal ManageSieve client (RFC 5804), as webmail's managesieve plugin or a desktop client speaks it:
 * STARTTLS, AUTHENTICATE PLAIN, then each command in turn; resolves with every reply, rejects on NO or BYE.
 */
export async function manageSieve(at: { host: string; port: number }, tlsOpts: { ca: string; servername: string }, user: string, pass: string, commands: readonly string[]): Promise<string[]> {
  const { connect } = await import("node:net");
  const tls = await import("node:tls");
  let socket: import("node:net").Socket = connect(at.port, at.host);
  let buffer = "";
  let waiting: ((reply: string) => void) | undefined;
  const onData = (d: Buffer): void => {
    buffer += d.toString();
    const m = /(^|\r\n)(OK|NO|BYE)( [^\r\n]*)?\r\n$/.exec(buffer);
    if (m && waiting) {
      const reply = buffer;
      buffer = "";
      const w = waiting;
      waiting = undefined;
      w(reply);
    }
  };
  const reply = (): Promise<string> => new Promise((resolve) => (waiting = resolve));
  const send = async (line: string): Promise<string> => {
    const r = reply();
    socket.write(line + "\r\n");
    const text = await r;
    if (!/(^|\r\n)OK/.test(text)) throw new Error(`managesieve: ${line.split(" ")[0]}: ${text.trim()}`);
    return text;
  };
  socket.on("data", onData);
  const replies = [await reply()];
  replies.push(await send("STARTTLS"));
  socket.off("data", onData);
  socket = tls.connect({ socket, ca: tlsOpts.ca, servername: tlsOpts.servername });
  socket.on("data", onData);
  replies.push(await reply());
  replies.push(await send(`AUTHENTICATE "PLAIN" "${Buffer.from(`\0${user}\0${pass}`).toString("base64")}"`));
  try {
    for (const c of commands) replies.push(await send(c));
  } finally {
    socket.end("LOGOUT\r\n");
  }
  return replies;
}

/** A ManageSieve PUTSCRIPT command with the script as a non-synchronising literal. */
export const putScript = (name: string, script: string): string => `PUTSCRIPT "${name}" {${Buffer.byteLength(script)}+}\r\n${script}`;

/** A self-signed certificate for the names (openssl), as the sandbox makes one: { cert, key } paths under dir. */
export async function selfSigned(dir: string, names: readonly string[]): Promise<{ cert: string; key: string }> {
  const { spawnSync } = await import("node:child_process");
  const { mkdirSync } = await import("node:fs");
  const { join } = await import("node:path");
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`, "-keyout", key, "-out", cert], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  return { cert, key };
}

/** Calls fn until done(result) or `ms` have passed (default 10 s); returns the last result. */
export async function eventually<T>(fn: () => Promise<T>, done: (t: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await fn();
    if (done(r) || Date.now() > deadline) return r;
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** Clients of a sandbox with a mailbox host: mx (outside mail into the simulated MX; null or the refusal), imap and inbox (IMAPS with the sandbox certificate). */
export function sandboxClients(ports: { readonly smtp: number; readonly imap: number }, ca: () => string) {
  const mx = async (from: string, to: string[], subject: string, text = "hello"): Promise<(Error & { responseCode?: number }) | null> => {
    const { createTransport } = await import("nodemailer");
    return createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true })
      .sendMail({ from, to, subject, text })
      .then(() => null, (e: Error & { responseCode?: number }) => e);
  };
  const imap = (user: string, pass: string): ImapFlow =>
    new ImapFlowClass({ host: "127.0.0.1", port: ports.imap, secure: true, tls: { ca: ca(), servername: "mail.example.com" }, auth: { user, pass }, logger: false, disableAutoIdle: true });
  const inbox = (user: string, pass: string): Promise<string[]> => inboxSubjects(imap(user, pass));
  return { mx, imap, inbox };
}
