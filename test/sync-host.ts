/**
 * A mailbox host's sync run as the host runs it (mailorg-sync in its local mode, Debian's postfix check, doveconf,
 * nginx -t, sievec), on a host tree under a temporary directory: its layout, its inputs (the configuration object,
 * the password store's lines, the router's line) and the script. Used by test/mailhost-sync.test.ts and by
 * bench/mailhost-scale-once.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFiles, configObject } from "../mailhost/files.ts";
import { hostLayout, type MailhostLayout } from "../mailhost/layout.ts";
import { SYNC_SCRIPT } from "../mailhost/sync-script.ts";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { syncDirArgs } from "./mail-helpers.ts";

interface Run {
  status: number;
  stderr: string;
}

/** The host's layout with every directory it writes under root, and a certificate there (nginx -t loads it). */
export function tempHostLayout(root: string, hostname: string): MailhostLayout {
  return { ...hostLayout(hostname), postfixDir: join(root, "postfix"), postfixQueueDir: join(root, "spool"), postfixDataDir: join(root, "data"), dovecotDir: join(root, "dovecot"), logDir: join(root, "log"), relayListener: "127.0.0.1:25870", mailorgDir: join(root, "mailorg"), nginxDir: join(root, "nginx"), wwwDir: join(root, "www"), roundcubeConfigDir: join(root, "roundcube"), tlsCert: join(root, "tls/cert.pem"), tlsKey: join(root, "tls/key.pem") };
}

/** A host under a temporary directory, its inputs (object, password store lines, relay line) and the script. */
export function syncHost(plan: MailhostPlan, relayLine: string, layoutOf: (root: string) => MailhostLayout = (root) => tempHostLayout(root, plan.hostname)) {
  const root = mkdtempSync(join(tmpdir(), "mailorg-sync30-"));
  const layout = layoutOf(root);
  // nginx -t loads the certificate: a self-signed one for the host's name, where the layout says.
  mkdirSync(join(root, "tls"), { recursive: true });
  spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${plan.hostname}`, "-keyout", layout.tlsKey, "-out", layout.tlsCert], { stdio: "ignore" });
  for (const d of [layout.postfixDir, layout.dovecotDir, layout.postfixQueueDir, layout.postfixDataDir, layout.logDir, join(root, "in")]) mkdirSync(d, { recursive: true });
  writeFileSync(join(root, "in/sync.py"), SYNC_SCRIPT);
  const object = JSON.parse(configObject(plan)) as { files: Record<string, string>; logins: string[] };
  object.files = configFiles(plan, layout);
  const inputs = (o: unknown, passwd: string[] | null, relay = relayLine) => {
    writeFileSync(join(root, "in/object.json"), typeof o === "string" ? o : JSON.stringify(o));
    rmSync(join(root, "in/passwd"), { force: true });
    if (passwd) writeFileSync(join(root, "in/passwd"), passwd.map((l) => l + "\n").join(""));
    writeFileSync(join(root, "in/relay"), relay);
  };
  const sync = (now: string, reload = false): Run => {
    const args = [join(root, "in/sync.py"), "--local", join(root, "in/object.json"), "--passwd", join(root, "in/passwd"), "--relay", join(root, "in/relay"), ...syncDirArgs(layout, { mailRoot: join(root, "mail") }), "--state-dir", join(root, "state")];
    const r = spawnSync("python3", reload ? args : [...args, "--no-reload"], { encoding: "utf8", env: { ...process.env, MAILORG_SYNC_NOW: now } });
    return { status: r.status ?? -1, stderr: r.stderr };
  };
  const read = (p: string): string => (existsSync(p) ? readFileSync(p, "utf8") : "");
  return {
    root,
    layout,
    object,
    inputs,
    sync,
    logins: () => read(join(layout.dovecotDir, "imap.passwd")),
    commands: () => read(join(root, "state/commands.log")),
    status: () => JSON.parse(read(join(root, "state/status.json"))) as { last_success?: string; last_attempt: string; failure: string | null },
    metrics: () => read(join(root, "state/metrics.log")),
    clearCommands: () => rmSync(join(root, "state/commands.log"), { force: true }),
  };
}

