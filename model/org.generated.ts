/* Generated from schemas/org.schema.json by `npm run gen:types`. Do not edit by hand. */

/**
 * The department of members who name none.
 */
export type DepartmentId = string;
/**
 * Address of an active member or a mailbox that receives mail sent to unknown addresses in any receiving domain. Absent: such mail is rejected at SMTP time.
 */
export type Address = string;
/**
 * A code-host owner as CODEOWNERS writes it: @user or @org/team.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "owner".
 */
export type Owner = string;
/**
 * An email address such as lin.wei@example.com: a dot-atom local part (RFC 5321: letters, digits and _%+'-, dots only between them, at most 64 characters; the apostrophe of o'brien included) and a domain; compared case-insensitively, local part included.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "address".
 */
export type Address1 = string;
/**
 * A reference: the address of a member, group or mailbox, or department:<id> (that department and all its sub-departments).
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "ref".
 */
export type Ref = string;
/**
 * The domain name, e.g. example.com.
 */
export type DomainName = string;
/**
 * Stable department id, used in references (department:<id>) and resource names.
 */
export type DepartmentId1 = string;
/**
 * Id of the parent department; absent for a top department.
 */
export type DepartmentId2 = string;
/**
 * An email address such as lin.wei@example.com: a dot-atom local part (RFC 5321: letters, digits and _%+'-, dots only between them, at most 64 characters; the apostrophe of o'brien included) and a domain; compared case-insensitively, local part included.
 */
export type Address2 = string;
/**
 * A department id: lowercase letters, digits, '-' and '_', starting with a letter or digit (e.g. sales-east).
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "departmentId".
 */
export type DepartmentId3 = string;
/**
 * A sender: a whole domain (example.net) or one address (spam@example.net).
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "senderPattern".
 */
export type SenderPattern = string;
/**
 * The last day the reply is sent (inclusive, in organisation.timezone); the host stops answering when that day ends, even before the next sync. Absent: until it is removed from the org.
 */
export type IsoDate = string;
/**
 * An email address such as lin.wei@example.com: a dot-atom local part (RFC 5321: letters, digits and _%+'-, dots only between them, at most 64 characters; the apostrophe of o'brien included) and a domain; compared case-insensitively, local part included.
 */
export type Address3 = string;
/**
 * Who may send to a group: anyone, organisation (any member, default), members (the group's own recipients), or a list of references.
 */
export type Senders = ("anyone" | "organisation" | "members") | [Ref, ...Ref[]];
/**
 * An email address such as lin.wei@example.com: a dot-atom local part (RFC 5321: letters, digits and _%+'-, dots only between them, at most 64 characters; the apostrophe of o'brien included) and a domain; compared case-insensitively, local part included.
 */
export type Address4 = string;
/**
 * A department id: lowercase letters, digits, '-' and '_', starting with a letter or digit (e.g. sales-east).
 */
export type DepartmentId4 = string;
/**
 * An email address such as lin.wei@example.com: a dot-atom local part (RFC 5321: letters, digits and _%+'-, dots only between them, at most 64 characters; the apostrophe of o'brien included) and a domain; compared case-insensitively, local part included.
 */
export type Address5 = string;
/**
 * Last day of the delegation (YYYY-MM-DD); absent: no end.
 */
export type IsoDate1 = string;
/**
 * A sender domain (example.net), a sender address (spam@example.net), or a sending IP as an IPv4/IPv6 address or CIDR (203.0.113.0/24).
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "inboundPattern".
 */
export type InboundPattern = string;
/**
 * An email address such as lin.wei@example.com: a dot-atom local part (RFC 5321: letters, digits and _%+'-, dots only between them, at most 64 characters; the apostrophe of o'brien included) and a domain; compared case-insensitively, local part included.
 */
export type Address6 = string;
/**
 * A DNS domain name such as example.com.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "domainName".
 */
export type DomainName1 = string;
/**
 * A calendar date, YYYY-MM-DD.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "date".
 */
export type IsoDate2 = string;
/**
 * Who may send to a group: anyone, organisation (any member, default), members (the group's own recipients), or a list of references.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "senders".
 */
export type Senders1 = ("anyone" | "organisation" | "members") | [Ref, ...Ref[]];

/**
 * One file of a mailorg organisation (format v1). An org directory holds any number of these; list sections concatenate across files, `organisation` appears exactly once in the whole directory.
 */
export interface OrgFile {
  organisation?: Organisation;
  /**
   * Mail domains of the organisation: each gets an SES identity with DKIM and MAIL FROM, and its mail DNS records.
   */
  domains?: Domain[];
  /**
   * Departments: one tree (or forest) at most 10 levels deep.
   */
  departments?: Department[];
  /**
   * People with a personal mailbox.
   */
  members?: Member[];
  /**
   * Mail groups: one address standing for many members, departments and other groups.
   */
  groups?: Group[];
  /**
   * Shared and department mailboxes (hr@, support@, yw@) used by delegates.
   */
  mailboxes?: Mailbox[];
  ip_ranges?: IpRanges;
  sending?: Sending;
  inbound?: Inbound;
  /**
   * Backup rules: matching mail is copied to a backup mailbox from the moment the rule takes effect.
   */
  backups?: Backup[];
  /**
   * Enterprise signature templates (Handlebars: {{name}} {{title}} {{department}} {{phone}} {{address}}, {{#if field}} hides empty fields).
   */
  signatures?: Signature[];
}
/**
 * Organisation-wide settings; appears exactly once in the org directory.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "organisation".
 */
export interface Organisation {
  /**
   * The organisation's name: the Organisation tag on every resource (letters, digits, spaces and _.:/=+-@, at most 256 characters) and, unless id is set, the source of the resource-name prefix (lowercased, non-alphanumerics as '-'; a name with non-ASCII letters gets a hash of the name appended).
   */
  name: string;
  /**
   * Stable prefix of every AWS resource name (IAM groups, the mail store bucket, receipt rules): lowercase letters, digits and '-', 2 to 24 characters, starting with a letter. Set it to keep names when the organisation is renamed; absent: derived from name.
   */
  id?: string;
  /**
   * IANA time zone in which dates (delegation until) are read, e.g. Asia/Shanghai. Default UTC.
   */
  timezone?: string;
  /**
   * The AWS region where SES sends and receives the organisation's mail (one of the regions where SES supports email receiving, e.g. eu-west-1).
   */
  region: string;
  default_department: DepartmentId;
  catch_all?: Address;
  /**
   * Days after which stored mail objects expire from the mail store. Default 365.
   */
  retention_days?: number;
  /**
   * Largest inbound message delivered, in MB (1 to 40; SES accepts up to 40). Default 40.
   */
  max_message_size_mb?: number;
  /**
   * Code-host owners who approve organisation-wide changes (organisation, domains, sending, inbound, ip_ranges, backups, signatures).
   */
  owners?: Owner[];
  state?: State;
  delivery?: Delivery;
  mailbox_host?: MailboxHost;
  address_book?: AddressBook;
  welcome?: Welcome;
}
/**
 * Remote Terraform state for every stack (S3 with native locking). Absent: local state files under <out>/state/, for trying things out only.
 */
export interface State {
  /**
   * Name of the S3 bucket holding the state (3 to 63 lowercase letters, digits, dots and hyphens).
   */
  bucket: string;
  /**
   * AWS region of the state bucket.
   */
  region: string;
  /**
   * Prefix of the state objects: a stack's state is <key_prefix>/<stack>.tfstate. Default mailorg.
   */
  key_prefix?: string;
  /**
   * IAM role Terraform assumes to read and write the state (default: the caller's own credentials).
   */
  role_arn?: string;
  /**
   * ARN of a KMS key that encrypts the state objects (default: the bucket's own encryption).
   */
  kms_key_id?: string;
}
/**
 * Where delivered mail goes besides the mail store (the archive, always kept). Absent: mail is only stored in S3.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "delivery".
 */
export interface Delivery {
  relay?: Relay;
  /**
   * Dual delivery while mail moves from the old provider: a second copy of each listed member's mail, relayed over SMTP (587, STARTTLS required) to the old provider, beside the mailbox host or relay. It ends when a reviewed change removes it. Lambda cannot open port 25: Google Workspace's SMTP relay service (smtp-relay.gmail.com, 587, with an app password in auth_secret) is reachable; Microsoft 365 and Exmail accept only port 25 or implicit TLS (docs/adopting.md).
   */
  also?: {
    /**
     * Host name of the old provider's SMTP relay (its certificate must be valid for it), e.g. smtp-relay.gmail.com.
     */
    host: string;
    /**
     * SMTP port. Default 587 (25 is refused: Lambda cannot open it).
     */
    port?: number;
    /**
     * STARTTLS with a verified certificate; the only allowed value is required.
     */
    tls: "required";
    /**
     * Name of an AWS Secrets Manager secret holding {"username", "password"} for SMTP AUTH (for Google: a Workspace user and its app password). Credentials never appear in YAML.
     */
    auth_secret?: string;
    /**
     * The members whose mail is also delivered to the old provider (their addresses); usually everyone still reading mail there.
     *
     * @minItems 1
     */
    members: [Address1, ...Address1[]];
  };
}
/**
 * The company's mailbox server (Exchange, a Microsoft 365 inbound connector, Dovecot or Postfix) that receives every delivered copy over SMTP.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "relay".
 */
export interface Relay {
  /**
   * Host name of the mailbox server's SMTP endpoint (its certificate must be valid for this name), e.g. example-com.mail.protection.outlook.com.
   */
  host: string;
  /**
   * SMTP port. Default 25.
   */
  port?: number;
  /**
   * STARTTLS with a verified certificate; the only allowed value is required (plain-text relay is refused).
   */
  tls: "required";
  /**
   * Name of an AWS Secrets Manager secret holding {"username", "password"} for SMTP AUTH; absent: no AUTH (the server trusts the connection, e.g. a Microsoft 365 connector by certificate or IP). Credentials never appear in YAML.
   */
  auth_secret?: string;
}
/**
 * The organisation's own mailbox host, provisioned by mailorg (the mailhost stack): Postfix receives the router's relay and Dovecot serves IMAPS on one EC2 instance (Debian 12) with a separate, backed-up data volume. When declared, it is the router's relay target (do not also set delivery.relay). See docs/mailhost.md.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "mailboxHost".
 */
export interface MailboxHost {
  /**
   * The host's name, e.g. mail.example.com: inside one of the org's domains that has a hosted_zone_id (its A record, the SRV records and the certificate's DNS challenge go into that zone).
   */
  hostname: string;
  /**
   * EC2 instance type, e.g. t4g.small (Graviton types, whose family ends in g, get the arm64 Debian image; others x86_64). Default t4g.small. docs/mailhost.md has a sizing table.
   */
  instance_type?: string;
  /**
   * Size of the encrypted EBS data volume holding the mail, in GB (8 to 16384). It can grow in place; shrinking it would replace the volume, which prevent_destroy refuses. Default 50.
   */
  volume_gb?: number;
  /**
   * Days AWS Backup keeps the daily snapshots of the data volume (1 to 36500). Default 35.
   */
  backup_retention_days?: number;
  /**
   * Mailbox capacity of a member or shared mailbox without its own quota_mb, in MB (1 to 1048576). Default 2048.
   */
  default_quota_mb?: number;
  webmail?: Webmail;
}
/**
 * Webmail (Roundcube) on the mailbox host at https://<hostname>/: its login page shows organisation.name, and the logo when given.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "webmail".
 */
export interface Webmail {
  /**
   * An https URL of the logo shown on the login page and above the folders (an SVG or PNG, about 180x50).
   */
  logo?: string;
}
/**
 * The company address book members see (mailorg address-book exports it): every active member, group and shared mailbox with name, address, department path, title and phone, except what hide lists. Departed and disabled members are never in it.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "addressBook".
 */
export interface AddressBook {
  /**
   * Kept out of the address book: members, groups or mailboxes by address, and department:<id> (its members and mailboxes, and those of its sub-departments).
   */
  hide?: Ref[];
}
/**
 * The welcome letter a member finds in their INBOX on the mailbox host when they first appear there (delivered once, never again on a later sync). Written in the signatures' template language (Handlebars: {{name}}, {{address}}, {{title}}, {{phone}}, {{department}}, {{organisation}}, {{hostname}}, {{#if}}); HTML is escaped. Needs organisation.mailbox_host.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "welcome".
 */
export interface Welcome {
  /**
   * The letter's subject (a template), one line.
   */
  subject: string;
  /**
   * The HTML part (a template): how to activate the account, set up a client, the org's rules.
   */
  html?: string;
  /**
   * The plain-text part (a template).
   */
  text: string;
}
/**
 * A mail domain of the organisation.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "domain".
 */
export interface Domain {
  name: DomainName;
  /**
   * Route53 hosted zone holding the domain. Absent: records are computed (mailorg dns, outputs) but not created.
   */
  hosted_zone_id?: string;
  /**
   * Whether the domain receives mail through SES (apex MX and receipt rules). Default true.
   */
  receive?: boolean;
  /**
   * Label of the custom MAIL FROM subdomain (<label>.<domain>). Default mail.
   */
  mail_from?: string;
  dmarc?: Dmarc;
  spf?: Spf;
  /**
   * Other values of the apex TXT record set that must be kept (site-verification strings and the like), published beside the SPF record in the one record set mailorg manages; `mailorg import dns` fills it from the existing zone. Printable ASCII without quotes or backslashes; an SPF record goes in spf instead.
   */
  txt?: string[];
  /**
   * Where TLS-RPT reports (RFC 8460) of failures delivering to this domain go, published at _smtp._tls.<domain>: mailto: or https: URIs. Absent: the dmarc.rua addresses as mailto: URIs. `mailorg import dns` copies the zone's.
   *
   * @minItems 1
   */
  tls_rpt?: [string, ...string[]];
  /**
   * HTTPS URL of the SVG Tiny PS logo published in the BIMI record (requires DMARC quarantine or reject at pct 100).
   */
  bimi_logo_url?: string;
}
/**
 * The domain's DMARC policy (published at _dmarc.<domain>, relaxed alignment).
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "dmarc".
 */
export interface Dmarc {
  /**
   * What receivers do with mail failing DMARC: none, quarantine or reject. Default quarantine.
   */
  policy?: "none" | "quarantine" | "reject";
  /**
   * Addresses that receive aggregate reports (published as mailto: URIs; also used for TLS-RPT).
   */
  rua?: Address1[];
  /**
   * Addresses that receive failure (forensic) reports (published as mailto: URIs). A report address on another org domain gets that domain's report-authorisation record (<domain>._report._dmarc.<other>), as for rua.
   */
  ruf?: Address1[];
  /**
   * What receivers do with failing mail from subdomains (the sp tag): none, quarantine or reject. Absent: as policy.
   */
  sp?: "none" | "quarantine" | "reject";
  /**
   * DKIM alignment (the adkim tag): r relaxed (an organisational-domain match) or s strict (the exact domain). Default r.
   */
  adkim?: "r" | "s";
  /**
   * SPF alignment (the aspf tag): r relaxed or s strict. Default r.
   */
  aspf?: "r" | "s";
  /**
   * When failure reports (ruf) are sent (the fo tag): colon-separated options 0 (all checks fail, the default), 1 (any check fails), d (DKIM fails), s (SPF fails), e.g. 1 or d:s.
   */
  fo?: string;
  /**
   * Percentage of failing mail the policy applies to, 0 to 100. Default 100.
   */
  pct?: number;
}
/**
 * Other senders of the domain, merged into its one apex SPF record beside SES (v=spf1 ip4:... ip6:... include:amazonses.com include:... ~all): the old provider while mail moves, a CRM, an office server. Receivers allow at most 10 DNS lookups per SPF record; validation warns past that.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "spf".
 */
export interface Spf {
  /**
   * Domains whose SPF records are included (include:<domain>), e.g. _spf.google.com or spf.protection.outlook.com; each costs at least one of the 10 lookups.
   */
  include?: string[];
  /**
   * IPv4 addresses or CIDRs allowed to send (ip4:<value>), e.g. 192.0.2.25 or 198.51.100.0/24.
   */
  ip4?: string[];
  /**
   * IPv6 addresses or CIDRs allowed to send (ip6:<value>), e.g. 2001:db8::/48.
   */
  ip6?: string[];
  /**
   * What receivers do with mail from anywhere else: softfail (~all, the default) or fail (-all).
   */
  all?: "softfail" | "fail";
}
/**
 * A department; departments form a tree via parent.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "department".
 */
export interface Department {
  id: DepartmentId1;
  /**
   * Display name, e.g. Sales East.
   */
  name: string;
  parent?: DepartmentId2;
  /**
   * Code-host owners who approve changes within this department (CODEOWNERS syntax).
   */
  admins?: Owner[];
}
/**
 * A person with a personal mailbox.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "member".
 */
export interface Member {
  address: Address2;
  /**
   * Full name, shown in signatures.
   */
  name: string;
  /**
   * Department ids; default: the organisation's default_department.
   */
  departments?: DepartmentId3[];
  /**
   * Job title, shown in signatures.
   */
  title?: string;
  /**
   * Phone number, shown in signatures.
   */
  phone?: string;
  /**
   * Further addresses delivering to this member (at most 5). Aliases may not be used in groups.
   */
  aliases?: Address1[];
  /**
   * active (default), disabled (no login, no sending; mail still delivered) or departed (left: no credentials; mail goes to forward_to; nothing is deleted).
   */
  status?: "active" | "disabled" | "departed";
  /**
   * Departed members only: addresses of active members or mailboxes that receive their mail.
   */
  forward_to?: Address1[];
  /**
   * May only send to addresses in the organisation's domains. Default false.
   */
  internal_only?: boolean;
  /**
   * Senders (domains or addresses) this member refuses mail from; the global allow list does not override it.
   */
  blocked_senders?: SenderPattern[];
  /**
   * Id of the signature template for this member (overrides applies_to).
   */
  signature?: string;
  forward?: Forward;
  /**
   * This member's mailbox capacity on the mailbox host, in MB (1 to 1048576); overrides organisation.mailbox_host.default_quota_mb. Only meaningful with a mailbox_host.
   */
  quota_mb?: number;
  auto_reply?: AutoReply;
}
/**
 * The member's own forward of inbound mail to outside addresses (the admin console's auto-forward), sent through SES with From rewritten to the member's address and the original sender in Reply-To.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "forward".
 */
export interface Forward {
  /**
   * Outside addresses (not in the organisation's domains) that receive the forwarded copies; at most 3.
   *
   * @minItems 1
   */
  to: [Address1, ...Address1[]];
  /**
   * Whether the member's mailbox server (delivery.relay) still receives the message. Default true. The mail store keeps its copy either way.
   */
  keep_copy?: boolean;
}
/**
 * An out-of-office reply the organisation sets for this member (for example a departed member's), sent by the mailbox host's Sieve vacation extension: once per sender within 7 days, never to mailing lists, bounces or automatic mail, from the member's own address. Needs organisation.mailbox_host with the member's mail on it (not a departed member with forward_to). Members set their own out-of-office in webmail or any ManageSieve client.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "autoReply".
 */
export interface AutoReply {
  /**
   * The reply's subject, e.g. "Li Na has left Example Trading": one line, at most 200 characters.
   */
  subject: string;
  /**
   * The reply's plain text (several lines allowed, at most 10,000 characters), e.g. whom to write to instead.
   */
  body: string;
  until?: IsoDate;
}
/**
 * A mail group.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "group".
 */
export interface Group {
  address: Address3;
  /**
   * Display name.
   */
  name: string;
  /**
   * What the group is for.
   */
  description?: string;
  /**
   * References: member addresses (not aliases), mailboxes, other groups, department:<id>.
   */
  members: Ref[];
  senders?: Senders;
}
/**
 * A shared or department mailbox.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "mailbox".
 */
export interface Mailbox {
  address: Address4;
  /**
   * Display name.
   */
  name: string;
  department?: DepartmentId4;
  /**
   * Members who use this mailbox.
   */
  delegates?: Delegate[];
}
/**
 * A member who may use a shared mailbox (read and send as it), optionally until a date.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "delegate".
 */
export interface Delegate {
  member: Address5;
  until?: IsoDate1;
}
/**
 * Named IP ranges (offices, VPN): a name maps to IPv4/IPv6 addresses or CIDRs.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "ipRanges".
 */
export interface IpRanges {
  /**
   * @minItems 1
   */
  [k: string]: [string, ...string[]];
}
/**
 * Outbound restrictions.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "sending".
 */
export interface Sending {
  /**
   * Names of ip_ranges from which members may send; absent: anywhere.
   */
  allowed_ip_ranges?: string[];
  /**
   * References exempt from allowed_ip_ranges.
   */
  exempt?: Ref[];
  /**
   * References restricted to mail within the organisation's domains.
   */
  internal_only?: Ref[];
}
/**
 * Organisation-wide inbound sender lists.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "inbound".
 */
export interface Inbound {
  /**
   * Refused senders: domains, addresses, or IPs/CIDRs (CIDRs become SES receipt filters).
   */
  blocked?: InboundPattern[];
  /**
   * Trusted senders: exempt from the global block list and spam verdicts, never from a member's own blocked_senders. A sender domain or address counts only when SES's DMARC verdict passes (the From header can be forged); an IP or CIDR matches the connecting server.
   */
  allowed?: InboundPattern[];
}
/**
 * A backup rule: matching inbound mail is also copied to a backup mailbox.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "backup".
 */
export interface Backup {
  /**
   * Stable name of the rule.
   */
  name: string;
  to: Address6;
  /**
   * What mail is copied; a message matches when it matches every list given.
   */
  match: {
    /**
     * References whose delivered mail is copied: mail delivered to them by address or alias, or through a group or department they are in; never mail refused for them.
     */
    recipients?: Ref[];
    /**
     * Sender domains or addresses whose mail is copied.
     */
    senders?: SenderPattern[];
  };
}
/**
 * An enterprise signature template.
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "signature".
 */
export interface Signature {
  /**
   * Stable template id (also the SES template name suffix).
   */
  id: string;
  /**
   * References whose members use this template by default.
   */
  applies_to?: Ref[];
  /**
   * HTML template (Handlebars; fields are HTML-escaped).
   */
  html: string;
  /**
   * Plain-text template (Handlebars).
   */
  text: string;
}
/**
 * Where Terraform keeps the state of every mailorg stack: one S3 bucket with S3-native locking (Terraform 1.10+, no DynamoDB table), encrypted. Create the bucket once with `mailorg bootstrap-state` (docs/deploying.md).
 *
 * This interface was referenced by `OrgFile`'s JSON-Schema
 * via the `definition` "state".
 */
export interface State1 {
  /**
   * Name of the S3 bucket holding the state (3 to 63 lowercase letters, digits, dots and hyphens).
   */
  bucket: string;
  /**
   * AWS region of the state bucket.
   */
  region: string;
  /**
   * Prefix of the state objects: a stack's state is <key_prefix>/<stack>.tfstate. Default mailorg.
   */
  key_prefix?: string;
  /**
   * IAM role Terraform assumes to read and write the state (default: the caller's own credentials).
   */
  role_arn?: string;
  /**
   * ARN of a KMS key that encrypts the state objects (default: the bucket's own encryption).
   */
  kms_key_id?: string;
}
