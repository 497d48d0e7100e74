/**
 * The MailPlan: every decision about what the org becomes in AWS, computed once from a valid Org, as plain
 * serialisable data. Constructs render it into Terraform, plan rules check it against AWS quotas, the
 * review and the simulators read it. Nothing here imports a framework.
 *
 * Values that only an AWS account can tell (its id) are written as ACCOUNT_ID_PLACEHOLDER; each stack
 * replaces it with its own `aws_caller_identity` lookup, so no stack reads another's state.
 */
import { canon, type Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import type { RoutingTable } from "./contract.ts";
import { domainRecords, type DnsRecord } from "./dns.ts";
import { planAddressBook, type AddressBookEntry } from "./address-book.ts";
import { planMailhost, type MailhostPlan } from "./mailhost.ts";
import { orgSlug, sesName } from "./naming.ts";
import { buildRoutingTable, receiptRuleSpecs } from "./routing.ts";
import { ACCOUNT_ID_PLACEHOLDER, buildSendingModel, type MemberCredentials, type SendingModel, type SharedGroup } from "./sending.ts";
import { sendDecisionInput } from "./send-decision.ts";
import { renderAllSignatures, type RenderedSignature } from "./signatures.ts";
import { sendingShard, sendingShards, stackOrder } from "./stacks.ts";

export { ACCOUNT_ID_PLACEHOLDER };

/** A plan value with the account placeholder replaced: by a stack's own lookup, or a simulator's sample id. */
export function withAccount(text: string, accountId: string): string {
  return text.replaceAll(ACCOUNT_ID_PLACEHOLDER, accountId);
}

/** Where every stack keeps its Terraform state (organisation.state with defaults applied). */
export interface StatePlan {
  readonly bucket: string;
  readonly region: string;
  readonly key_prefix: string;
  readonly role_arn?: string;
  readonly kms_key_id?: string;
}

export interface DomainPlan {
  /** Canonical domain name. */
  readonly name: string;
  /** `<mail_from>.<domain>`. */
  readonly mailFrom: string;
  /** Route53 zone; absent: the records are an output for another DNS host. */
  readonly zoneId?: string;
  /** Every mail record, DKIM names and values with DKIM_PLACEHOLDERS (the identity's tokens at apply). */
  readonly records: readonly DnsRecord[];
}

export interface ReceiptFilterPlan {
  /** Construct id: stable, one-to-one with the CIDR. */
  readonly key: string;
  readonly name: string;
  readonly cidr: string;
  readonly policy: "Block" | "Allow";
}

export interface ReceiptRulePlan {
  /** Construct id: `rcpt-<domain>-NN` or `catch-all-<domain>`; past SES's limits `domain-<domain>`. */
  readonly key: string;
  readonly name: string;
  readonly recipients: readonly string[];
  /** A domain-wide rule for the catch-all (recipients: the domain); a `domain-` rule when catch_all is set. */
  readonly catchAll: boolean;
}

export interface InboundPlan {
  readonly ruleSetName: string;
  readonly routerName: string;
  /** The mail store bucket (holds ACCOUNT_ID_PLACEHOLDER). */
  readonly bucketName: string;
  /** The receipt rules SES acts for when it writes and invokes (holds ACCOUNT_ID_PLACEHOLDER). */
  readonly receiptRuleArnPattern: string;
  readonly retentionDays: number;
  readonly table: RoutingTable;
  readonly filters: readonly ReceiptFilterPlan[];
  /** In order: recipient rules, then one catch-all rule per receiving domain when catch_all is set; or one rule per receiving domain (unknownRecipients "router"). */
  readonly rules: readonly ReceiptRulePlan[];
  /**
   * Who refuses mail to an address the org does not have: "ses" at SMTP time (receipt rules list every
   * deliverable address: at most 200 rules of 100), or "router" past that (one rule per receiving domain; the
   * router bounces through SES SendBounce, only when SPF or DMARC passed). Decided from the deliverable
   * addresses (plan/routing.ts); `mailorg diff` shows a switch.
   */
  readonly unknownRecipients: "ses" | "router";
}

export interface SignatureTemplatePlan {
  readonly id: string;
  /** SES template name. */
  readonly name: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface MailPlan {
  readonly organisation: { readonly name: string; readonly prefix: string; readonly region: string };
  /** YYYY-MM-DD the plan is for (delegation end dates). */
  readonly today: string;
  readonly state?: StatePlan;
  /** Every stack, in apply order. */
  readonly stacks: readonly string[];
  readonly configurationSet: string;
  readonly domains: readonly DomainPlan[];
  readonly inbound: InboundPlan;
  readonly sending: {
    /**
     * Where members' sending credentials live: "iam" (no mailbox host: an IAM user, access key and SES SMTP
     * password per member, rendered into the sending stacks) or "mailbox-host" (one account per member on the
     * host, whose password the member sets there: nothing about it goes through Terraform, and the IAM
     * documents below are only the decision that can-send and the host's enforcement evaluate).
     */
    readonly credentials: "iam" | "mailbox-host";
    readonly groups: readonly SharedGroup[];
    /** Every member who may send (not departed), by address: the decision model, whatever `credentials` says. */
    readonly members: readonly MemberCredentials[];
    /**
     * Every shard (also the empty ones), in order, with the members whose IAM credentials it writes; with a
     * mailbox host every shard is empty (the stacks are still written, so the stack set stays stable).
     */
    readonly shards: readonly { readonly name: string; readonly members: readonly MemberCredentials[] }[];
  };
  readonly signatures: {
    readonly templates: readonly SignatureTemplatePlan[];
    readonly rendered: readonly RenderedSignature[];
  };
  /** The mailbox host (organisation.mailbox_host); absent when the org declares none. */
  readonly mailhost?: MailhostPlan;
  /** The company address book (plan/address-book.ts). */
  readonly addressBook: readonly AddressBookEntry[];
}

/** A CIDR as a name part, one-to-one: "." -> "_", ":" -> "x" (not a hex digit), "/" -> "-". */
const cidrKey = (cidr: string): string => cidr.toLowerCase().replace(/\./g, "_").replace(/:/g, "x").replace(/\//g, "-");

const byName = <T>(key: (x: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

const plans = new WeakMap<Org, MailPlan>();

/** The plan of a valid org; computed once per Org object and day (validation and synthesis share it). */
export function planOrg(org: Org, index: OrgIndex, opts: { today: string }): MailPlan {
  const cached = plans.get(org);
  if (cached && cached.today === opts.today) return cached;
  const plan = computePlan(org, index, opts.today);
  plans.set(org, plan);
  return plan;
}

/**
 * A plan field computed on its first read and then kept: the members' rendered signatures take a second at
 * 50,000 members, which synthesis needs and a review (diff, approvers) never reads. Enumerable, so the plan's
 * JSON (its fingerprint) and copies of it hold the value as if it were plain data.
 */
function withLazy<O extends object, K extends string, T>(target: O, key: K, compute: () => T): O & Record<K, T> {
  let value: { v: T } | undefined;
  return Object.defineProperty(target as O & Record<K, T>, key, { enumerable: true, get: () => (value ??= { v: compute() }).v });
}

/** Every member's and shared group's sending policies (plan.sending's groups and members), for a day. */
export function sendingModel(org: Org, index: OrgIndex, today: string): SendingModel {
  return buildSendingModel(org, index, today, { region: org.organisation.region, accountId: ACCOUNT_ID_PLACEHOLDER }, orgSlug(org));
}

function computePlan(org: Org, index: OrgIndex, today: string): MailPlan {
  const prefix = orgSlug(org);
  const region = org.organisation.region;
  const ruleSetName = `${prefix}-inbound`;
  const bucketName = `${prefix}-mail-${ACCOUNT_ID_PLACEHOLDER}-${region}`;
  const table = buildRoutingTable(org, index);
  // The sending model (every member's policies) is built on first read: `diff` reads it on the review's other
  // thread (review/rules-worker.ts), so the main thread's plans never build it.
  let model: SendingModel | undefined;
  const sending = (): SendingModel => (model ??= sendingModel(org, index, today));
  let sendingPlan: MailPlan["sending"] | undefined;
  const state = org.organisation.state;
  // Whether there is a host is read from the org; what the host holds is planned on first read (see below).
  const hosted = org.organisation.mailbox_host !== undefined;
  const plan: Omit<MailPlan, "mailhost" | "addressBook"> = {
    organisation: { name: org.organisation.name, prefix, region },
    today,
    ...(state ? { state: { ...state, key_prefix: state.key_prefix ?? "mailorg" } } : {}),
    stacks: stackOrder(),
    configurationSet: prefix,
    domains: [...org.domains].sort(byName((d) => canon(d.name))).map((d) => ({
      name: canon(d.name),
      mailFrom: `${d.mail_from ?? "mail"}.${canon(d.name)}`,
      ...(d.hosted_zone_id ? { zoneId: d.hosted_zone_id } : {}),
      records: domainRecords(org, d),
    })),
    inbound: {
      ruleSetName,
      routerName: `${prefix}-mail-router`,
      bucketName,
      receiptRuleArnPattern: `arn:aws:ses:${region}:${ACCOUNT_ID_PLACEHOLDER}:receipt-rule-set/${ruleSetName}:receipt-rule/*`,
      retentionDays: org.organisation.retention_days ?? 365,
      table,
      filters: [
        ...table.blockedIps.map((cidr) => ({ key: `block-${cidrKey(cidr)}`, cidr, policy: "Block" as const })),
        ...table.allowedIps.map((cidr) => ({ key: `allow-${cidrKey(cidr)}`, cidr, policy: "Allow" as const })),
      ].map((f) => ({ ...f, name: sesName(prefix, f.key) })),
      rules: receiptRuleSpecs(table).map((r) => ({ ...r, name: sesName(prefix, r.key) })),
      unknownRecipients: table.unknownRecipients ?? "ses",
    },
    get sending(): MailPlan["sending"] {
      if (!sendingPlan) {
        const { groups, members } = sending();
        const shards = new Map<string, MemberCredentials[]>(sendingShards().map((s) => [s, []]));
        if (!hosted) for (const m of members) shards.get(sendingShard(m.address))!.push(m);
        sendingPlan = { credentials: hosted ? "mailbox-host" : "iam", groups, members, shards: [...shards].map(([name, members]) => ({ name, members })) };
      }
      return sendingPlan;
    },
    signatures: withLazy(
      {
        templates: [...org.signatures].sort(byName((t) => t.id)).map((t) => ({
          id: t.id,
          name: `${prefix}-signature-${t.id}`,
          subject: "{{subject}}",
          html: `{{{body}}}\n${t.html}`,
          text: `{{body}}\n\n-- \n${t.text}`,
        })),
      },
      "rendered",
      () => renderAllSignatures(org, index),
    ),
  };
  // The host's files and the address book: a second and a half at 50,000 members that synthesis, the host and
  // the address book read, and a review (diff, approvers) never does; planned on first read, in this key order.
  const withHost = hosted ? withLazy(plan, "mailhost", () => planMailhost(org, table, () => sendDecisionInput({ sending: sending() }, org), index)!) : plan;
  return withLazy(withHost, "addressBook", () => planAddressBook(org, index));
}
