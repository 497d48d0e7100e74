/**
 * Where the mailbox host's files, queues, mail and logs live, and who its processes run as. The EC2 host uses
 * HOST_LAYOUT (Debian's own paths); the sandbox passes a layout under a temporary directory with loopback ports.
 * Every setting that decides behaviour (TLS, authentication, quotas, recipients, restrictions) is the same in
 * both: the layout only says where.
 */
import { MAILHOST_MANAGESIEVE_PORT } from "../plan/mailhost.ts";

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
  /** Dovecot's ManageSieve listener (STARTTLS): port, and addresses (default: the IMAPS addresses). */
  readonly managesievePort: number;
  readonly managesieveAddress?: string;
  /** host:port of the SMTP server Sieve's replies (vacation) go to; default: the host's Postfix through sendmail. */
  readonly replyRelay?: string;
  /** nginx: its configuration directory (nginx.conf, locations/*.conf of other services) and static files. */
  readonly nginxDir: string;
  readonly wwwDir: string;
  /** nginx's pid file (Debian's nginx.service reads /run/nginx.pid) and its temporary files' directory. */
  readonly nginxPid: string;
  readonly nginxTempDir: string;
  /**
   * Roundcube: its configuration directory (config.inc.php; Debian's /etc/roundcube), where its database, key and
   * temporary files live, PHP-FPM's socket, and how it reaches IMAPS, submission and ManageSieve (with the CA
   * file that verifies the host's certificate when it is not a public one).
   */
  readonly roundcubeConfigDir: string;
  readonly roundcubeDataDir: string;
  readonly phpFpmSocket: string;
  readonly webmailImap: string;
  readonly webmailSmtp: string;
  readonly webmailSieve: string;
  readonly webmailCa?: string;
  /** The account service's endpoint for Roundcube's password plugin (httpapi driver; mailhost/account-service.ts). */
  readonly accountApiUrl: string;
  /** The TLS peer name the account service's certificate is checked for, when the URL names an address (the sandbox). */
  readonly accountApiPeerName?: string;
  /** nginx's listen addresses ("443", "[::]:443" or "127.0.0.1:2443"), and port 80's (redirects to HTTPS; none in the sandbox). */
  readonly httpsListen: readonly string[];
  readonly httpListen: readonly string[];
}

/**
 * The configuration files the host syncs, by their key in the configuration object (<postfix|dovecot>/<name>):
 * the host's sync installs these and refuses an object naming anything else. The login files
 * (dovecot/imap.passwd, dovecot/smtp.passwd) are not among them: the sync writes those from SSM.
 */
export const CONFIG_FILES = [
  "dovecot/dovecot.conf",
  "dovecot/sieve/before-junk.sieve",
  "dovecot/users",
  "mailorg/account.json",
  "mailorg/account.mjs",
  "mailorg/common-passwords.txt",
  "mailorg/policy.json",
  "mailorg/policy.mjs",
  "mailorg/relay.json",
  "mailorg/ses-relay.mjs",
  "nginx/locations/account.conf",
  "nginx/locations/roundcube.conf",
  "nginx/nginx.conf",
  "postfix/main.cf",
  "postfix/master.cf",
  "postfix/recipient_access",
  "postfix/vmailbox",
  "roundcube/config.inc.php",
  "www/autoconfig/config-v1.1.xml",
  "www/autodiscover/autodiscover.xml",
] as const;

/**
 * Postfix's lookup tables among CONFIG_FILES, installed with their indexed form: Berkeley DB `hash` (in Debian's
 * postfix package itself), built by `postmap` beside the text the object carries. An indexed table is looked up
 * on disk; a `texthash` one is read whole into every smtpd, cleanup and trivial-rewrite process at its start,
 * which at 50,000 mailboxes is 3 MB parsed per process and per restart.
 */
export const POSTFIX_MAP_TYPE = "hash";
export const POSTFIX_MAPS = ["postfix/recipient_access", "postfix/vmailbox"] as const;

/**
 * Keys named per shard or per member: the sending decision's input split by address (mailorg/decision/common.json,
 * 00.json … 3f.json; plan/decision-shards.ts), and the org's auto-reply of a member
 * (dovecot/sieve/auto-reply/<address>.sieve). An address
 * is a dot-atom (no "/", no "..": the schema's pattern), so such a key stays inside its directory.
 */
export const CONFIG_FILE_PATTERNS = ["^mailorg/decision/(common|[0-9a-f]{2})\\.json$", "^dovecot/sieve/auto-reply/[A-Za-z0-9_%+'-]+(\\.[A-Za-z0-9_%+'-]+)*@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.sieve$"] as const;


/** The directory under mailorgDir of the sending decision's input, split by address (plan/decision-shards.ts); its files match CONFIG_FILE_PATTERNS. */
export const DECISION_DIR = "decision";

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
    managesievePort: MAILHOST_MANAGESIEVE_PORT,
    nginxDir: "/etc/nginx",
    wwwDir: "/var/www/mailorg",
    roundcubeConfigDir: "/etc/roundcube",
    roundcubeDataDir: "/var/lib/roundcube/mailorg",
    phpFpmSocket: "/run/php/php8.2-fpm.sock",
    webmailImap: `ssl://${hostname}:993`,
    // The member's own account on the host's submission (#26), so every sending rule holds.
    webmailSmtp: `tls://${hostname}:587`,
    webmailSieve: `tls://${hostname}:4190`,
    // The account service on 127.0.0.1 (ACCOUNT_PORT in mailhost/files.ts).
    accountApiUrl: "http://127.0.0.1:8026/account/api/password",
    nginxPid: "/run/nginx.pid",
    nginxTempDir: "/var/lib/nginx",
    httpsListen: ["443", "[::]:443"],
    httpListen: ["80", "[::]:80"],
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
