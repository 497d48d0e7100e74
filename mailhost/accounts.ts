/**
 * Members' accounts on the mailbox host: the password store and its one writer. An administrator's reset leaves
 * only the hash of a one-time activation token (valid 7 days) and removes the old password at once; the member
 * opens the link, sets their own password, and can change it later with the current one. Every change and every
 * failed attempt is logged (mailorg logins reads the lines). Passwords are kept as bcrypt hashes ({BLF-CRYPT},
 * verified by Dovecot's own BLF-CRYPT), in the store on the data volume; Dovecot's passwd-files are derived from
 * it: only addresses the plan lets log in, for IMAP and for submission alike.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import bcrypt from "bcryptjs";

/** How long an activation link is valid. */
export const TOKEN_DAYS = 7;
export const MIN_PASSWORD_LENGTH = 12;
/** bcrypt's cost: Dovecot's BLF-CRYPT default and what a login costs on the host (about 0.1 s). */
export const BCRYPT_COST = 10;

export interface AccountPaths {
  /** The password store: "<address>:{BLF-CRYPT}<hash>" lines (on the data volume). */
  readonly store: string;
  /** Pending activation tokens: {"<address>": {"sha256": ..., "expires": ISO}} (hashes only). */
  readonly tokens: string;
  /** Dovecot's passwd-files derived from the store: imap.passwd, and smtp.passwd after the router's line. */
  readonly imapPasswd: string;
  readonly smtpPasswd: string;
  /** The account log (time, event, user, method, remote IP), beside Dovecot's. */
  readonly log: string;
}

export interface AccountsOptions {
  readonly paths: AccountPaths;
  /** Addresses the plan lets log in (active members); others may hold a password but get no login. */
  readonly logins: readonly string[];
  /** The common-password list (mailhost/common-passwords.txt), one per line, # comments. */
  readonly common: string;
  /** The clock (ISO instant). */
  readonly now: () => Date;
  /** After Dovecot's files change: `doveadm auth cache flush` (a cached old password must not keep working). */
  readonly flush: () => void;
  /** The group that may read Dovecot's passwd-files (dovecot's, for its auth process); default: unchanged. */
  readonly dovecotGid?: number;
}

export type AccountResult = { readonly ok: true; readonly address: string } | { readonly ok: false; readonly status: number; readonly error: string };

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");
const canon = (a: string): string => a.trim().toLowerCase();

/**
 * Writes a file by renaming a complete temporary copy over it (readers never see half a file), in a later whole
 * second than the version it replaces: Dovecot re-reads a passwd-file only when its mtime in seconds or its size
 * changed, so a same-sized change (a new bcrypt hash) within the second Dovecot last read it would go unseen, the
 * old password working on. Under a burst of changes the mtime runs a few seconds ahead; only its order matters.
 */
export function writeAtomic(path: string, text: string, mode: number, gid?: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.mailorg-new`;
  writeFileSync(tmp, text, { mode });
  if (gid !== undefined) chownSync(tmp, 0, gid);
  const before = existsSync(path) ? Math.floor(statSync(path).mtimeMs / 1000) : undefined;
  if (before !== undefined && Math.floor(statSync(tmp).mtimeMs / 1000) <= before) utimesSync(tmp, before + 1, before + 1);
  renameSync(tmp, path);
}

/** The common-password list as a set of lowercase words. */
export function commonPasswords(text: string): Set<string> {
  return new Set(text.split("\n").map((l) => l.trim().toLowerCase()).filter((l) => l !== "" && !l.startsWith("#")));
}

/**
 * What is wrong with a new password, or null: at least 12 characters, not containing the address (or its local
 * part), not a common password, nor one with digits or punctuation around it, nor one word repeated, nor one
 * with fewer than 4 characters besides the digits and punctuation around them.
 */
export function passwordProblem(address: string, password: string, common: Set<string>): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  const local = canon(address).split("@")[0]!;
  if (lower.includes(canon(address)) || (local.length >= 3 && lower.includes(local))) return "the password must not contain your address";
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/g, "");
  // The letters alone: "dragon-dragon-dragon" and "Dragon_2026_dragon" are one common word repeated.
  const letters = lower.replace(/[\d\W_]+/g, "");
  const repeated = /^(.+?)\1+$/.exec(letters)?.[1];
  if (common.has(lower) || common.has(core) || common.has(letters) || (repeated !== undefined && common.has(repeated)) || core.length < 4) return "the password is too common; choose another one";
  return null;
}

export class Accounts {
  private readonly common: Set<string>;
  private readonly logins: Set<string>;
  constructor(private readonly o: AccountsOptions) {
    this.common = commonPasswords(o.common);
    this.logins = new Set(o.logins.map(canon));
  }

  private readStore(): Map<string, string> {
    const out = new Map<string, string>();
    if (!existsSync(this.o.paths.store)) return out;
    for (const line of readFileSync(this.o.paths.store, "utf8").split("\n")) {
      const i = line.indexOf(":");
      if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
    }
    return out;
  }

  private readTokens(): Record<string, { sha256: string; expires: string }> {
    return existsSync(this.o.paths.tokens) ? (JSON.parse(readFileSync(this.o.paths.tokens, "utf8")) as Record<string, { sha256: string; expires: string }>) : {};
  }

  private log(event: string, address: string, method: string, ip: string): void {
    const t = this.o.now().toISOString().replace(/\.\d{3}Z$/, "");
    mkdirSync(dirname(this.o.paths.log), { recursive: true });
    appendFileSync(this.o.paths.log, `${t} mailorg-account: Info: ${event}: user=<${address}>, method=${method}, rip=${ip}\n`);
  }

  /** Rewrites the store, then Dovecot's files from it (only addresses that may log in), then flushes Dovecot's cache. */
  private save(store: Map<string, string>): void {
    const lines = [...store].sort(([a], [b]) => (a < b ? -1 : 1)).map(([a, h]) => `${a}:${h}\n`);
    writeAtomic(this.o.paths.store, lines.join(""), 0o600);
    this.publish(store);
  }

  /** Dovecot's passwd-files from the store: imap.passwd, and smtp.passwd keeping the router's line(s) first. */
  publish(store = this.readStore()): void {
    const members = [...store].filter(([a]) => this.logins.has(a)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([a, h]) => `${a}:${h}\n`).join("");
    const others = existsSync(this.o.paths.smtpPasswd) ? readFileSync(this.o.paths.smtpPasswd, "utf8").split("\n").filter((l) => l !== "" && !l.slice(0, l.indexOf(":")).includes("@")) : [];
    writeAtomic(this.o.paths.imapPasswd, members, 0o640, this.o.dovecotGid);
    writeAtomic(this.o.paths.smtpPasswd, others.map((l) => `${l}\n`).join("") + members, 0o640, this.o.dovecotGid);
    this.o.flush();
  }

  /** Presets accounts' passwords (the sandbox's --passwords): as if the members had set them. One hash per distinct password. */
  preset(passwords: ReadonlyMap<string, string>): void {
    const store = this.readStore();
    const hashes = new Map<string, string>();
    for (const [address, password] of passwords) {
      if (!hashes.has(password)) hashes.set(password, `{BLF-CRYPT}${bcrypt.hashSync(password, BCRYPT_COST)}`);
      store.set(canon(address), hashes.get(password)!);
    }
    this.save(store);
  }

  /**
   * An administrator's reset: the old password stops working at once, and only the hash of the new one-time
   * token is kept, for TOKEN_DAYS. The token itself is made and shown by the caller, never stored.
   */
  reset(address: string, tokenSha256: string, by: string): AccountResult {
    const a = canon(address);
    if (!/^[0-9a-f]{64}$/.test(tokenSha256)) return { ok: false, status: 400, error: "the token hash must be 64 hex digits (sha256)" };
    const tokens = this.readTokens();
    tokens[a] = { sha256: tokenSha256, expires: new Date(this.o.now().getTime() + TOKEN_DAYS * 86_400_000).toISOString() };
    writeAtomic(this.o.paths.tokens, JSON.stringify(tokens, null, 1) + "\n", 0o600);
    const store = this.readStore();
    store.delete(a);
    this.save(store);
    this.log("password reset", a, "reset", by);
    return { ok: true, address: a };
  }

  /** The address a token activates, if it is pending and not expired. */
  private tokenOwner(token: string): string | undefined {
    const h = Buffer.from(sha256(token), "hex");
    const now = this.o.now().toISOString();
    return Object.entries(this.readTokens()).find(([, t]) => t.expires > now && timingSafeEqual(Buffer.from(t.sha256, "hex"), h))?.[0];
  }

  /** Whether a token is pending (the page shows the form only then). */
  tokenValid(token: string): string | undefined {
    return this.tokenOwner(token);
  }

  /** The member sets their own password with the link's token; the token is then used up. */
  activate(token: string, password: string, ip: string): AccountResult {
    const a = this.tokenOwner(token);
    if (a === undefined) {
      this.log("activation failed (unknown or expired link)", "-", "activation", ip);
      return { ok: false, status: 403, error: "this link is not valid (used, expired or replaced by a newer one); ask the office for a new one" };
    }
    const problem = passwordProblem(a, password, this.common);
    if (problem) {
      this.log(`activation failed (${problem})`, a, "activation", ip);
      return { ok: false, status: 400, error: problem };
    }
    const tokens = this.readTokens();
    delete tokens[a];
    writeAtomic(this.o.paths.tokens, JSON.stringify(tokens, null, 1) + "\n", 0o600);
    const store = this.readStore();
    store.set(a, `{BLF-CRYPT}${bcrypt.hashSync(password, BCRYPT_COST)}`);
    this.save(store);
    this.log("password set", a, "activation", ip);
    return { ok: true, address: a };
  }

  /** The member changes their password, signed in with the current one. */
  change(address: string, current: string, password: string, ip: string): AccountResult {
    const a = canon(address);
    const hash = this.readStore().get(a);
    const valid = hash !== undefined && this.logins.has(a) && bcrypt.compareSync(current, hash.replace(/^\{BLF-CRYPT\}/, ""));
    if (!valid) {
      this.log("password change failed (wrong address or current password)", a, "change", ip);
      return { ok: false, status: 403, error: "the address or the current password is wrong" };
    }
    const problem = passwordProblem(a, password, this.common);
    if (problem) {
      this.log(`password change failed (${problem})`, a, "change", ip);
      return { ok: false, status: 400, error: problem };
    }
    const store = this.readStore();
    store.set(a, `{BLF-CRYPT}${bcrypt.hashSync(password, BCRYPT_COST)}`);
    this.save(store);
    this.log("password changed", a, "change", ip);
    return { ok: true, address: a };
  }
}
