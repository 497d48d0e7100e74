/**
 * `mailorg migrate` (console 5.1.4): each old account is copied into the member's mailbox with Dovecot's own
 * dsync over imapc (`doveadm sync -1 -R`: one way, from the old server into the new mailbox; folders, flags and
 * received dates are kept; a second run copies only what is new, and never deletes). Locally it runs against the
 * sandbox's mailbox host; the old password goes into a temporary configuration file readable by root only, never
 * onto a command line.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface MigrationEntry {
  readonly address: string;
  readonly oldUser: string;
  readonly oldPassword: string;
  /** 1-based line in the map file. */
  readonly line: number;
}

export interface MigrationSource {
  readonly host: string;
  readonly port: number;
  /** imaps:// (TLS from the start); otherwise imap://, which uses STARTTLS unless insecure. */
  readonly tls: boolean;
  /** imap:// in clear text, without STARTTLS (`mailorg migrate --insecure`): old passwords cross the network unencrypted. */
  readonly insecure?: boolean;
}

/** Debian's CA bundle (ca-certificates): the old server's certificate must chain to it and name the host. */
export const DEBIAN_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/** imapc's TLS: imaps:// is TLS, imap:// is STARTTLS (refused by a server without it), clear text only when insecure. */
export function imapcSsl(source: MigrationSource): "imaps" | "starttls" | "no" {
  return source.tls ? "imaps" : source.insecure ? "no" : "starttls";
}

/** imap://HOST[:PORT] or imaps://HOST[:PORT]; undefined when it is neither. */
export function parseSource(url: string): MigrationSource | undefined {
  const m = /^(imaps?):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(url);
  if (!m) return undefined;
  const tls = m[1] === "imaps";
  const port = m[3] ? Number(m[3]) : tls ? 993 : 143;
  if (port < 1 || port > 65535) return undefined;
  return { host: m[2]!.replace(/^\[(.*)\]$/, "$1"), port, tls };
}

/** The map: `address,old_username,old_password` lines (a header line naming the columns is skipped); errors name the line. */
export function parseMigrationMap(text: string): { entries: MigrationEntry[]; errors: string[] } {
  const entries: MigrationEntry[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || (i === 0 && /^address\s*,/i.test(line))) return;
    const first = line.indexOf(",");
    const second = line.indexOf(",", first + 1);
    if (first < 1 || second < 0 || second === first + 1 || second === line.length - 1) {
      errors.push(`line ${i + 1}: expected address,old_username,old_password`);
      return;
    }
    entries.push({ address: line.slice(0, first).toLowerCase(), oldUser: line.slice(first + 1, second), oldPassword: line.slice(second + 1), line: i + 1 });
  });
  return { entries, errors };
}

/**
 * How the old server is logged in to: the map's third column is the password (an app password for Google
 * or Microsoft accounts with two-step verification), or `xoauth2:TOKEN`, an OAuth 2.0 access token sent
 * with SASL XOAUTH2 (Google, Microsoft 365). A password that itself starts with "xoauth2:" is written
 * `password:xoauth2:...`.
 */
export function credentialOf(secret: string): { readonly mechanism: "password" | "xoauth2"; readonly secret: string } {
  if (secret.startsWith("xoauth2:")) return { mechanism: "xoauth2", secret: secret.slice("xoauth2:".length) };
  if (secret.startsWith("password:")) return { mechanism: "password", secret: secret.slice("password:".length) };
  return { mechanism: "password", secret };
}

/**
 * Folders of the old server not to copy: Gmail's virtual folders, which hold again messages that are in
 * the INBOX and the labels (All Mail, Important, Starred; `[Google Mail]` in some countries). Labels are
 * folders over IMAP and are copied as folders. Nothing is skipped on other servers.
 */
export function skippedFolders(source: MigrationSource): string[] {
  if (!/^imap\.(gmail|googlemail)\.com$/i.test(source.host)) return [];
  return ["[Gmail]", "[Google Mail]"].flatMap((root) => ["All Mail", "Important", "Starred"].map((f) => `${root}/${f}`));
}

/** A folder name with '/' and with '.' between its levels: the old server's separator is not known in advance. */
function bothSeparators(folder: string): string[] {
  return [...new Set([folder, folder.replaceAll("/", ".")])];
}

/** The imapc settings that log in to the old server as the entry says (the secret quoted for Dovecot's configuration). */
export function imapcLogin(entry: MigrationEntry): string[] {
  const quoted = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const c = credentialOf(entry.oldPassword);
  return [`imapc_user = ${quoted(entry.oldUser)}`, `imapc_password = ${quoted(c.secret)}`, ...(c.mechanism === "xoauth2" ? ["imapc_sasl_mechanisms = xoauth2"] : [])];
}

/**
 * Bytes of mail in each folder of the old account that will be copied (doveadm over imapc, `conf` holding
 * its login), and their sum; undefined when the old server cannot be asked.
 */
export function sourceSize(conf: string, address: string, skipped: readonly string[]): { total: number; folders: Record<string, number> } | undefined {
  const r = spawnSync("doveadm", ["-c", conf, "-o", "mail_location=imapc:", "mailbox", "status", "-u", address, "vsize", "*"], { encoding: "utf8", timeout: 10 * 60_000 });
  if (r.status !== 0) return undefined;
  const folders: Record<string, number> = {};
  const skip = new Set(skipped.flatMap(bothSeparators));
  for (const line of r.stdout.split("\n")) {
    const m = /^(.*) vsize=(\d+)$/.exec(line.trim());
    if (m && !skip.has(m[1]!)) folders[m[1]!] = Number(m[2]);
  }
  return { total: Object.values(folders).reduce((a, b) => a + b, 0), folders };
}

export interface MigrationResult {
  readonly address: string;
  readonly ok: boolean;
  /** Messages in the member's mailbox before and after (every folder). */
  readonly before: number;
  readonly after: number;
  /** Why it failed (the old server's answer). */
  readonly error?: string;
  /** Bytes the old account holds in the folders copied, when the old server said. */
  readonly sourceBytes?: number;
}

/** Messages in every folder of a user's mailbox, as doveadm counts them. */
function messageCount(config: string, user: string): number {
  const r = spawnSync("doveadm", ["-c", config, "mailbox", "status", "-u", user, "-t", "messages", "*"], { encoding: "utf8" });
  return r.status === 0 ? Number(r.stdout.trim().split("=")[1] ?? 0) : 0;
}

/**
 * Copies one old account into the member's mailbox on the Dovecot that `config` describes, skipping the
 * old server's virtual folders; with `quotaMb`, measures the old account first and copies nothing when it
 * holds more than the quota. The old server's certificate is verified against `caFile` (default Debian's CA
 * bundle) and the host name.
 */
export function migrateMailbox(config: string, source: MigrationSource, entry: MigrationEntry, opts: { readonly quotaMb?: number; readonly skip?: readonly string[]; readonly caFile?: string } = {}): MigrationResult {
  const dir = mkdtempSync(join(tmpdir(), "mailorg-migrate-"));
  const conf = join(dir, "imapc.conf");
  const skipped = opts.skip ?? skippedFolders(source);
  writeFileSync(
    conf,
    [
      `!include ${config}`,
      `imapc_host = ${source.host}`,
      `imapc_port = ${source.port}`,
      ...imapcLogin(entry),
      `imapc_ssl = ${imapcSsl(source)}`,
      "imapc_ssl_verify = yes",
      `ssl_client_ca_file = ${opts.caFile ?? DEBIAN_CA_BUNDLE}`,
      "imapc_features = rfc822.size fetch-headers",
      "mail_prefetch_count = 20",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  try {
    const before = messageCount(config, entry.address);
    const size = opts.quotaMb === undefined ? undefined : sourceSize(conf, entry.address, skipped);
    const measured = size ? { sourceBytes: size.total } : {};
    if (size && opts.quotaMb !== undefined && size.total > opts.quotaMb * 1024 * 1024) {
      const mb = size.total / (1024 * 1024);
      return { address: entry.address, ok: false, before, after: before, ...measured, error: `the old account holds ${mb.toFixed(1)} MB, more than the quota of ${opts.quotaMb} MB: nothing copied; raise quota_mb to at least ${Math.ceil((mb * 1.5) / 1024) * 1024} first` };
    }
    const exclude = skipped.flatMap(bothSeparators).flatMap((f) => ["-x", f]);
    const r = spawnSync("doveadm", ["-c", conf, "-o", "mail_fsync=never", "sync", "-1", "-R", ...exclude, "-u", entry.address, "imapc:"], { encoding: "utf8", timeout: 30 * 60_000 });
    const after = messageCount(config, entry.address);
    if (r.status !== 0) {
      const why = (r.stderr || r.stdout || `exit ${r.status}`).split("\n").map((l) => l.trim()).filter(Boolean);
      // A TLS failure first (it ends in "Login ... failed", which would read as a wrong password), then the login's.
      const error = why.find((l) => /Error: .*(certificate|STARTTLS|SSL)/i.test(l)) ?? why.find((l) => /auth|login|password/i.test(l)) ?? why[why.length - 1] ?? `exit ${r.status}`;
      return { address: entry.address, ok: false, before, after, ...measured, error };
    }
    return { address: entry.address, ok: true, before, after, ...measured };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
