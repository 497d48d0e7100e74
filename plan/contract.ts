/**
 * The contract between the plan and the runtime: what the router Lambda ships with (the routing table,
 * the store's key prefixes) and how it reads them. runtime/ imports only this file, so what synthesis
 * computes and what the Lambda expects cannot drift apart.
 */
export { cidrContains, parseCidr, type Cidr } from "../model/ip.ts";

/** Who may send to a group. `list`: the From addresses (members' addresses and aliases, mailboxes) allowed. */
export type GroupSenders = { readonly mode: "anyone" } | { readonly mode: "organisation" } | { readonly mode: "list"; readonly allowed: readonly string[] };

export type RouteEntry =
  | { readonly kind: "member"; readonly deliver: readonly string[] }
  | { readonly kind: "alias"; readonly deliver: readonly string[] }
  | { readonly kind: "mailbox"; readonly deliver: readonly string[] }
  | { readonly kind: "departed"; readonly deliver: readonly string[] }
  | {
      readonly kind: "group";
      readonly deliver: readonly string[];
      readonly senders: GroupSenders;
      /**
       * Recipients that the group reaches only through other groups that limit their senders (nested at any
       * depth): for each, the sets of such groups on each way it is reached. A copy goes to the recipient when
       * every group of one set admits the sender, so a restricted group's sender rules hold for mail that
       * reaches it through another group. Absent when no recipient is reached that way.
       */
      readonly gated?: Readonly<Record<string, readonly (readonly string[])[]>>;
    };

export interface BackupRoute {
  readonly name: string;
  /** The mailbox receiving the copies. */
  readonly to: string;
  /** Envelope recipients (any address form) whose mail is copied; empty: any. */
  readonly recipients: readonly string[];
  /** Sender patterns (domain or address); empty: any. */
  readonly senders: readonly string[];
}

/** A DMARC policy (p=), as published and as SES reports it for a failing message (receipt.dmarcPolicy). */
export type DmarcPolicy = "none" | "quarantine" | "reject";

/** A member's own forward to outside addresses (sent through SES from the member's address). */
export interface ForwardRoute {
  readonly to: readonly string[];
  /** Whether the mailbox server (relay) still receives the message. */
  readonly keepCopy: boolean;
}

/** The mailbox server receiving every delivered copy over SMTP (STARTTLS required, certificate verified). */
export interface RelayRoute {
  readonly host: string;
  readonly port: number;
  /** Secrets Manager secret name holding {"username","password"}; null: no AUTH. */
  readonly authSecret: string | null;
}

export interface RoutingTable {
  readonly version: 1;
  /** Receiving domains (canonical). */
  readonly receivingDomains: readonly string[];
  /** All org domains (for "is this sender one of ours"). */
  readonly orgDomains: readonly string[];
  /**
   * Org domain -> what the router does with mail claiming it that fails DMARC: the policy the org publishes,
   * raised to at least quarantine (a forged org sender never reaches an inbox, even under p=none).
   */
  readonly ownDmarc: Readonly<Record<string, DmarcPolicy>>;
  readonly catchAll: string | null;
  readonly maxMessageBytes: number;
  /** Canonical address -> route. */
  readonly entries: Readonly<Record<string, RouteEntry>>;
  /** Mailbox address -> sender patterns that mailbox's owner refuses. */
  readonly personalBlocks: Readonly<Record<string, readonly string[]>>;
  readonly blockedSenders: readonly string[];
  readonly allowedSenders: readonly string[];
  readonly blockedIps: readonly string[];
  readonly allowedIps: readonly string[];
  readonly backups: readonly BackupRoute[];
  /** Member address -> their own forward. */
  readonly forwards: Readonly<Record<string, ForwardRoute>>;
  /** null: copies are only stored in S3 (the archive). */
  readonly relay: RelayRoute | null;
}

/**
 * How long a delivery claim (one target of one copy) holds before another invocation may take it over: longer
 * than the router's timeout (60 s), so a live holder is never overtaken; a dead one is, by a later retry.
 */
export const CLAIM_LEASE_MS = 90_000;

/** Key prefixes in the mail store. */
export const STORE_PREFIX = {
  /** Raw messages as SES stored them. */
  incoming: "incoming/",
  /** One copy per delivered mailbox: mailboxes/<address>/<messageId>. */
  mailboxes: "mailboxes/",
  /** Spam and virus verdicts: quarantine/<messageId>; DMARC quarantine (the member's Junk): quarantine/<address>/<messageId>. */
  quarantine: "quarantine/",
  /** Delivery markers: delivery/<messageId>/<address>/<target>.claim|.done, and delivery/forward-mark-key. */
  delivery: "delivery/",
  /** Rendered signatures: signatures/<address>.html and .txt. */
  signatures: "signatures/",
} as const;
