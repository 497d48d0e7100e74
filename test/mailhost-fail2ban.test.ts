/**
 * fail2ban on the mailbox host really blocks (issue #30): the host's jails, as cloud-init writes them, run in
 * Debian 12's fail2ban inside a network namespace made for the test (its own loopback and nftables ruleset, so
 * the machine's rules are never touched); a ban writes an nftables rule, and a banned address's connection to
 * the jail's port is refused while another address still connects.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cloudInitUserData } from "../mailhost/cloud-init.ts";
import { validateOrg } from "../model/validate.ts";
import { planOrg } from "../plan/plan.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";

const tools = ["/usr/bin/fail2ban-client", "/usr/sbin/nft", "/usr/bin/python3"].every(existsSync) && spawnSync("ip", ["netns", "list"]).status === 0;
const skip = process.getuid?.() !== 0 ? " (skipped: network namespaces need root)" : !tools ? " (skipped: apt-get install fail2ban nftables iproute2)" : "";

const ns = `mailorg-f2b-${randomBytes(4).toString("hex")}`;
const inNs = (cmd: string[]) => spawnSync("ip", ["netns", "exec", ns, ...cmd], { encoding: "utf8" });

/** Connects from `source` to 127.0.0.1:port inside the namespace: "connected", or the error's name. */
const tryConnect = (source: string, port: number): string =>
  inNs([
    "/usr/bin/python3",
    "-c",
    `import socket\ns = socket.socket()\ns.settimeout(3)\ns.bind(("${source}", 0))\ntry:\n    s.connect(("127.0.0.1", ${port})); print("connected")\nexcept OSError as e:\n    print(type(e).__name__)`,
  ]).stdout.trim();

describe.skipIf(skip !== "")(`fail2ban on the mailbox host${skip}`, () => {
  let conf: string;
  let listener: ChildProcess | undefined;
  const client = (...args: string[]) => inNs(["fail2ban-client", "-c", conf, "-s", join(conf, "f2b.sock"), ...args]);

  beforeAll(async () => {
    const { org, index } = validateOrg(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
    const userData = parse(cloudInitUserData(planOrg(org!, index!, { today: "2026-06-01" }).mailhost!)) as { write_files: { path: string; content: string }[] };
    const jail = userData.write_files.find((f) => f.path === "/etc/fail2ban/jail.d/mailorg.local")!.content;
    conf = mkdtempSync(join(tmpdir(), "mailorg-f2bns-"));
    cpSync("/etc/fail2ban", conf, { recursive: true });
    const logs = join(conf, "log");
    mkdirSync(logs);
    for (const f of ["dovecot.log", "postfix.log"]) writeFileSync(join(logs, f), "");
    writeFileSync(join(conf, "jail.d/mailorg.local"), jail.replaceAll("/var/log/mail", logs));
    writeFileSync(join(conf, "fail2ban.local"), `[Definition]\nlogtarget = ${join(conf, "fail2ban.log")}\nsocket = ${join(conf, "f2b.sock")}\npidfile = ${join(conf, "f2b.pid")}\ndbfile = :memory:\n`);
    expect(spawnSync("ip", ["netns", "add", ns]).status).toBe(0);
    inNs(["ip", "link", "set", "lo", "up"]);
    // Something listening on IMAPS inside the namespace, as Dovecot does on the host.
    listener = spawn("ip", ["netns", "exec", ns, "/usr/bin/python3", "-c", "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('127.0.0.1', 993))\ns.listen(50)\ntime.sleep(120)"], { stdio: "ignore" });
    for (let i = 0; i < 50 && tryConnect("127.0.0.2", 993) !== "connected"; i++) await new Promise((ok) => setTimeout(ok, 100));
    const started = client("-x", "start");
    expect(started.stderr).not.toMatch(/ERROR/);
    for (let i = 0; i < 50 && client("status", "dovecot").status !== 0; i++) await new Promise((ok) => setTimeout(ok, 100));
  }, 30_000);

  afterAll(() => {
    if (conf) client("stop");
    listener?.kill();
    spawnSync("ip", ["netns", "del", ns]);
  });

  it("a banned address is refused by an nftables rule on the jail's port; another address still connects", () => {
    expect(tryConnect("127.0.0.1", 993)).toBe("connected");
    expect(client("set", "dovecot", "banip", "127.0.0.1").status).toBe(0);
    const ruleset = inNs(["nft", "list", "ruleset"]).stdout;
    expect(ruleset).toMatch(/set addr-set-dovecot \{[^}]*elements = \{ 127\.0\.0\.1 \}/);
    expect(ruleset).toMatch(/tcp dport \{ 993, 4190 \} ip saddr @addr-set-dovecot reject/);
    expect(tryConnect("127.0.0.1", 993)).toBe("ConnectionRefusedError");
    expect(tryConnect("127.0.0.2", 993)).toBe("connected");
    expect(client("status", "dovecot").stdout).toMatch(/Banned IP list:\s+127\.0\.0\.1/);
  });
});
