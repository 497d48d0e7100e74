/**
 * organisation.mailbox_host: one organisation-wide change (owners approve). With a mailbox host, it is where
 * every delivered copy is relayed, so adding, removing or renaming it reroutes members' mail. Removing the
 * host, or shrinking its data volume (EBS volumes only grow; Terraform would replace it), is destructive.
 */
import { canon, type Org } from "../../model/org.ts";
import { DEFAULT_BACKUP_RETENTION_DAYS, DEFAULT_INSTANCE_TYPE, DEFAULT_QUOTA_MB, DEFAULT_VOLUME_GB } from "../../plan/mailhost.ts";
import type { Value } from "./change.ts";
import type { DiffContext } from "./context.ts";
import { deliveryOwners } from "./delivery.ts";

export const FIELDS = {
  mailboxHost: ["hostname", "instance_type", "volume_gb", "backup_retention_days", "default_quota_mb", "webmail"],
  webmail: ["logo"],
} as const;

/** The mailbox host with its defaults applied, as a reviewer compares it; null when not declared. */
export function mailboxHostValue(o: Org["organisation"]): { [key: string]: Value } | null {
  const h = o.mailbox_host;
  if (!h) return null;
  return {
    hostname: canon(h.hostname),
    instance_type: h.instance_type ?? DEFAULT_INSTANCE_TYPE,
    volume_gb: h.volume_gb ?? DEFAULT_VOLUME_GB,
    backup_retention_days: h.backup_retention_days ?? DEFAULT_BACKUP_RETENTION_DAYS,
    default_quota_mb: h.default_quota_mb ?? DEFAULT_QUOTA_MB,
    // What webmail's login page shows (only when set).
    ...(h.webmail?.logo ? { webmail_logo: h.webmail.logo } : {}),
  };
}

export function diffMailboxHost(ctx: DiffContext): void {
  const b = mailboxHostValue(ctx.base.org.organisation);
  const h = mailboxHostValue(ctx.head.org.organisation);
  if (JSON.stringify(b) === JSON.stringify(h)) return;
  const { departments, orgWide, reroutes } = deliveryOwners(ctx);
  const own = { departments, orgWide };
  if (b && h) {
    // One change per setting, so a reviewer reads what moved.
    for (const k of new Set([...Object.keys(b), ...Object.keys(h)])) {
      if (b[k] === h[k]) continue;
      const cut = k === "volume_gb" && Number(h[k]) < Number(b[k]);
      ctx.add({ section: "Organisation", kind: "modify", subject: "mailbox_host", field: k, before: b[k] ?? null, after: h[k] ?? null, ...own, ...(k === "hostname" ? { reroutes } : {}), reason: cut ? `mailbox_host.volume_gb is cut from ${String(b[k])} to ${String(h[k])}: an EBS volume cannot shrink, so the mail volume would be replaced (prevent_destroy refuses it); keep the size` : undefined });
    }
    return;
  }
  const reason = b ? `the mailbox host ${String(b.hostname)} is removed: the router stops relaying to it and members lose IMAP access; its data volume is protected by prevent_destroy, so the plan fails until the mail is moved (mailorg migrate) and the protection lifted deliberately` : undefined;
  ctx.add({ section: "Organisation", kind: b ? "delete" : "create", subject: "mailbox_host", before: b, after: h, ...own, reroutes, reason });
}
