/**
 * The host's sync (mailorg-sync) under faults (issue #30), run as the host runs it, in its local mode, on Debian's
 * postfix check and doveconf: only the layout's keys are accepted and nothing of a refused object is written;
 * logins leave even when the configuration is refused or a source cannot be read; open sessions of a login
 * that left are ended with doveadm kick; Postfix and Dovecot are reloaded only when their own files changed;
 * every run records its outcome (status.json, the SyncFailed metric).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { beforeEach, describe, expect, it } from "vitest";
import { configFiles } from "../mailhost/files.ts";
import { CONFIG_FILE_PATTERNS, CONFIG_FILES } from "../mailhost/layout.ts";
import { DECISION_SHARD_FILES } from "../plan/decision-shards.ts";
import { lastSuccessfulSync } from "../mailhost/logins.ts";
import { SYNC_SCRIPT } from "../mailhost/sync-script.ts";
import { validateOrg } from "../model/validate.ts";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { planOrg } from "../plan/plan.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";
import { syncHost } from "./sync-host.ts";

const have = (bin: string): boolean => ["/usr/bin", "/usr/sbin"].some((d) => existsSync(join(d, bin)));
const skip = process.getuid?.() !== 0 ? " (skipped: postfix check needs root)" : !["postfix", "doveconf", "python3"].every(have) ? " (skipped: apt-get install postfix dovecot-core python3)" : "";

const { org, index } = validateOrg(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
const plan: MailhostPlan = planOrg(org!, index!, { today: "2026-06-01" }).mailhost!;
/** $2a$ at cost 10, as Terraform's bcrypt() writes it (test/mailhost-config.test.ts). */
const HASH = bcrypt.hashSync("secret", 10).replace(/^\$2b\$/, "$2a$");
const HASH2 = bcrypt.hashSync("rotated", 10).replace(/^\$2b\$/, "$2a$");

const line = (address: string, hash = HASH) => `${address}:{BLF-CRYPT}${hash}`;

describe.skipIf(skip !== "")(`the host's sync under faults${skip}`, () => {
  let h: ReturnType<typeof syncHost>;
  beforeEach(() => {
    h = syncHost(plan, `mailorg-router:{BLF-CRYPT}${HASH}`);
    h.inputs(h.object, [line("li.na@example.com"), line("wu.bo@example.com")]);
    const first = h.sync("2026-06-01T10:00:00Z");
    expect(first.stderr).toContain("installed configuration local (2 logins)");
    expect(first.stderr.trim().split("\n").pop()).toBe("mailorg-sync: ok at 2026-06-01T10:00:00Z: configuration local");
    expect(lastSuccessfulSync(first.stderr.split("\n"))).toBe("2026-06-01T10:00:00Z");
    expect(first.status).toBe(0);
    expect(h.status()).toEqual({ last_attempt: "2026-06-01T10:00:00Z", last_success: "2026-06-01T10:00:00Z", failure: null, version: "local" });
    expect(h.metrics()).toBe("SyncFailed local 0\n");
    h.clearCommands();
  });

  it("refuses a key the layout does not name (a path out of the configuration directories), and writes nothing of that object", () => {
    for (const key of ["postfix/../cron.d/x", "/etc/cron.d/x", "postfix/sasl_passwd"]) {
      const o = structuredClone(h.object);
      o.files[key] = "* * * * * root sh -c 'id > /tmp/owned'\n";
      o.files["postfix/vmailbox"] += "new@example.com new@example.com/Maildir/\n";
      h.inputs(o, [line("li.na@example.com"), line("wu.bo@example.com")]);
      const r = h.sync("2026-06-01T10:02:00Z");
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`configuration local refused, nothing of it written: the configuration object names '${key}', which is not one of the host's configuration files`);
      expect(existsSync(join(h.root, "cron.d"))).toBe(false);
      expect(existsSync(join(h.layout.postfixDir, "sasl_passwd"))).toBe(false);
      expect(existsSync(join(h.root, "state/staging"))).toBe(false);
      expect(readFileSync(join(h.layout.postfixDir, "vmailbox"), "utf8")).not.toContain("new@example.com");
    }
    expect(h.status()).toMatchObject({ last_success: "2026-06-01T10:00:00Z", last_attempt: "2026-06-01T10:02:00Z", failure: expect.stringContaining("refused") });
    expect(h.metrics()).toBe("SyncFailed local 0\nSyncFailed local 1\nSyncFailed local 1\nSyncFailed local 1\n");
  });

  it("ends a departed member's login in the same change that doveconf refuses, and kicks their sessions, without reloading anything", () => {
    const o = structuredClone(h.object);
    o.logins = o.logins.filter((a) => a !== "li.na@example.com");
    o.files["dovecot/dovecot.conf"] += "no_such_setting = 1\n";
    // Her SSM parameter is still there (the apply that removes it has not run yet): the object alone revokes.
    h.inputs(o, [line("li.na@example.com"), line("wu.bo@example.com")]);
    const r = h.sync("2026-06-01T10:02:00Z");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("doveconf -n");
    expect(h.logins()).toBe(`${line("wu.bo@example.com")}\n`);
    expect(h.commands()).toBe(`doveadm -c ${join(h.layout.dovecotDir, "dovecot.conf")} kick li.na@example.com\n`);
    expect(readFileSync(join(h.layout.dovecotDir, "dovecot.conf"), "utf8")).not.toContain("no_such_setting");
    expect(h.status()).toMatchObject({ last_success: "2026-06-01T10:00:00Z", failure: expect.stringContaining("doveconf -n") });
    expect(r.stderr.trim().split("\n").pop()).toMatch(/^mailorg-sync: failed at 2026-06-01T10:02:00Z: configuration local refused, the running configuration stays/);
    expect(lastSuccessfulSync(r.stderr.split("\n"))).toBeUndefined();
  });

  it("revokes from whichever source answers: SSM when the object is unreadable, the object when SSM is", () => {
    // The object is not JSON; SSM no longer has wu.bo's parameter and has li.na's new hash.
    h.inputs("{ not json", [line("li.na@example.com", HASH2)]);
    const bad = h.sync("2026-06-01T10:02:00Z");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("configuration object:");
    expect(h.logins()).toBe(`${line("li.na@example.com", HASH2)}\n`);
    expect(h.commands()).toContain("kick wu.bo@example.com\n");
    // SSM cannot be read (throttled); the object drops li.na: her login ends all the same. Nobody is added.
    const o = structuredClone(h.object);
    o.logins = ["wu.bo@example.com"];
    h.inputs(o, null);
    const throttled = h.sync("2026-06-01T10:04:00Z");
    expect(throttled.status).toBe(1);
    expect(throttled.stderr).toContain("login hashes:");
    expect(h.logins()).toBe("");
    expect(h.commands()).toContain("kick li.na@example.com\n");
    expect(h.status()).toMatchObject({ last_success: "2026-06-01T10:00:00Z", last_attempt: "2026-06-01T10:04:00Z" });
  });

  it("installs Postfix's tables in their indexed form (postmap's hash), rebuilt with every change and untouched by a refused one", () => {
    const query = (key: string, table = "vmailbox") => spawnSync("postmap", ["-c", h.layout.postfixDir, "-q", key, `hash:${join(h.layout.postfixDir, table)}`], { encoding: "utf8" });
    const conf = (key: string) => spawnSync("postconf", ["-c", h.layout.postfixDir, "-xh", key], { encoding: "utf8" }).stdout.trim();
    expect(conf("virtual_mailbox_maps")).toBe(`hash:${h.layout.postfixDir}/vmailbox`);
    expect(conf("smtpd_recipient_restrictions")).toContain(`check_recipient_access hash:${h.layout.postfixDir}/recipient_access`);
    expect(query("li.na@example.com").stdout).toBe("li.na@example.com/Maildir/\n");
    expect(query("new@example.com").status).toBe(1);
    const o = structuredClone(h.object);
    o.files["postfix/vmailbox"] = o.files["postfix/vmailbox"]!.replace(/^li\.na@example\.com .*\n/m, "") + "new@example.com new@example.com/Maildir/\n";
    o.files["postfix/recipient_access"] += "li.na@example.com REJECT 5.1.6 li.na@example.com: departed\n";
    h.inputs(o, [line("li.na@example.com"), line("wu.bo@example.com")]);
    expect(h.sync("2026-06-01T10:02:00Z").status).toBe(0);
    expect(query("new@example.com").stdout).toBe("new@example.com/Maildir/\n");
    expect(query("li.na@example.com").status).toBe(1);
    expect(query("li.na@example.com", "recipient_access").stdout).toBe("REJECT 5.1.6 li.na@example.com: departed\n");
    // A refused object (doveconf fails) leaves the installed tables as they were.
    const bad = structuredClone(o);
    bad.files["postfix/vmailbox"] += "later@example.com later@example.com/Maildir/\n";
    bad.files["dovecot/dovecot.conf"] += "no_such_setting = 1\n";
    h.inputs(bad, [line("li.na@example.com"), line("wu.bo@example.com")]);
    expect(h.sync("2026-06-01T10:04:00Z").status).toBe(1);
    expect(query("later@example.com").status).toBe(1);
    expect(query("new@example.com").stdout).toBe("new@example.com/Maildir/\n");
    expect(readdirSync(h.layout.postfixDir).filter((f) => f.includes("mailorg-new"))).toEqual([]);
  });

  it("gives each new version of Dovecot's passwd-files a later whole second than the last, so a same-sized change is re-read", () => {
    const seconds = (f: string) => Math.floor(statSync(join(h.layout.dovecotDir, f)).mtimeMs / 1000);
    // The installed versions were written in the second this sync runs in (or, as here, seem to be: in a later one).
    const second = Math.floor(Date.now() / 1000) + 10;
    for (const f of ["imap.passwd", "smtp.passwd", "users"]) utimesSync(join(h.layout.dovecotDir, f), second, second);
    const before = { logins: seconds("imap.passwd"), relay: seconds("smtp.passwd"), users: seconds("users") };
    // A rotated hash (same size), another quota of the same length.
    const o = structuredClone(h.object);
    o.files["dovecot/users"] = o.files["dovecot/users"]!.replace("storage=4096M", "storage=8192M");
    expect(o.files["dovecot/users"]).not.toBe(h.object.files["dovecot/users"]);
    h.inputs(o, [line("li.na@example.com", HASH2), line("wu.bo@example.com")]);
    expect(h.sync("2026-06-01T10:00:00Z").status).toBe(0);
    expect(h.logins()).toContain(line("li.na@example.com", HASH2));
    expect(seconds("imap.passwd")).toBeGreaterThan(before.logins);
    expect(seconds("smtp.passwd")).toBeGreaterThan(before.relay);
    expect(seconds("users")).toBeGreaterThan(before.users);
  });

  it("reloads Postfix only when its files changed, Dovecot only when dovecot.conf did, and neither for a password", () => {
    h.inputs(h.object, [line("li.na@example.com", HASH2), line("wu.bo@example.com")]);
    expect(h.sync("2026-06-01T10:02:00Z").status).toBe(0);
    expect(h.logins()).toContain(line("li.na@example.com", HASH2));
    expect(h.commands()).toBe("");
    const o = structuredClone(h.object);
    o.files["postfix/vmailbox"] += "new@example.com new@example.com/Maildir/\n";
    o.files["dovecot/users"] += "new@example.com:::::::userdb_quota_rule=*:storage=512M\n";
    h.inputs(o, [line("li.na@example.com", HASH2), line("wu.bo@example.com")]);
    expect(h.sync("2026-06-01T10:04:00Z").status).toBe(0);
    expect(h.commands()).toBe(`postfix -c ${h.layout.postfixDir} reload\n`);
    h.clearCommands();
    o.files["dovecot/dovecot.conf"] = o.files["dovecot/dovecot.conf"]!.replace("auth_failure_delay = 2 secs", "auth_failure_delay = 3 secs");
    h.inputs(o, [line("li.na@example.com", HASH2), line("wu.bo@example.com")]);
    expect(h.sync("2026-06-01T10:06:00Z").status).toBe(0);
    expect(h.commands()).toBe(`doveadm -c ${join(h.layout.dovecotDir, "dovecot.conf")} reload\n`);
  });
});

describe("the keys the host accepts", () => {
  it("are exactly the files the generator writes for the host (add a new file to CONFIG_FILES, or the host refuses the object)", () => {
    const keys = Object.keys(configFiles(plan));
    const patterned = keys.filter((k) => CONFIG_FILE_PATTERNS.some((p) => new RegExp(p).test(k)));
    expect(keys.filter((k) => !patterned.includes(k)).sort()).toEqual([...CONFIG_FILES].sort());
    // The decision's split input: the common part and every shard, each a name the host accepts.
    expect(patterned.filter((k) => k.startsWith("mailorg/decision/")).sort()).toEqual(["mailorg/decision/common.json", ...DECISION_SHARD_FILES.map((f) => `mailorg/decision/${f}`)].sort());
    expect(SYNC_SCRIPT).toContain(`CONFIG_FILES = frozenset(${JSON.stringify(CONFIG_FILES)})`);
    expect(SYNC_SCRIPT).toContain(`CONFIG_FILE_PATTERNS = [re.compile(p) for p in ${JSON.stringify(CONFIG_FILE_PATTERNS)}]`);
  });
});
