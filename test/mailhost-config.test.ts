/**
 * The mailbox host's files, proven with the tools that consume them (Debian 12's cloud-init, Postfix, Dovecot):
 * cloud-init's schema check, postconf -n and postfix check, doveconf -n, doveadm pw on a $2a$ bcrypt hash as
 * Terraform's bcrypt() writes it, and the host's sync script itself (checks before switching, keeps the last good).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import bcrypt from "bcryptjs";
import { beforeAll, describe, expect, it } from "vitest";
import { configFiles, configObject, mailhostFiles } from "../mailhost/files.ts";
import { hostLayout, type MailhostLayout } from "../mailhost/layout.ts";
import { SYNC_SCRIPT } from "../mailhost/sync-script.ts";
import { validateOrg } from "../model/validate.ts";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { planOrg } from "../plan/plan.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { runCli, writeOrg } from "./helpers.ts";
import { selfSigned, syncDirArgs } from "./mail-helpers.ts";
import { DECISION_SHARD_FILES } from "../plan/decision-shards.ts";

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" });
const have = (bin: string): boolean => ["/usr/bin", "/usr/sbin", "/bin", "/sbin"].some((d) => existsSync(join(d, bin)));
const tools = ["cloud-init", "postconf", "postfix", "doveconf", "doveadm"].filter((t) => !have(t));
const asRoot = process.getuid?.() === 0;

function writeTree(dir: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** A bcrypt hash as Terraform's bcrypt() (Go's x/crypto/bcrypt) writes it: $2a$, cost 10. bcryptjs writes $2b$, the same hash below 255 bytes. */
export function terraformBcrypt(password: string): string {
  return bcrypt.hashSync(password, 10).replace(/^\$2b\$/, "$2a$");
}

let plan: MailhostPlan;
let dir: string;
beforeAll(() => {
  const r = validateOrg(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
  plan = planOrg(r.org, r.index!, { today: "2026-06-01" }).mailhost!;
  dir = writeTree(mkdtempSync(join(tmpdir(), "mailorg-mailhost-")), mailhostFiles(plan));
});

/** A layout under a temporary directory (the sandbox's kind), so postfix check never touches the system's queue. */
function tempLayout(root: string): MailhostLayout {
  return { ...hostLayout(plan.hostname), postfixDir: join(root, "postfix"), postfixQueueDir: join(root, "spool"), postfixDataDir: join(root, "data"), dovecotDir: join(root, "dovecot"), logDir: join(root, "log"), relayListener: "127.0.0.1:25870", submissionsListener: "127.0.0.1:25871", mailorgDir: join(root, "mailorg"), nginxDir: join(root, "nginx"), wwwDir: join(root, "www"), nginxPid: join(root, "nginx-run", "nginx.pid"), nginxTempDir: join(root, "nginx-run"), roundcubeConfigDir: join(root, "roundcube") };
}

describe.skipIf(tools.length > 0)(`the mailbox host's files${tools.length ? ` (skipped: ${tools.join(", ")} missing; apt-get install postfix dovecot-imapd dovecot-lmtpd cloud-init)` : ""}`, () => {
  it("cloud-init's own schema check accepts the user data, and refuses a broken copy", () => {
    const ok = run("cloud-init", ["schema", "--config-file", join(dir, "cloud-init/user-data.yaml")]);
    expect(ok.stdout + ok.stderr).toContain("Valid cloud-config");
    expect(ok.status).toBe(0);
    const broken = writeTree(mkdtempSync(join(tmpdir(), "mailorg-ci-")), { "u.yaml": readFileSync(join(dir, "cloud-init/user-data.yaml"), "utf8").replace("package_update: true", "package_update: sometimes") });
    expect(run("cloud-init", ["schema", "--config-file", join(broken, "u.yaml")]).status).not.toBe(0);
    const text = readFileSync(join(dir, "cloud-init/user-data.yaml"), "utf8");
    for (const pkg of ["postfix", "dovecot-imapd", "dovecot-lmtpd", "python3-certbot-dns-route53", "fail2ban", "unattended-upgrades"]) expect(text).toContain(`  - ${pkg}\n`);
    expect(text).toContain("    - certonly\n    - --dns-route53\n");
    expect(text).toContain("OnUnitActiveSec=2min");
  });

  it("postconf reads main.cf and master.cf without a warning: relay on 587 with TLS and AUTH, LMTP to Dovecot, no port 25", () => {
    const n = run("postconf", ["-c", join(dir, "postfix"), "-n"]);
    expect(n.status).toBe(0);
    expect(n.stderr).toBe("");
    const conf = Object.fromEntries(n.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf(" =")), l.slice(l.indexOf(" =") + 2).trim()]));
    expect(conf).toMatchObject({
      smtpd_tls_security_level: "encrypt",
      smtpd_tls_auth_only: "yes",
      smtpd_tls_protocols: ">=TLSv1.2",
      smtpd_sasl_type: "dovecot",
      smtpd_relay_restrictions: "permit_sasl_authenticated, reject",
      virtual_mailbox_domains: "example.com",
      virtual_transport: "lmtp:unix:private/dovecot-lmtp",
      mydestination: "",
      relay_domains: "",
    });
    expect(conf.smtpd_recipient_restrictions).toContain("check_policy_service unix:private/quota-status");
    const services = run("postconf", ["-c", join(dir, "postfix"), "-M"]).stdout.split("\n").filter(Boolean).map((l) => l.split(/\s+/).slice(0, 2).join(" "));
    // Members submit on 587 (STARTTLS, with the router's relay) and 465 (implicit TLS): the policy service decides, the relay sends.
    expect(services.filter((s) => s.endsWith(" inet"))).toEqual(["587 inet", "465 inet"]);
    expect(services).toEqual(expect.arrayContaining(["mailorg-policy unix", "mailorg-ses unix"]));
    // The SES relay runs two processes per vCPU of the instance type (at least 4), read back by postconf.
    const relayMaxproc = (instanceType: string) => {
      const d = writeTree(mkdtempSync(join(tmpdir(), "mailorg-maxproc-")), { "postfix/main.cf": readFileSync(join(dir, "postfix/main.cf"), "utf8"), "postfix/master.cf": mailhostFiles({ ...plan, instanceType })["postfix/master.cf"]! });
      return run("postconf", ["-c", join(d, "postfix"), "-F", "mailorg-ses/unix/process_limit"]).stdout.trim();
    };
    expect(["t4g.small", "m7g.xlarge", "r7g.4xlarge"].map(relayMaxproc)).toEqual(["mailorg-ses/unix/process_limit = 4", "mailorg-ses/unix/process_limit = 8", "mailorg-ses/unix/process_limit = 32"]);
    expect(readFileSync(join(dir, "postfix/vmailbox"), "utf8")).toBe(plan.mailboxes.map((m) => `${m.address} ${m.address}/Maildir/\n`).join(""));
    expect(readFileSync(join(dir, "postfix/recipient_access"), "utf8")).toBe("gone@example.com REJECT 5.1.6 gone@example.com: departed; mail goes to li.na@example.com\n");
  });

  it.skipIf(!asRoot)("postfix check accepts the configuration (on a temporary queue directory)", () => {
    const root = mkdtempSync(join(tmpdir(), "mailorg-pfcheck-"));
    const layout = tempLayout(root);
    for (const d of [layout.postfixQueueDir, layout.postfixDataDir, layout.logDir]) mkdirSync(d, { recursive: true });
    writeTree(root, configFiles(plan, layout));
    const r = run("postfix", ["-c", layout.postfixDir, "check"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The same generator, the same settings: only where things live differs from the host's files.
    const settings = (text: string) => text.split("\n").filter((l) => !/^(queue_directory|data_directory|maillog_file|maillog_file_prefixes) =/.test(l)).join("\n");
    expect(settings(readFileSync(join(root, "postfix/main.cf"), "utf8"))).toBe(settings(readFileSync(join(dir, "postfix/main.cf"), "utf8")));
  });

  it("doveconf reads the Dovecot configuration: IMAPS only, TLS 1.2 or later, no plain-text login, bcrypt passwd-files, quotas", () => {
    const conf = join(dir, "dovecot/dovecot.conf");
    const n = run("doveconf", ["-c", conf, "-n"]);
    expect(n.stderr).toBe("");
    expect(n.status).toBe(0);
    const value = (k: string) => run("doveconf", ["-c", conf, "-h", k]).stdout.trim();
    expect([value("ssl"), value("ssl_min_protocol"), value("disable_plaintext_auth"), value("protocols")]).toEqual(["required", "TLSv1.2", "yes", "imap lmtp sieve"]);
    expect(n.stdout).toMatch(/inet_listener imap \{\n\s+port = 0\n/);
    expect(n.stdout).toMatch(/inet_listener imaps \{\n\s+address = \*, ::\n\s+port = 993\n\s+ssl = yes/);
    expect(n.stdout).toContain("args = scheme=BLF-CRYPT username_format=%{user} /etc/dovecot/%{if;%{service};eq;sieve;imap;%{service}}.passwd");
    expect(readFileSync(join(dir, "dovecot/users"), "utf8")).toContain("li.na@example.com:::::::userdb_quota_rule=*:storage=4096M\n");
    // Everyday mail: the five special-use folders in the inbox namespace, Sieve at delivery with the junk filing first, ManageSieve on 4190.
    for (const [name, flag] of [["Drafts", "Drafts"], ["Sent", "Sent"], ["Junk", "Junk"], ["Trash", "Trash"], ["Archive", "Archive"]]) expect(n.stdout).toMatch(new RegExp(`mailbox ${name} \\{\\n\\s+auto = subscribe\\n\\s+special_use = \\\\${flag}\\n`));
    expect(n.stdout).toMatch(/protocol lmtp \{\n\s+mail_plugins = " quota sieve"/);
    expect(n.stdout).toContain("sieve_before = /etc/dovecot/sieve/before-junk.sieve");
    expect(n.stdout).toContain("sieve_vacation_send_from_recipient = yes");
    expect(n.stdout).toMatch(/inet_listener sieve \{\n\s+address = \*, ::\n\s+port = 4190\n/);
    // A broken file is refused, so the same check in the host's sync can refuse one.
    const bad = writeTree(mkdtempSync(join(tmpdir(), "mailorg-dc-")), { "d.conf": readFileSync(conf, "utf8") + "no_such_setting = 1\n" });
    expect(run("doveconf", ["-c", join(bad, "d.conf"), "-n"]).status).not.toBe(0);
  });

  it("doveadm pw verifies a $2a$ bcrypt hash as Terraform's bcrypt() makes it, and refuses a wrong password", () => {
    const password = "BH4mXxSmtpPasswordV4/+=exampleexampleexample1";
    const hash = terraformBcrypt(password);
    expect(hash).toMatch(/^\$2a\$10\$/);
    const ok = run("doveadm", ["pw", "-t", `{BLF-CRYPT}${hash}`, "-p", password]);
    expect(ok.stdout).toContain("(verified)");
    expect(run("doveadm", ["pw", "-t", `{BLF-CRYPT}${hash}`, "-p", "wrong"]).status).not.toBe(0);
  });

  it.skipIf(!asRoot || !have("python3"))("the host's sync installs only checked configurations and login lines of members who may log in, and keeps the last good one", async () => {
    const root = mkdtempSync(join(tmpdir(), "mailorg-sync-"));
    const tls = await selfSigned(join(root, "tls"), ["mail.example.com"]);
    const layout = { ...tempLayout(root), tlsCert: tls.cert, tlsKey: tls.key };
    for (const d of [layout.postfixDir, layout.dovecotDir, layout.postfixQueueDir, layout.postfixDataDir, layout.logDir, layout.mailorgDir, layout.nginxDir, layout.wwwDir, layout.nginxTempDir, layout.roundcubeConfigDir]) mkdirSync(d, { recursive: true });
    const object = JSON.parse(configObject(plan)) as { files: Record<string, string>; logins: string[] };
    expect(object.logins).toEqual(["li.na@example.com", "wu.bo@example.com"]);
    object.files = configFiles(plan, layout);
    const hash = terraformBcrypt("secret");
    const inputs = writeTree(join(root, "in"), {
      "object.json": JSON.stringify(object),
      // A member who may log in, a disabled member (no login), and a line that is not a bcrypt hash.
      passwd: `li.na@example.com:{BLF-CRYPT}${hash}\ndis@example.com:{BLF-CRYPT}${hash}\nwu.bo@example.com:{PLAIN}secret\n`,
      relay: `mailorg-router:{BLF-CRYPT}${hash}`,
      "sync.py": SYNC_SCRIPT,
    });
    const sync = () =>
      run("python3", [join(inputs, "sync.py"), "--local", join(inputs, "object.json"), "--passwd", join(inputs, "passwd"), "--relay", join(inputs, "relay"), ...syncDirArgs(layout), "--state-dir", join(root, "state"), "--no-reload"]);
    const first = sync();
    expect(first.stderr).toContain("installed configuration local (1 logins)");
    expect(first.status).toBe(0);
    expect(readFileSync(join(layout.dovecotDir, "imap.passwd"), "utf8")).toBe(`li.na@example.com:{BLF-CRYPT}${hash}\n`);
    // Submission authenticates against the same account: the smtp passdb holds the router and the members' logins.
    expect(readFileSync(join(layout.dovecotDir, "smtp.passwd"), "utf8")).toBe(`mailorg-router:{BLF-CRYPT}${hash}\nli.na@example.com:{BLF-CRYPT}${hash}\n`);
    expect(readFileSync(join(layout.mailorgDir, "policy.json"), "utf8")).toBe(object.files["mailorg/policy.json"]);
    expect(readFileSync(join(layout.postfixDir, "main.cf"), "utf8")).toBe(object.files["postfix/main.cf"]);
    // The org's Sieve script is installed and compiled where Dovecot reads it.
    expect(readFileSync(join(layout.dovecotDir, "sieve/before-junk.sieve"), "utf8")).toBe(object.files["dovecot/sieve/before-junk.sieve"]);
    expect(existsSync(join(layout.dovecotDir, "sieve/before-junk.svbin"))).toBe(true);
    // A configuration that doveconf refuses is not installed: the running one stays.
    const good = readFileSync(join(layout.dovecotDir, "dovecot.conf"), "utf8");
    object.files["dovecot/dovecot.conf"] += "no_such_setting = 1\n";
    object.files["postfix/vmailbox"] += "new@example.com new@example.com/Maildir/\n";
    writeFileSync(join(inputs, "object.json"), JSON.stringify(object));
    const second = sync();
    expect(second.status).toBe(1);
    expect(second.stderr).toContain("refused, the running configuration stays");
    expect(second.stderr).toContain("doveconf -n");
    expect(readFileSync(join(layout.dovecotDir, "dovecot.conf"), "utf8")).toBe(good);
    expect(readFileSync(join(layout.postfixDir, "vmailbox"), "utf8")).not.toContain("new@example.com");
    expect(readFileSync(join(root, "state/last-good/dovecot/dovecot.conf"), "utf8")).toBe(good);
    // So is one whose Sieve script sievec refuses.
    object.files = configFiles(plan, layout);
    object.files["dovecot/sieve/before-junk.sieve"] = 'require ["fileinto"];\nfileinto :specialuse "\\\\Junk" "Junk";\n';
    writeFileSync(join(inputs, "object.json"), JSON.stringify(object));
    const third = sync();
    expect(third.status).toBe(1);
    expect(third.stderr).toContain("refused, the running configuration stays");
    expect(third.stderr).toContain("sievec sieve/before-junk.sieve");
    expect(readFileSync(join(layout.dovecotDir, "sieve/before-junk.sieve"), "utf8")).toContain('if header :is "X-Spam-Flag" "YES"');
  });
});

describe("mailorg mailhost-config", () => {
  it("writes the files of an org with a mailbox host and lists them", () => {
    const out = join(mkdtempSync(join(tmpdir(), "mailorg-mhc-")), "out");
    const r = runCli(["mailhost-config", "--org", writeOrg({ "org.yaml": HOST_ORG }), "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n").map((l) => l.slice(out.length + 1))).toEqual(["cloud-init/user-data.yaml", "dovecot/dovecot.conf", "dovecot/sieve/before-junk.sieve", "dovecot/users", "mailorg/account.json", "mailorg/account.mjs", "mailorg/common-passwords.txt", ...DECISION_SHARD_FILES.map((f) => `mailorg/decision/${f}`), "mailorg/decision/common.json", "mailorg/policy.json", "mailorg/policy.mjs", "mailorg/relay.json", "mailorg/ses-relay.mjs", "nginx/locations/account.conf", "nginx/locations/roundcube.conf", "nginx/nginx.conf", "postfix/main.cf", "postfix/master.cf", "postfix/recipient_access", "postfix/vmailbox", "roundcube/config.inc.php", "www/autoconfig/config-v1.1.xml", "www/autodiscover/autodiscover.xml"]);
    expect(readFileSync(join(out, "postfix/main.cf"), "utf8")).toBe(mailhostFiles(plan)["postfix/main.cf"]);
  });
  it("exits 1 for an org without a mailbox host", () => {
    const r = runCli(["mailhost-config", "--org", writeOrg({ "org.yaml": HOST_ORG.replace(/  mailbox_host:.*\n/, "").replace(", quota_mb: 4096", "") }), "--out", tmpdir()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mailorg: the org in .* declares no organisation.mailbox_host; add one \(docs\/mailhost.md\) to get its files\n$/);
  });
});
