/**
 * The mailbox host's files from the plan: pure, plan in, files out. `mailorg mailhost-config` writes them, the
 * mailhost stack ships the configuration part as one versioned object that the host syncs, and the sandbox runs
 * the same generator with a local layout.
 */
import type { MailhostPlan } from "../plan/mailhost.ts";
import { cloudInitUserData } from "./cloud-init.ts";
import { dovecotConf, usersFile } from "./dovecot.ts";
import { hostLayout, type MailhostLayout } from "./layout.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { accountBundle, policyBundle, relayBundle } from "./bundles.ts";
import { passwordStorePath } from "./layout.ts";
import type { PolicyConfig } from "./policy-service.ts";
import { mainCf, masterCf, recipientAccessMap, vmailboxMap } from "./postfix.ts";
import { sieveFiles } from "./sieve.ts";
import { AUTOCONFIG_FILE, AUTODISCOVER_FILE, nginxConf } from "./nginx.ts";
import { autoconfigXml, autodiscoverXml } from "./client-setup.ts";
import { roundcubeConfig, roundcubeLocation } from "./roundcube.ts";

import { accountNginxLocation } from "./account-service.ts";
import { shardDecision } from "../plan/decision-shards.ts";
import { DECISION_DIR } from "./layout.ts";
import type { RelayConfig } from "./ses-relay.ts";

/** How the sandbox runs the host's files differently: its SES stand-in, and the day it decides on. */
export interface SandboxTarget {
  readonly ses: { readonly host: string; readonly port: number };
  readonly today: string;
  /** The client address the rules see instead of Postfix's (the sandbox's --client-ip). */
  readonly clientIp?: string;
  /** Where the account service listens, serving TLS itself with the sandbox certificate. */
  readonly account: { readonly host: string; readonly port: number };
}

/** The account service's port on the host (127.0.0.1, behind nginx's HTTPS at /account/). */
export const ACCOUNT_PORT = 8026;
/** The common-password list the account service refuses (mailhost/common-passwords.txt). */
export const COMMON_PASSWORDS = readFileSync(fileURLToPath(new URL("../mailhost/common-passwords.txt", import.meta.url)), "utf8");

/** The account service's configuration: where the store and Dovecot's files are, who may log in, where it listens. */
export function accountConfig(plan: MailhostPlan, layout: MailhostLayout, sandbox?: SandboxTarget): Record<string, unknown> {
  const store = passwordStorePath(layout);
  const dir = store.slice(0, store.lastIndexOf("/"));
  return {
    paths: { store, tokens: `${dir}/tokens.json`, imapPasswd: join(layout.dovecotDir, "imap.passwd"), smtpPasswd: join(layout.dovecotDir, "smtp.passwd"), log: join(layout.logDir, "account.log") },
    logins: plan.mailboxes.filter((m) => m.login).map((m) => m.address),
    commonFile: join(layout.mailorgDir, "common-passwords.txt"),
    listen: sandbox ? sandbox.account : { host: "127.0.0.1", port: ACCOUNT_PORT },
    adminSocket: `${dir}/admin.sock`,
    ...(sandbox ? { tls: { cert: layout.tlsCert, key: layout.tlsKey } } : {}),
    flush: ["doveadm", "-c", join(layout.dovecotDir, "dovecot.conf"), "auth", "cache", "flush"],
    linkBase: sandbox ? `https://${plan.hostname}:${sandbox.account.port}/account/activate?t=` : `https://${plan.hostname}/account/activate?t=`,
  };
}

/** mailorg's own programs and their JSON (policy service and SES relay), from the plan. */
export function mailorgFiles(plan: MailhostPlan, layout: MailhostLayout, sandbox?: SandboxTarget): Record<string, string> {
  const today = sandbox ? { today: sandbox.today } : {};
  const client = sandbox?.clientIp !== undefined ? { clientIp: sandbox.clientIp } : {};
  // The decision's input split by address (plan/decision-shards.ts): a session or a message reads only its sender's part.
  const decision = { shards: join(layout.mailorgDir, DECISION_DIR) };
  const policy: PolicyConfig = { relayUser: plan.relayUser, filter: "mailorg-ses:", decision, ...today, ...client };
  const relay: RelayConfig = {
    decision,
    ...today,
    ...client,
    target: sandbox ? { kind: "smtp", ...sandbox.ses } : { kind: "ses", region: plan.region, configurationSet: plan.configurationSet },
  };
  return {
    "mailorg/account.json": JSON.stringify(accountConfig(plan, layout, sandbox), null, 1) + "\n",
    "mailorg/account.mjs": accountBundle(),
    "mailorg/common-passwords.txt": COMMON_PASSWORDS,
    "mailorg/policy.json": JSON.stringify(policy) + "\n",
    "mailorg/policy.mjs": policyBundle(),
    "mailorg/relay.json": JSON.stringify(relay) + "\n",
    "mailorg/ses-relay.mjs": relayBundle(),
    ...Object.fromEntries(Object.entries(shardDecision(plan.decision)).map(([name, text]) => [`mailorg/${DECISION_DIR}/${name}`, text])),
  };
}

/** The configuration the host syncs (relative path -> content): Postfix's, Dovecot's and nginx's directories, Roundcube's, nginx's static files (www/) and mailorg's programs. */
export function configFiles(plan: MailhostPlan, layout: MailhostLayout = hostLayout(plan.hostname), sandbox?: SandboxTarget): Record<string, string> {
  const files: Record<string, string> = {
    "dovecot/dovecot.conf": dovecotConf(plan, layout),
    "dovecot/users": usersFile(plan, layout),
    ...mailorgFiles(plan, layout, sandbox),
    "postfix/main.cf": mainCf(plan, layout),
    "postfix/master.cf": masterCf(layout, plan.instanceType),
    "postfix/recipient_access": recipientAccessMap(plan),
    "postfix/vmailbox": vmailboxMap(plan),
    ...Object.fromEntries(Object.entries(sieveFiles(plan)).map(([rel, text]) => [`dovecot/${rel}`, text])),
    "nginx/nginx.conf": nginxConf(plan, layout),
    "nginx/locations/roundcube.conf": roundcubeLocation(layout),
    // The account service's pages and Roundcube's password endpoint (#26) behind the same HTTPS server (in the sandbox the service serves TLS itself).
    "nginx/locations/account.conf": sandbox ? accountNginxLocation(sandbox.account.port).replace("proxy_pass http://", "proxy_pass https://") : accountNginxLocation(ACCOUNT_PORT),
    "roundcube/config.inc.php": roundcubeConfig(plan, layout),
    [`www/${AUTOCONFIG_FILE}`]: autoconfigXml(plan),
    [`www/${AUTODISCOVER_FILE}`]: autodiscoverXml(plan.clients),
  };
  // Sorted by path: the object the host syncs, and the list mailhost-config prints, are deterministic.
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The versioned object the host syncs: the configuration files, the addresses that may log in (the sync
 * installs a hash line from the password store only for those) and the welcome letters (delivered once each), as JSON.
 */
export function configObject(plan: MailhostPlan): string {
  const logins = plan.mailboxes.filter((m) => m.login).map((m) => m.address);
  return JSON.stringify({ version: 1, hostname: plan.hostname, logins, files: configFiles(plan), welcome: plan.welcome }, null, 1) + "\n";
}

/** Everything `mailorg mailhost-config` writes: the configuration and cloud-init's user data. */
export function mailhostFiles(plan: MailhostPlan): Record<string, string> {
  return { "cloud-init/user-data.yaml": cloudInitUserData(plan), ...configFiles(plan) };
}
