/**
 * The host's accounts in process (mailhost/accounts.ts), with an injected clock: the password rules, a reset that
 * keeps only the token's hash and drops the old password at once, a link valid 7 days and used once, a change
 * that needs the current password, Dovecot's files derived for addresses that may log in only, every event logged.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { Accounts, commonPasswords, passwordProblem } from "../mailhost/accounts.ts";
import { COMMON_PASSWORDS } from "../mailhost/files.ts";

const common = commonPasswords(COMMON_PASSWORDS);

describe("password rules", () => {
  it("asks for 12 characters, no address, nothing common (also with digits or punctuation around it, or repeated)", () => {
    const p = (pw: string) => passwordProblem("li.na@example.com", pw, common);
    expect(p("Harbour Lights 1987")).toBeNull();
    expect(p("eleven char")).toBe("the password must have at least 12 characters");
    expect(p("my li.na@example.com pw")).toBe("the password must not contain your address");
    expect(p("Li.Na-is-great-2026")).toBe("the password must not contain your address");
    for (const pw of ["password1234", "!!qwertyuiop2026", "iloveyouiloveyou", "123456789012", "dragon-dragon-dragon"]) expect(p(pw), pw).toBe("the password is too common; choose another one");
    expect(common.size).toBeGreaterThan(3000);
  });
});

describe("accounts", () => {
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), "mailorg-accounts-"));
    const paths = { store: join(dir, "store/passwd"), tokens: join(dir, "store/tokens.json"), imapPasswd: join(dir, "imap.passwd"), smtpPasswd: join(dir, "smtp.passwd"), log: join(dir, "account.log") };
    writeFileSync(paths.smtpPasswd, "mailorg-router:{BLF-CRYPT}$2y$10$routerhash\n");
    let now = new Date("2026-06-01T08:00:00Z");
    let flushes = 0;
    const accounts = new Accounts({ paths, logins: ["li.na@example.com", "wu.bo@example.com"], common: COMMON_PASSWORDS, now: () => now, flush: () => void flushes++ });
    return { accounts, paths, advance: (ms: number) => (now = new Date(now.getTime() + ms)), flushes: () => flushes };
  };
  const token = (t: string) => createHash("sha256").update(t).digest("hex");
  const check = (paths: { imapPasswd: string }, address: string, pw: string): boolean => {
    const line = readFileSync(paths.imapPasswd, "utf8").split("\n").find((l) => l.startsWith(`${address}:`));
    return line !== undefined && bcrypt.compareSync(pw, line.slice(line.indexOf("{BLF-CRYPT}") + 11));
  };

  it("resets: old password gone at once, only the token's hash kept; the link sets a password once, within 7 days", () => {
    const { accounts, paths, advance, flushes } = setup();
    accounts.preset(new Map([["li.na@example.com", "Old Harbour 1987"], ["dis@example.com", "Disabled Pass 99"]]));
    expect(check(paths, "li.na@example.com", "Old Harbour 1987")).toBe(true);
    // A member who may not log in keeps a password in the store but gets no line in Dovecot's files.
    expect(readFileSync(paths.imapPasswd, "utf8")).not.toContain("dis@example.com");
    expect(readFileSync(paths.smtpPasswd, "utf8")).toMatch(/^mailorg-router:\{BLF-CRYPT\}\$2y\$10\$routerhash\nli\.na@example\.com:\{BLF-CRYPT\}\$2b\$10\$/);
    const before = flushes();
    expect(accounts.reset("li.na@example.com", token("tok-1"), "admin")).toEqual({ ok: true, address: "li.na@example.com" });
    expect(flushes()).toBe(before + 1);
    expect(check(paths, "li.na@example.com", "Old Harbour 1987")).toBe(false);
    expect(readFileSync(paths.tokens, "utf8")).not.toContain("tok-1");
    expect(JSON.parse(readFileSync(paths.tokens, "utf8"))).toEqual({ "li.na@example.com": { sha256: token("tok-1"), expires: "2026-06-08T08:00:00.000Z" } });
    expect(accounts.activate("tok-1", "short", "192.0.2.1")).toEqual({ ok: false, status: 400, error: "the password must have at least 12 characters" });
    advance(7 * 86_400_000 - 1000);
    expect(accounts.activate("tok-1", "New Harbour 2026", "192.0.2.1")).toEqual({ ok: true, address: "li.na@example.com" });
    expect(check(paths, "li.na@example.com", "New Harbour 2026")).toBe(true);
    expect(accounts.activate("tok-1", "Other Harbour 2027", "192.0.2.1")).toMatchObject({ ok: false, status: 403 });
    // A link past its 7 days does nothing.
    accounts.reset("wu.bo@example.com", token("tok-2"), "admin");
    advance(7 * 86_400_000);
    expect(accounts.activate("tok-2", "Wu Bo Lantern 55", "192.0.2.2")).toMatchObject({ ok: false, status: 403 });
    expect(readFileSync(paths.log, "utf8").trim().split("\n").map((l) => l.replace(/^\S+ /, ""))).toEqual([
      "mailorg-account: Info: password reset: user=<li.na@example.com>, method=reset, rip=admin",
      "mailorg-account: Info: activation failed (the password must have at least 12 characters): user=<li.na@example.com>, method=activation, rip=192.0.2.1",
      "mailorg-account: Info: password set: user=<li.na@example.com>, method=activation, rip=192.0.2.1",
      "mailorg-account: Info: activation failed (unknown or expired link): user=<->, method=activation, rip=192.0.2.1",
      "mailorg-account: Info: password reset: user=<wu.bo@example.com>, method=reset, rip=admin",
      "mailorg-account: Info: activation failed (unknown or expired link): user=<->, method=activation, rip=192.0.2.2",
    ]);
  });

  it("changes a password only with the current one, and only for an address that may log in", () => {
    const { accounts, paths } = setup();
    accounts.preset(new Map([["li.na@example.com", "Old Harbour 1987"], ["dis@example.com", "Disabled Pass 99"]]));
    expect(accounts.change("li.na@example.com", "wrong", "New Harbour 2026", "x")).toMatchObject({ ok: false, status: 403 });
    expect(accounts.change("dis@example.com", "Disabled Pass 99", "New Harbour 2026", "x")).toMatchObject({ ok: false, status: 403 });
    expect(accounts.change("LI.NA@example.com", "Old Harbour 1987", "password12345", "x")).toMatchObject({ ok: false, status: 400 });
    expect(accounts.change("LI.NA@example.com", "Old Harbour 1987", "New Harbour 2026", "x")).toEqual({ ok: true, address: "li.na@example.com" });
    expect(check(paths, "li.na@example.com", "New Harbour 2026")).toBe(true);
    expect(accounts.reset("li.na@example.com", "not-a-hash", "admin")).toMatchObject({ ok: false, status: 400 });
  });
});

const asRoot = process.getuid?.() === 0 && ["/usr/sbin/dovecot", "/usr/bin/doveadm"].every((b) => existsSync(b));

describe.skipIf(!asRoot)("a password change and Dovecot's passwd-file (real Dovecot)", () => {
  it("is seen by the next login even when it has the same size and falls in the second Dovecot last read the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mailorg-accounts-dovecot-"));
    chmodSync(dir, 0o755);
    // As on the host: Dovecot's auth process reads the files as the dovecot group.
    const dovecotGid = Number(readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith("dovecot:"))?.split(":")[2]);
    const paths = { store: join(dir, "store/passwd"), tokens: join(dir, "store/tokens.json"), imapPasswd: join(dir, "imap.passwd"), smtpPasswd: join(dir, "smtp.passwd"), log: join(dir, "account.log") };
    const conf = join(dir, "dovecot.conf");
    writeFileSync(conf, [`base_dir = ${dir}/run`, `instance_name = mailorg-accounts-${process.pid}`, `log_path = ${dir}/dovecot.log`, "protocols =", "ssl = no", "auth_cache_size = 0",
      "passdb {", "  driver = passwd-file", `  args = scheme=BLF-CRYPT username_format=%{user} ${paths.imapPasswd}`, "}", "userdb {", "  driver = static", `  args = uid=5000 gid=5000 home=${dir}/%u`, "}", ""].join("\n"));
    const accounts = new Accounts({ paths, logins: ["li.na@example.com"], common: COMMON_PASSWORDS, now: () => new Date("2026-06-01T08:00:00Z"), flush: () => undefined, dovecotGid });
    const login = (pw: string): boolean => spawnSync("doveadm", ["-c", conf, "auth", "test", "li.na@example.com", pw], { encoding: "utf8" }).stdout.includes("auth succeeded");
    expect(spawnSync("dovecot", ["-c", conf], { stdio: "ignore" }).status).toBe(0);
    try {
      // Start early in a second, so that the first version, Dovecot's reading of it and the change share one second.
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
      accounts.preset(new Map([["li.na@example.com", "first Harbour password"]]));
      expect(login("first Harbour password")).toBe(true);
      const size = statSync(paths.imapPasswd).size;
      accounts.preset(new Map([["li.na@example.com", "second Harbour password"]]));
      expect(statSync(paths.imapPasswd).size).toBe(size);
      // Dovecot looks at the file again in its next second.
      await new Promise((r) => setTimeout(r, 1100));
      expect(login("second Harbour password")).toBe(true);
      expect(login("first Harbour password")).toBe(false);
    } finally {
      spawnSync("doveadm", ["-c", conf, "stop"], { stdio: "ignore" });
    }
  });
});
