/**
 * Entry point of the account service bundle (mailorg/account.mjs on the host): `node account.mjs account.json`.
 * The public pages on 127.0.0.1 (behind nginx's HTTPS on the host; over TLS itself in the sandbox) and the
 * administrators' reset on a root-only Unix socket.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { Accounts, type AccountPaths } from "./accounts.ts";
import { accountHandler, adminHandler } from "./account-service.ts";

interface AccountConfig {
  readonly paths: AccountPaths;
  readonly logins: string[];
  readonly commonFile: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly adminSocket: string;
  /** The sandbox serves TLS itself (the host has nginx in front). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** `doveadm ... auth cache flush` as argv. */
  readonly flush: string[];
}

/** Dovecot's auth process reads the passwd-files as the dovecot group. */
function dovecotGroup(): { dovecotGid?: number } {
  const line = readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith("dovecot:"));
  return line ? { dovecotGid: Number(line.split(":")[2]) } : {};
}

const config = JSON.parse(readFileSync(process.argv[2] ?? "/etc/mailorg/account.json", "utf8")) as AccountConfig;
const accounts = new Accounts({
  paths: config.paths,
  logins: config.logins,
  common: readFileSync(config.commonFile, "utf8"),
  now: () => new Date(),
  flush: () => void spawnSync(config.flush[0]!, config.flush.slice(1), { stdio: "ignore" }),
  ...dovecotGroup(),
});
// The store may have changed while the service was down (a sync, a restore): Dovecot's files follow it.
accounts.publish();
const handler = accountHandler(accounts);
const server = config.tls ? createTlsServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, handler) : createServer(handler);
server.listen(config.listen.port, config.listen.host);
rmSync(config.adminSocket, { force: true });
const admin = createServer(adminHandler(accounts));
admin.listen(config.adminSocket, () => chmodSync(config.adminSocket, 0o600));
const stop = (): void => {
  server.close();
  admin.close();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
