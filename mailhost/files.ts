/**
 * The mailbox host's files from the plan: pure, plan in, files out. `mailorg mailhost-config` writes them, the
 * mailhost stack ships the configuration part as one versioned object that the host syncs, and the sandbox runs
 * the same generator with a local layout.
 */
import type { MailhostPlan } from "../plan/mailhost.ts";
import { cloudInitUserData } from "./cloud-init.ts";
import { dovecotConf, usersFile } from "./dovecot.ts";
import { hostLayout, type MailhostLayout } from "./layout.ts";
import { policyBundle, relayBundle } from "./bundles.ts";
import type { PolicyConfig } from "./policy-service.ts";
import { mainCf, masterCf, recipientAccessMap, vmailboxMap } from "./postfix.ts";
import type { RelayConfig } from "./ses-relay.ts";

/** How the sandbox runs the host's files differently: its SES stand-in, and the day it decides on. */
export interface SandboxTarget {
  readonly ses: { readonly host: string; readonly port: number };
  readonly today: string;
  /** The client address the rules see instead of Postfix's (the sandbox's --client-ip). */
  readonly clientIp?: string;
}

/** mailorg's own programs and their JSON (policy service and SES relay), from the plan. */
export function mailorgFiles(plan: MailhostPlan, sandbox?: SandboxTarget): Record<string, string> {
  const today = sandbox ? { today: sandbox.today } : {};
  const client = sandbox?.clientIp !== undefined ? { clientIp: sandbox.clientIp } : {};
  const policy: PolicyConfig = { relayUser: plan.relayUser, filter: "mailorg-ses:", decision: plan.decision, ...today, ...client };
  const relay: RelayConfig = {
    decision: plan.decision,
    ...today,
    ...client,
    target: sandbox ? { kind: "smtp", ...sandbox.ses } : { kind: "ses", region: plan.region, configurationSet: plan.configurationSet },
  };
  return {
    "mailorg/policy.json": JSON.stringify(policy) + "\n",
    "mailorg/policy.mjs": policyBundle(),
    "mailorg/relay.json": JSON.stringify(relay) + "\n",
    "mailorg/ses-relay.mjs": relayBundle(),
  };
}

/** The configuration the host syncs (relative path -> content): Postfix's and Dovecot's directories. */
export function configFiles(plan: MailhostPlan, layout: MailhostLayout = hostLayout(plan.hostname), sandbox?: SandboxTarget): Record<string, string> {
  return {
    "dovecot/dovecot.conf": dovecotConf(plan, layout),
    "dovecot/users": usersFile(plan),
    ...mailorgFiles(plan, sandbox),
    "postfix/main.cf": mainCf(plan, layout),
    "postfix/master.cf": masterCf(layout),
    "postfix/recipient_access": recipientAccessMap(plan),
    "postfix/vmailbox": vmailboxMap(plan),
  };
}

/**
 * The versioned object the host syncs: the configuration files and the addresses that may log in (the sync
 * installs a hash line from the password store only for those), as JSON with sorted keys.
 */
export function configObject(plan: MailhostPlan): string {
  const logins = plan.mailboxes.filter((m) => m.login).map((m) => m.address);
  return JSON.stringify({ version: 1, hostname: plan.hostname, logins, files: configFiles(plan) }, null, 1) + "\n";
}

/** Everything `mailorg mailhost-config` writes: the configuration and cloud-init's user data. */
export function mailhostFiles(plan: MailhostPlan): Record<string, string> {
  return { "cloud-init/user-data.yaml": cloudInitUserData(plan), ...configFiles(plan) };
}
