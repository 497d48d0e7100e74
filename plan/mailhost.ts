/**
 * The mailbox host's part of the plan: where the host lives (name, zone, instance, volume, backups), what it
 * serves (every mailbox the router delivers to, with its quota and whether it may log in) and the names through
 * which the stacks and the host meet without referring to each other (the configuration object, the relay
 * secret, the log group; members' password hashes never pass through them: they live on the host). Plain data: mailhost/ renders the host's
 * files from it, constructs/ the `mailhost` stack, review/ compares it.
 */
import { canon, memberStatus, type Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { compile, signatureFields } from "./signatures.ts";
import { mailboxHostZone } from "../model/rules/mailbox-host-zone.ts";
import { endOfDayIso } from "../model/timezone.ts";
import type { DnsRecord } from "./dns.ts";
import { orgSlug } from "./naming.ts";
import { ACCOUNT_ID_PLACEHOLDER } from "./sending.ts";
import type { SendDecisionInput } from "./send-decision.ts";

/** The port the router relays to (STARTTLS + AUTH). Not 25: Lambda blocks outbound port 25. */
export const MAILHOST_RELAY_PORT = 587;
export const MAILHOST_IMAPS_PORT = 993;
/** ManageSieve's registered port (RFC 5804): members' filters and out-of-office, STARTTLS like every login. */
export const MAILHOST_MANAGESIEVE_PORT = 4190;
/** Members' submission with implicit TLS (RFC 8314); 587 takes STARTTLS. */
export const MAILHOST_SUBMISSIONS_PORT = 465;
/** The official Debian images' owner (Debian's AWS account): the host's image (constructs/mailbox-host.ts), the only one the CI apply role may launch. */
export const DEBIAN_AMI_OWNER = "136693071363";
/** The SMTP AUTH user of the router on the host (a passdb entry for the smtp service only, no mailbox). */
export const MAILHOST_RELAY_USER = "mailorg-router";

export const DEFAULT_INSTANCE_TYPE = "t4g.small";
export const DEFAULT_VOLUME_GB = 50;
export const DEFAULT_BACKUP_RETENTION_DAYS = 35;
export const DEFAULT_QUOTA_MB = 2048;
/** Days before an auto-reply answers the same sender again. */
export const AUTO_REPLY_DAYS = 7;

/** Secrets Manager secret holding the router's {"username","password"} for the host (the routing table's relay.authSecret). */
export function relaySecretName(prefix: string): string {
  return `${prefix}/mailhost/relay`;
}

export interface HostedMailbox {
  readonly address: string;
  readonly kind: "member" | "mailbox";
  /** Mailbox capacity in MB (quota_mb, else default_quota_mb). */
  readonly quotaMb: number;
  /**
   * Whether the address may log in over IMAP: active members only. Disabled members and departed members
   * without forward_to keep receiving into their mailbox, without a login.
   */
  readonly login: boolean;
}

export interface RefusedAddress {
  readonly address: string;
  /** Why the host refuses it at RCPT time, e.g. "departed; mail goes to ma.li@example.com". */
  readonly reason: string;
}

/** One org-set auto-reply, as the plan carries it. */
export interface PlannedAutoReply {
  readonly address: string;
  /** Every address the member receives at (the primary first, then aliases): replies only to mail sent to one of them. */
  readonly addresses: readonly string[];
  readonly subject: string;
  readonly body: string;
  /** The last day it is sent (YYYY-MM-DD in the org's time zone), as the instant that day ends in UTC, or undefined. */
  readonly untilUtc?: string;
  /** Days before the same sender is answered again. */
  readonly days: number;
}

/**
 * vCPUs of an EC2 instance type, from its size: nano to large 2, xlarge 4, Nxlarge 4N (metal: 64). The host sizes
 * by it what runs one per core: Dovecot's login processes (its high-performance setting) and the SES relay's.
 */
export function instanceVcpus(instanceType: string): number {
  const size = instanceType.split(".")[1] ?? "";
  if (size === "xlarge") return 4;
  const n = /^(\d+)xlarge$/.exec(size);
  if (n) return 4 * Number(n[1]);
  return size === "metal" ? 64 : 2;
}

export interface MailhostPlan {
  /** organisation.name: what members see (webmail's login page, client set-up, letters). */
  readonly orgName: string;
  /** mailbox_host.webmail: what the login page shows besides the organisation's name. */
  readonly webmail?: { readonly logo?: string };
  readonly hostname: string;
  /** The org domain whose hosted zone holds the host's records. */
  readonly zoneDomain: string;
  readonly zoneId: string;
  readonly instanceType: string;
  /** The Debian image's architecture: arm64 for Graviton families (t4g, m7g, c7gn), else x86_64. */
  readonly arch: "arm64" | "x86_64";
  readonly volumeGb: number;
  readonly backupRetentionDays: number;
  readonly defaultQuotaMb: number;
  readonly region: string;
  /** Resource-name prefix of the host's resources: `<org>-mailhost`. */
  readonly name: string;
  readonly relayPort: number;
  readonly imapsPort: number;
  readonly managesievePort: number;
  readonly relayUser: string;
  readonly relaySecretName: string;
  /** S3 bucket (holds ACCOUNT_ID_PLACEHOLDER) and key of the versioned configuration object the host syncs. */
  readonly configBucket: string;
  readonly configKey: string;
  /** SSM path where `mailorg migrate` leaves one member's old account for the host to read (and delete). */
  readonly migrateParameterPath: string;
  /** SSM parameter holding the data volume's EBS id (written by the mailhost stack; the mount script reads it). */
  readonly dataVolumeParameter: string;
  /** SSM parameter holding the router's line "mailorg-router:{BLF-CRYPT}<hash>" (the smtp service's passdb). */
  readonly relayPasswdParameter: string;
  /** Largest message accepted, in bytes (organisation.max_message_size_mb). */
  readonly maxMessageBytes: number;
  /** Where Postfix sends its own notices and Dovecot's LMTP names itself: postmaster@<zone domain>. */
  readonly postmaster: string;
  /** CloudWatch log group of the host's mail log (logins, deliveries). */
  readonly logGroup: string;
  /** SES's SMTP endpoint in the region (the _submission._tcp SRV target: members send through SES). */
  readonly submissionHost: string;
  /** Receiving domains (Postfix's virtual mailbox domains). */
  readonly domains: readonly string[];
  /** Every address the router delivers a copy to, sorted. */
  readonly mailboxes: readonly HostedMailbox[];
  /** Departed members whose mail goes elsewhere: refused with the reason if ever relayed directly. */
  readonly refused: readonly RefusedAddress[];
  /** How mail clients reach the host: the one source of autoconfig, Autodiscover, Apple profiles and the SRV records. */
  readonly clients: ClientSettings;
  /**
   * The DNS records through which clients find the host, per receiving domain: RFC 6186 SRV (_imaps, _submission),
   * Thunderbird's autoconfig.<domain> and Outlook's autodiscover.<domain> (CNAMEs to the host) and
   * _autodiscover._tcp SRV. The mailhost stack writes those of domains with a hosted zone; `mailorg dns` prints all.
   */
  readonly clientRecords: readonly HostDnsRecord[];
  /**
   * The names the host's certificate covers (certbot's DNS challenge): the host name, and autoconfig.<domain> and
   * autodiscover.<domain> of each receiving domain with a hosted zone (the challenge needs the zone); with their zones.
   */
  readonly certificateNames: readonly { readonly name: string; readonly zoneId: string }[];
  /**
   * The welcome letter of every member who may log in (organisation.welcome rendered with their record), sorted
   * by address; the host's sync delivers each once, when the member first appears. Empty without organisation.welcome.
   */
  readonly welcome: readonly WelcomeLetter[];
  /** Members' submission ports: 587 (STARTTLS, shared with the router's relay) and 465 (implicit TLS). */
  readonly submissionPorts: readonly number[];
  /** The org's SES configuration set, which the host's relay names in every SendEmail call. */
  readonly configurationSet: string;
  /** The one sending decision's input (the plan's sending model), which the host's policy service and relay load. */
  readonly decision: SendDecisionInput;
  /** The org's auto-replies (members[].auto_reply) of mailboxes on the host, sorted by address. */
  readonly autoReplies: readonly PlannedAutoReply[];
}

export interface WelcomeLetter {
  readonly address: string;
  /** From: the host's postmaster. */
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

export interface ServerSetting {
  readonly host: string;
  readonly port: number;
  /** "SSL": TLS from the first byte; "STARTTLS": upgraded on the plain port. */
  readonly socket: "SSL" | "STARTTLS";
  /** The login name: "address" (the member's address, as on the host) or "smtp-credentials" (SES's SMTP user name, an access key id). */
  readonly username: "address" | "smtp-credentials";
}

export interface ClientSettings {
  readonly imap: ServerSetting;
  /** Where members send: the host's submission with their own account (587 STARTTLS; 465 implicit TLS is `submissions`). */
  readonly submission: ServerSetting;
  readonly submissions: ServerSetting;
  readonly managesieve: ServerSetting;
  /** The names clients ask for their set-up (CNAMEs to the host; the host's certificate covers them). */
  readonly autoconfigNames: readonly string[];
  readonly autodiscoverNames: readonly string[];
}

export interface HostDnsRecord extends DnsRecord {
  /** The receiving domain whose zone holds it, and that zone (undefined: the domain has no hosted zone). */
  readonly domain: string;
  readonly zoneId?: string;
  /** Construct id in the mailhost stack (a Terraform address: stable). */
  readonly id: string;
}

/** The client settings of a host: IMAPS, submission and ManageSieve on the host, with the member's address as login. */
export function clientSettings(hostname: string, domains: readonly string[]): ClientSettings {
  return {
    imap: { host: hostname, port: MAILHOST_IMAPS_PORT, socket: "SSL", username: "address" },
    submission: { host: hostname, port: MAILHOST_RELAY_PORT, socket: "STARTTLS", username: "address" },
    submissions: { host: hostname, port: MAILHOST_SUBMISSIONS_PORT, socket: "SSL", username: "address" },
    managesieve: { host: hostname, port: MAILHOST_MANAGESIEVE_PORT, socket: "STARTTLS", username: "address" },
    autoconfigNames: domains.map((d) => `autoconfig.${d}`),
    autodiscoverNames: domains.map((d) => `autodiscover.${d}`),
  };
}

/** The client records of each receiving domain (see MailhostPlan.clientRecords). */
export function clientRecords(hostname: string, c: ClientSettings, domains: readonly { name: string; zoneId?: string }[]): HostDnsRecord[] {
  return domains.flatMap(({ name: d, zoneId }) => {
    const rec = (id: string, name: string, type: "SRV" | "CNAME", value: string, purpose: string): HostDnsRecord => ({ id, domain: d, ...(zoneId ? { zoneId } : {}), name, type, ttl: 3600, values: [value], purpose, stack: "mailhost" });
    return [
      rec(`srv-imaps-${d}`, `_imaps._tcp.${d}`, "SRV", `0 1 ${c.imap.port} ${c.imap.host}`, "RFC 6186: IMAP over TLS at the mailbox host"),
      rec(`srv-submission-${d}`, `_submission._tcp.${d}`, "SRV", `0 1 ${c.submission.port} ${c.submission.host}`, "RFC 6186: where members send (STARTTLS)"),
      rec(`srv-submissions-${d}`, `_submissions._tcp.${d}`, "SRV", `0 1 ${c.submissions.port} ${c.submissions.host}`, "RFC 8314: where members send (implicit TLS)"),
      rec(`autoconfig-${d}`, `autoconfig.${d}`, "CNAME", hostname, "Thunderbird's automatic set-up (served by the mailbox host)"),
      rec(`autodiscover-${d}`, `autodiscover.${d}`, "CNAME", hostname, "Outlook's Autodiscover (served by the mailbox host)"),
      rec(`srv-autodiscover-${d}`, `_autodiscover._tcp.${d}`, "SRV", `0 0 443 ${hostname}`, "Outlook's Autodiscover, found by SRV"),
    ];
  });
}

/** organisation.welcome for every active member, rendered with the signatures' fields plus organisation and hostname. */
function welcomeLetters(org: Org, index: OrgIndex, hostname: string, from: string): WelcomeLetter[] {
  const w = org.organisation.welcome;
  if (!w) return [];
  return org.members
    .filter((m) => memberStatus(m) === "active")
    .map((m) => {
      const fields = { ...signatureFields(org, index, m), organisation: org.organisation.name, hostname };
      return { address: fields.address, from, subject: compile(w.subject, false)(fields).replace(/[\r\n]+/g, " "), text: compile(w.text, false)(fields), ...(w.html ? { html: compile(w.html, true)(fields) } : {}) };
    })
    .sort((a, b) => (a.address < b.address ? -1 : 1));
}

/** Graviton instance families end their name in g after the generation digit (t4g, m7g, c7gn, r8gd). */
export function instanceArch(instanceType: string): "arm64" | "x86_64" {
  const family = instanceType.split(".")[0] ?? "";
  return /^[a-z]+\d+g[a-z]*$/.test(family) ? "arm64" : "x86_64";
}

/**
 * One SSM parameter name segment per address, one-to-one: SSM names allow only [A-Za-z0-9_.-], so every
 * other character (and `_` itself) is written `_` + two hex digits: li.na@example.com -> li.na_40example.com.
 */
export function passwdParameterName(path: string, address: string): string {
  return path + canon(address).replace(/[^A-Za-z0-9.-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** The mailbox host's plan, or undefined when the org declares none. */
export function planMailhost(org: Org, table: { readonly receivingDomains: readonly string[]; readonly maxMessageBytes: number }, decision: () => SendDecisionInput, index: OrgIndex): MailhostPlan | undefined {
  const host = org.organisation.mailbox_host;
  if (!host) return undefined;
  const prefix = orgSlug(org);
  const region = org.organisation.region;
  const zone = mailboxHostZone(org.domains, host.hostname);
  const defaultQuotaMb = host.default_quota_mb ?? DEFAULT_QUOTA_MB;
  const mailboxes: HostedMailbox[] = [];
  const refused: RefusedAddress[] = [];
  const autoReplies: PlannedAutoReply[] = [];
  for (const m of org.members) {
    const status = memberStatus(m);
    const address = canon(m.address);
    if (status === "departed" && m.forward_to?.length) {
      refused.push({ address, reason: `departed; mail goes to ${[...new Set(m.forward_to.map(canon))].sort().join(", ")}` });
      continue;
    }
    mailboxes.push({ address, kind: "member", quotaMb: m.quota_mb ?? defaultQuotaMb, login: status === "active" });
    if (m.auto_reply) {
      const { subject, body, until } = m.auto_reply;
      const untilUtc = until === undefined ? undefined : endOfDayIso(until, org.organisation.timezone ?? "UTC");
      autoReplies.push({ address, addresses: [address, ...(m.aliases ?? []).map(canon)], subject, body, days: AUTO_REPLY_DAYS, ...(untilUtc ? { untilUtc } : {}) });
    }
  }
  for (const mb of org.mailboxes) mailboxes.push({ address: canon(mb.address), kind: "mailbox", quotaMb: defaultQuotaMb, login: false });
  const byAddress = <T extends { address: string }>(a: T, b: T): number => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);
  const instanceType = host.instance_type ?? DEFAULT_INSTANCE_TYPE;
  const hostname = canon(host.hostname);
  const submissionHost = `email-smtp.${region}.amazonaws.com`;
  const domains = [...table.receivingDomains];
  const clients = clientSettings(hostname, domains);
  const zones = new Map(org.domains.map((d) => [canon(d.name), d.hosted_zone_id]));
  return {
    orgName: org.organisation.name,
    ...(host.webmail?.logo ? { webmail: { logo: host.webmail.logo } } : {}),
    hostname,
    zoneDomain: zone ? canon(zone.name) : "",
    zoneId: zone?.hosted_zone_id ?? "",
    instanceType,
    arch: instanceArch(instanceType),
    volumeGb: host.volume_gb ?? DEFAULT_VOLUME_GB,
    backupRetentionDays: host.backup_retention_days ?? DEFAULT_BACKUP_RETENTION_DAYS,
    defaultQuotaMb,
    region,
    name: `${prefix}-mailhost`,
    relayPort: MAILHOST_RELAY_PORT,
    imapsPort: MAILHOST_IMAPS_PORT,
    managesievePort: MAILHOST_MANAGESIEVE_PORT,
    relayUser: MAILHOST_RELAY_USER,
    relaySecretName: relaySecretName(prefix),
    configBucket: `${prefix}-mailhost-${ACCOUNT_ID_PLACEHOLDER}-${region}`,
    configKey: "mailhost/config.json",
    relayPasswdParameter: `/${prefix}/mailhost/relay-passwd`,
    dataVolumeParameter: `/${prefix}/mailhost/data-volume`,
    migrateParameterPath: `/${prefix}/mailhost/migrate/`,
    maxMessageBytes: table.maxMessageBytes,
    postmaster: `postmaster@${zone ? canon(zone.name) : canon(host.hostname)}`,
    logGroup: `/mailorg/${prefix}/mailhost`,
    submissionHost,
    domains,
    mailboxes: mailboxes.sort(byAddress),
    refused: refused.sort(byAddress),
    autoReplies: autoReplies.sort(byAddress),
    welcome: welcomeLetters(org, index, hostname, `postmaster@${zone ? canon(zone.name) : hostname}`),
    clients,
    clientRecords: clientRecords(hostname, clients, domains.map((name) => ({ name, ...(zones.get(name) ? { zoneId: zones.get(name)! } : {}) }))),
    certificateNames: [
      { name: hostname, zoneId: zone?.hosted_zone_id ?? "" },
      ...domains.flatMap((d) => (zones.get(d) ? [`autoconfig.${d}`, `autodiscover.${d}`].map((name) => ({ name, zoneId: zones.get(d)! })) : [])),
    ],
    submissionPorts: [MAILHOST_RELAY_PORT, MAILHOST_SUBMISSIONS_PORT],
    configurationSet: prefix,
    decision: decision(),
  };
}
