/**
 * The mailbox host's files from the plan: pure, plan in, files out. `mailorg mailhost-config` writes them, the
 * mailhost stack ships the configuration part as one versioned object that the host syncs, and the sandbox runs
 * the same generator with a local layout.
 */
import type { MailhostPlan } from "../plan/mailhost.ts";
import { cloudInitUserData } from "./cloud-init.ts";
import { dovecotConf, usersFile } from "./dovecot.ts";
import { hostLayout, type MailhostLayout } from "./layout.ts";
import { mainCf, masterCf, recipientAccessMap, vmailboxMap } from "./postfix.ts";
import { sieveFiles } from "./sieve.ts";
import { AUTOCONFIG_FILE, AUTODISCOVER_FILE, nginxConf } from "./nginx.ts";
import { autoconfigXml, autodiscoverXml } from "./client-setup.ts";
import { roundcubeConfig, roundcubeLocation } from "./roundcube.ts";

/** The configuration the host syncs (relative path -> content): Postfix's, Dovecot's and nginx's directories, and nginx's static files (www/). */
export function configFiles(plan: MailhostPlan, layout: MailhostLayout = hostLayout(plan.hostname)): Record<string, string> {
  const files: Record<string, string> = {
    "dovecot/dovecot.conf": dovecotConf(plan, layout),
    "dovecot/users": usersFile(plan, layout),
    "postfix/main.cf": mainCf(plan, layout),
    "postfix/master.cf": masterCf(layout),
    "postfix/recipient_access": recipientAccessMap(plan),
    "postfix/vmailbox": vmailboxMap(plan),
    ...Object.fromEntries(Object.entries(sieveFiles(plan)).map(([rel, text]) => [`dovecot/${rel}`, text])),
    "nginx/nginx.conf": nginxConf(plan, layout),
    "nginx/locations/roundcube.conf": roundcubeLocation(layout),
    "roundcube/config.inc.php": roundcubeConfig(plan, layout),
    [`www/${AUTOCONFIG_FILE}`]: autoconfigXml(plan),
    [`www/${AUTODISCOVER_FILE}`]: autodiscoverXml(plan.clients),
  };
  // Sorted by path: the object the host syncs, and the list mailhost-config prints, are deterministic.
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The versioned object the host syncs: the configuration files, the addresses that may log in (the sync
 * installs a hash line from SSM only for those) and the welcome letters (delivered once each), as JSON.
 */
export function configObject(plan: MailhostPlan): string {
  const logins = plan.mailboxes.filter((m) => m.login).map((m) => m.address);
  return JSON.stringify({ version: 1, hostname: plan.hostname, logins, files: configFiles(plan), welcome: plan.welcome }, null, 1) + "\n";
}

/** Everything `mailorg mailhost-config` writes: the configuration and cloud-init's user data. */
export function mailhostFiles(plan: MailhostPlan): Record<string, string> {
  return { "cloud-init/user-data.yaml": cloudInitUserData(plan), ...configFiles(plan) };
}
