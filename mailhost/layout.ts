/**
 * Where the mailbox host's files, queues, mail and logs live, and who its processes run as. The EC2 host uses
 * HOST_LAYOUT (Debian's own paths); the sandbox passes a layout under a temporary directory with loopback ports.
 * Every setting that decides behaviour (TLS, authentication, quotas, recipients, restrictions) is the same in
 * both: the layout only says where.
 */
export interface MailhostLayout {
  /** Postfix's config_directory (main.cf, master.cf, the maps). */
  readonly postfixDir: string;
  readonly postfixQueueDir: string;
  readonly postfixDataDir: string;
  /** Dovecot's configuration directory (dovecot.conf, the passwd-files). */
  readonly dovecotDir: string;
  readonly dovecotBaseDir: string;
  readonly dovecotStateDir: string;
  /** Root of the mailboxes: <mailRoot>/<address>/Maildir (on the EC2 host, the data volume). */
  readonly mailRoot: string;
  /** The mail log directory (postfix.log, dovecot.log), shipped to CloudWatch Logs on the host. */
  readonly logDir: string;
  /** TLS certificate chain and key (certbot's on the host). */
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** Postfix's relay listener as a master.cf service name: "587" (every address) or "127.0.0.1:2587". */
  readonly relayListener: string;
  /** Postfix's implicit-TLS submission listener (RFC 8314) as a master.cf service name: "465" or "127.0.0.1:2465". */
  readonly submissionsListener: string;
  /** mailorg's own files on the host: the policy service and the SES relay with their JSON (/etc/mailorg). */
  readonly mailorgDir: string;
  /** The Node.js that runs them (Debian's nodejs on the host; the sandbox's own node). */
  readonly nodePath: string;
  /** The unprivileged user Postfix runs them as (spawn(8) and pipe(8) refuse root). */
  readonly helperUser: string;
  /** Dovecot's IMAPS listener: addresses and port. */
  readonly imapsAddress: string;
  readonly imapsPort: number;
  /** uid and gid owning the mailboxes (vmail on the host). */
  readonly mailUid: number;
  readonly mailGid: number;
  /** Dovecot's instance name (`doveadm -i`, log prefix). */
  readonly instanceName: string;
}

/**
 * The configuration files the host syncs, by their key in the configuration object (<postfix|dovecot>/<name>):
 * the host's sync installs these and refuses an object naming anything else. The login files
 * (dovecot/imap.passwd, dovecot/smtp.passwd) are not among them: the sync writes those from SSM.
 */
export const CONFIG_FILES = [
  "dovecot/dovecot.conf",
  "dovecot/users",
  "mailorg/account.json",
  "mailorg/account.mjs",
  "mailorg/common-passwords.txt",
  "mailorg/policy.json",
  "mailorg/policy.mjs",
  "mailorg/relay.json",
  "mailorg/ses-relay.mjs",
  "postfix/main.cf",
  "postfix/master.cf",
  "postfix/recipient_access",
  "postfix/vmailbox",
] as const;

/** The vmail user cloud-init creates on the host. */
export const VMAIL_UID = 5000;

export function hostLayout(hostname: string): MailhostLayout {
  return {
    postfixDir: "/etc/postfix",
    postfixQueueDir: "/var/spool/postfix",
    postfixDataDir: "/var/lib/postfix",
    dovecotDir: "/etc/dovecot",
    dovecotBaseDir: "/run/dovecot",
    dovecotStateDir: "/var/lib/dovecot",
    mailRoot: "/srv/mail",
    logDir: "/var/log/mail",
    tlsCert: `/etc/letsencrypt/live/${hostname}/fullchain.pem`,
    tlsKey: `/etc/letsencrypt/live/${hostname}/privkey.pem`,
    relayListener: "587",
    submissionsListener: "465",
    mailorgDir: "/etc/mailorg",
    nodePath: "/usr/bin/node",
    helperUser: "nobody",
    imapsAddress: "*, ::",
    imapsPort: 993,
    mailUid: VMAIL_UID,
    mailGid: VMAIL_UID,
    instanceName: "mailorg",
  };
}

/**
 * The members' password store: one "<address>:{BLF-CRYPT}<hash>" line per account, on the data volume (encrypted,
 * backed up with the mail) and never in Terraform, S3 or SSM. The host's account service is its one writer; the
 * sync reads it and lets in only the addresses the plan allows to log in. A directory whose name holds no "@"
 * never meets a mailbox (<mailRoot>/<address>).
 */
export function passwordStorePath(layout: Pick<MailhostLayout, "mailRoot">): string {
  return `${layout.mailRoot}/.mailorg-accounts/passwd`;
}
