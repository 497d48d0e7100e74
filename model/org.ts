/**
 * The merged, schema-valid organisation: every file's sections combined, defaults applied.
 * Shapes come from model/org.generated.ts (generated from schemas/org.schema.json).
 */
import type {
  Backup,
  Department,
  Domain,
  Group,
  Inbound,
  IpRanges,
  Mailbox,
  Member,
  Organisation,
  Sending,
  Signature,
} from "./org.generated.ts";

export type * from "./org.generated.ts";

export interface Org {
  readonly organisation: Organisation;
  readonly domains: Domain[];
  readonly departments: Department[];
  readonly members: Member[];
  readonly groups: Group[];
  readonly mailboxes: Mailbox[];
  readonly ip_ranges: IpRanges;
  readonly sending: Sending;
  readonly inbound: Inbound;
  readonly backups: Backup[];
  readonly signatures: Signature[];
}

/** Sections that are lists and concatenate across files. */
export const LIST_SECTIONS = [
  "domains",
  "departments",
  "members",
  "groups",
  "mailboxes",
  "backups",
  "signatures",
] as const;
export type ListSection = (typeof LIST_SECTIONS)[number];

/** Sections that are single mappings and may appear in one file only. */
export const SINGLE_SECTIONS = ["organisation", "sending", "inbound"] as const;
export type SingleSection = (typeof SINGLE_SECTIONS)[number];

/** Canonical (lowercase) form of an address or domain; all lookups use it. */
export function canon(address: string): string {
  return address.toLowerCase();
}

/** The domain part of an address, lowercased. */
export function domainOf(address: string): string {
  return canon(address.slice(address.lastIndexOf("@") + 1));
}

/** A member's departments, the organisation's default department when they name none. */
export function memberDepartments(org: Org, member: Member): string[] {
  return member.departments && member.departments.length > 0
    ? member.departments
    : [org.organisation.default_department];
}

export type MemberStatus = "active" | "disabled" | "departed";
export function memberStatus(member: Member): MemberStatus {
  return member.status ?? "active";
}

/** A file-safe, Terraform-safe slug of a name: lowercase, runs of other characters as '-'. */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "x"
  );
}

/**
 * Who may send to a group, in one place: `anyone`, `organisation` (the default: any org address), or the
 * references whose members may (`members` stands for the group's own members).
 */
export function groupSenders(g: Group): { readonly mode: "anyone" } | { readonly mode: "organisation" } | { readonly mode: "list"; readonly refs: readonly string[] } {
  if (g.senders === "anyone") return { mode: "anyone" };
  if (g.senders === "organisation" || g.senders === undefined) return { mode: "organisation" };
  return { mode: "list", refs: g.senders === "members" ? g.members : g.senders };
}
