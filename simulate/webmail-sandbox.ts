/**
 * Webmail in the sandbox: Debian's nginx, PHP-FPM and Roundcube run from the files mailhost/ generates for the
 * host (nginx.conf, locations/roundcube.conf, Roundcube's config.inc.php), with the sandbox's layout: an HTTPS
 * listener on loopback, the sandbox certificate, Roundcube's database and session key under the sandbox's
 * directory. Started after Dovecot and Postfix, stopped before them.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import type { MailhostLayout } from "../mailhost/layout.ts";
import { DES_KEY_FILE, ROUNDCUBE_SQL } from "../mailhost/roundcube.ts";

export interface RunningWebmail {
  stop(): Promise<void>;
}

const PHP_FPM = "/usr/sbin/php-fpm8.2";

function ids(name: string): number {
  const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
  return Number(r.stdout.trim());
}

/** Starts PHP-FPM and nginx for the sandbox's layout; resolves once nginx answers TLS on the listener. */
export async function startWebmail(layout: MailhostLayout, at: { host: string; port: number }): Promise<RunningWebmail> {
  for (const bin of [PHP_FPM, "/usr/sbin/nginx", "/var/lib/roundcube/public_html/index.php"]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: apt-get install nginx php-fpm roundcube-core roundcube-plugins roundcube-sqlite3`);
  }
  const www = ids("www-data");
  // Roundcube's own files beside the generated config.inc.php, its database, temporary files, logs and key.
  for (const f of ["defaults.inc.php", "mimetypes.php"]) copyFileSync(join("/etc/roundcube", f), join(layout.roundcubeConfigDir, f));
  for (const d of [layout.roundcubeDataDir, join(layout.roundcubeDataDir, "temp"), join(layout.logDir, "roundcube")]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, www, www);
  }
  writeFileSync(join(layout.roundcubeDataDir, DES_KEY_FILE), randomBytes(24).toString("base64") + "\n", { mode: 0o640 });
  chownSync(join(layout.roundcubeDataDir, DES_KEY_FILE), 0, www);
  const db = join(layout.roundcubeDataDir, "roundcube.sqlite");
  const init = spawnSync("php", ["-r", `$d = new PDO("sqlite:${db}"); $d->exec(file_get_contents("${ROUNDCUBE_SQL}"));`], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`Roundcube's database: ${init.stderr.trim()}`);
  chownSync(db, www, www);
  const pool = join(layout.roundcubeConfigDir, "php-fpm.conf");
  writeFileSync(
    pool,
    `[global]\npid = ${layout.phpFpmSocket}.pid\nerror_log = ${layout.logDir}/php-fpm.log\ndaemonize = no\n\n[webmail]\nuser = www-data\ngroup = www-data\nlisten = ${layout.phpFpmSocket}\nlisten.owner = www-data\nlisten.group = www-data\nlisten.mode = 0660\npm = ondemand\npm.max_children = 4\nclear_env = yes\n`,
  );
  const children: ChildProcess[] = [];
  const exits: Promise<void>[] = [];
  const start = (cmd: string, args: string[]) => {
    const c = spawn(cmd, args, { stdio: "ignore" });
    children.push(c);
    exits.push(new Promise((r) => c.once("exit", () => r())));
  };
  const stop = async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    await Promise.all(exits);
  };
  start(PHP_FPM, ["-F", "-y", pool]);
  start("nginx", ["-c", join(layout.nginxDir, "nginx.conf"), "-g", "daemon off;"]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tlsConnect({ host: at.host, port: at.port, rejectUnauthorized: false });
      s.once("secureConnect", () => (s.destroy(), resolve(existsSync(layout.phpFpmSocket))));
      s.once("error", () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) {
      await stop();
      throw new Error(`webmail did not start on ${at.host}:${at.port} (see ${layout.logDir}/nginx-error.log and php-fpm.log)`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { stop };
}
