/**
 * What a change is: plain data that every section comparer (review/diff/*.ts) produces and every rendering,
 * approvers and audit read. Keyed by stable identities, never by position.
 */
import { canon, type Org } from "../../model/org.ts";
import type { OrgIndex } from "../../model/org-index.ts";

export type ChangeKind = "create" | "delete" | "modify";

/** A value before or after a change: plain JSON. */
export type Value = string | number | boolean | null | readonly string[] | { readonly [key: string]: Value };

/** Sections in the order a reviewer reads them, spelled as a heading. */
export const SECTIONS = [
  "Members",
  "Credentials",
  "Aliases",
  "Departments",
  "Groups",
  "Group recipients",
  "Group senders",
  "Sending rights",
  "Mailboxes",
  "Delegations",
  "Blocked senders",
  "Internal only",
  "Sending",
  "IP ranges",
  "Inbound",
  "Delivery",
  "Backups",
  "Domains",
  "DNS",
  "Organisation",
  "Signatures",
] as const;
export type Section = (typeof SECTIONS)[number];

export interface Change {
  readonly section: Section;
  /** What changed: an address, a department id, a domain, a DNS record ("name TYPE"), a setting. */
  readonly subject: string;
  readonly kind: ChangeKind;
  /** The property of the subject that changed ("status", "recipients"); absent when the subject itself is created or removed. */
  readonly field?: string;
  /** null when the subject did not exist before. */
  readonly before: Value;
  /** null when the subject no longer exists. */
  readonly after: Value;
  readonly destructive: boolean;
  /** For a destructive change: what would be lost and how to proceed. */
  readonly reason?: string;
  /** For address lists (recipients, coverage): how each address gained or lost is reached, e.g. "through department sales". */
  readonly via?: Readonly<Record<string, string>>;
  /** Department ids whose admins own this change (both sides of a move). */
  readonly departments: readonly string[];
  /** Organisation-wide: organisation owners approve. */
  readonly orgWide: boolean;
  /**
   * Present when the change sends mail somewhere else (the relay, a member's forward, a departed member's
   * successor, the catch-all, a backup rule): whose mail, as addresses, or `*@domain` for every address of a
   * receiving domain. Such a change is listed first and always needs the organisation owners.
   */
  readonly reroutes?: readonly string[];
  /** Something a reviewer must weigh that is not destructive (a role address changing hands): shown beside the change. */
  readonly warning?: string;
}

export interface OrgSide {
  readonly org: Org;
  readonly index: OrgIndex;
}

export function setDiff(a: readonly string[], b: readonly string[]): { added: string[]; removed: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { added: b.filter((x) => !sa.has(x)), removed: a.filter((x) => !sb.has(x)) };
}

/** Every address a change is about: its subject, the addresses in its values (for a list, those gained or lost), and those in `via`. */
export function addressesOf(c: Change): Set<string> {
  const out = new Set<string>();
  const walk = (v: Value): void => {
    if (typeof v === "string") {
      for (const a of v.match(/[^\s,;()]+@[^\s,;()]+/g) ?? []) out.add(canon(a));
    } else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x as Value);
  };
  walk(c.subject);
  if (Array.isArray(c.before) && Array.isArray(c.after)) {
    // A list that changed is about what it gained and lost, not about every entry it kept.
    const d = setDiff(c.before as string[], c.after as string[]);
    walk([...d.added, ...d.removed]);
  } else {
    walk(c.before);
    walk(c.after);
  }
  for (const k of Object.keys(c.via ?? {})) out.add(k);
  return out;
}
