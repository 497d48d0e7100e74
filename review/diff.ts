/**
 * The semantic diff of two orgs, in the organisation's terms, keyed by stable identities (addresses
 * case-insensitively, department ids, domain names), so moving entries between files or reordering them
 * changes nothing. Each change is plain data: what (section, subject, field), how (kind, before, after),
 * which departments own it (for approvers) and whether it is destructive (for the guard). Markdown, text and
 * JSON are renderings of this list (review/render.ts); audit reads the same data.
 *
 * One comparer per section of the org, each in its own file under review/diff/ with the fields it names
 * (its FIELDS); diffOrgs only calls them, in the order a reviewer reads them.
 */
import { canon, type Org } from "../model/org.ts";
import { planOrg } from "../plan/plan.ts";
import type { Change, OrgSide, Value } from "./diff/change.ts";
import { diffContext, ORG_WIDE } from "./diff/context.ts";
import { diffAddresses } from "./diff/addresses.ts";
import * as backups from "./diff/backups.ts";
import { diffCredentials } from "./diff/credentials.ts";
import * as delivery from "./diff/delivery.ts";
import * as departments from "./diff/departments.ts";
import * as domains from "./diff/domains.ts";
import * as groups from "./diff/groups.ts";
import * as inbound from "./diff/inbound.ts";
import * as mailboxHost from "./diff/mailbox-host.ts";
import * as mailboxes from "./diff/mailboxes.ts";
import * as members from "./diff/members.ts";
import * as organisation from "./diff/organisation.ts";
import * as sending from "./diff/sending.ts";
import * as signatures from "./diff/signatures.ts";
import { stateLocation } from "./diff/organisation.ts";

export { addressesOf, SECTIONS, setDiff, type Change, type ChangeKind, type OrgSide, type Section, type Value } from "./diff/change.ts";
export { otherFields, recipientPaths } from "./diff/context.ts";
export { sendingRights } from "./diff/credentials.ts";
export { groupDepartments } from "./diff/groups.ts";
export { MAX_REMOVED_SHARE } from "./diff/members.ts";
export { stateLocation } from "./diff/organisation.ts";

/**
 * The fields each entity of the schema has a named comparison for (keyed by the schema's `$defs` name, plus
 * `file` for the top-level sections and `backup.match`), gathered from the section comparers. Any other field
 * is still compared, as raw JSON, by `otherFields`, so a field added to the schema is never silent;
 * test/review-completeness.test.ts fails until it is listed in its section's FIELDS with a comparison that
 * says what it does.
 */
export const DIFF_FIELDS = {
  file: ["organisation", "domains", "departments", "members", "groups", "mailboxes", "ip_ranges", "sending", "inbound", "backups", "signatures"],
  ...organisation.FIELDS,
  ...delivery.FIELDS,
  ...mailboxHost.FIELDS,
  ...domains.FIELDS,
  ...departments.FIELDS,
  ...members.FIELDS,
  ...groups.FIELDS,
  ...mailboxes.FIELDS,
  ...sending.FIELDS,
  ...inbound.FIELDS,
  ...backups.FIELDS,
  ...signatures.FIELDS,
} as const satisfies Record<string, readonly string[]>;

/**
 * Where the credentials comparer's changes belong when they are compared elsewhere (`deferCredentials`: on the
 * review's other thread, review/git.ts reviewChanges): a placeholder in the list, replaced by them.
 */
export const DEFERRED_CREDENTIALS: Change = Object.freeze({ section: "Credentials", subject: "(compared on the review's other thread)", kind: "modify", before: null, after: null, destructive: false, departments: [], orgWide: false });

/** Options of a comparison: the day, and whether the credentials are compared elsewhere (DEFERRED_CREDENTIALS). */
export interface DiffOptions {
  readonly today: string;
  readonly deferCredentials?: boolean;
}

/** The changes from `base` to `head`, section by section. */
export function diffOrgs(base: OrgSide, head: OrgSide, opts: DiffOptions): Change[] {
  const out: Change[] = [];
  const ctx = diffContext(base, head, opts, out);
  members.diffMembers(ctx);
  if (opts.deferCredentials) out.push(DEFERRED_CREDENTIALS);
  else diffCredentials(ctx, ctx.basePlan.sending, ctx.headPlan.sending);
  groups.diffGroups(ctx);
  mailboxes.diffMailboxes(ctx);
  departments.diffDepartments(ctx);
  domains.diffDomains(ctx);
  organisation.diffOrganisation(ctx);
  delivery.diffDelivery(ctx);
  mailboxHost.diffMailboxHost(ctx);
  sending.diffSending(ctx);
  inbound.diffInbound(ctx);
  diffAddresses(ctx);
  backups.diffBackups(ctx);
  // Top-level sections without a comparer of their own.
  ctx.rest("Organisation", "org", "", base.org, head.org, DIFF_FIELDS.file, ORG_WIDE);
  signatures.diffSignatures(ctx);
  return out;
}

/** What an organisation holds, by stable key: what a new organisation creates, or a removed one takes with it. */
export function orgContents(side: OrgSide, today: string): Value {
  const plan = planOrg(side.org, side.index, { today });
  const keys = <T>(xs: readonly T[], key: (x: T) => string): string[] => [...new Set(xs.map(key))].sort();
  return {
    id: plan.organisation.prefix,
    name: side.org.organisation.name,
    region: side.org.organisation.region,
    state: stateLocation(side.org.organisation.state),
    domains: keys(side.org.domains, (d) => canon(d.name)),
    departments: keys(side.org.departments, (d) => d.id),
    members: keys(side.org.members, (m) => canon(m.address)),
    groups: keys(side.org.groups, (g) => canon(g.address)),
    mailboxes: keys(side.org.mailboxes, (m) => canon(m.address)),
    backups: keys(side.org.backups, (b) => b.name),
    signatures: keys(side.org.signatures, (s) => s.id),
    relay: side.org.organisation.delivery?.relay?.host.toLowerCase() ?? null,
    mailbox_host: side.org.organisation.mailbox_host?.hostname.toLowerCase() ?? null,
  };
}

/**
 * The change between two sides of which either may have no org at all (a first commit, a removed org
 * directory). An org that appears, or that replaces one with another organisation id and none of its domains
 * (a fresh start from the example), is one change, "a new organisation", listing what it creates; an org that
 * disappears is one destructive change listing what it removes. Otherwise the two are the same organisation,
 * compared entry by entry (diffOrgs).
 */
export function diffSides(base: OrgSide | undefined, head: OrgSide | undefined, opts: DiffOptions): Change[] {
  if (!head && !base) return [];
  const orgWide = { departments: [] as string[], orgWide: true };
  if (base && !head) {
    const was = orgContents(base, opts.today) as Record<string, Value>;
    const n = (k: string, one: string, many = `${one}s`) => `${(was[k] as string[]).length} ${(was[k] as string[]).length === 1 ? one : many}`;
    return [{
      section: "Organisation",
      subject: String(was.id),
      kind: "delete",
      before: was,
      after: null,
      ...orgWide,
      destructive: true,
      reason: `the org directory is removed: organisation ${was.id} and everything mailorg deploys for it would be destroyed (${n("domains", "domain")} (identities and DNS records), the credentials of ${n("members", "member")}, ${n("groups", "group")}, ${n("mailboxes", "mailbox", "mailboxes")}, the receipt rules and the router); restore the org directory, or pass --allow-destructive to retire the organisation`,
    }];
  }
  const now = orgContents(head!, opts.today) as Record<string, Value>;
  if (base) {
    const was = orgContents(base, opts.today) as Record<string, Value>;
    // The same organisation keeps its id, or at least one of its domains (a rename, refused by diffOrgs when it
    // renames resources). Another organisation shares neither (a fresh start replacing the example): it is new,
    // and its stacks would only take over the old one's resources if they shared its remote state.
    const sameDomain = (was.domains as string[]).some((d) => (now.domains as string[]).includes(d));
    if (was.id === now.id || sameDomain) return diffOrgs(base, head!, opts);
    const shared = base.org.organisation.state !== undefined && was.state === now.state;
    return [{
      section: "Organisation",
      subject: String(now.id),
      kind: "create",
      before: was,
      after: now,
      ...orgWide,
      destructive: shared,
      ...(shared ? { reason: `organisation ${now.id} replaces ${was.id} in the same Terraform state (${now.state}): the next apply would destroy what ${was.id} deployed and create ${now.id} anew (give the new organisation its own state.key_prefix, or keep organisation.id: ${was.id} to change the existing one)` } : {}),
    }];
  }
  return [{ section: "Organisation", subject: String(now.id), kind: "create", before: null, after: now, ...orgWide, destructive: false }];
}

/** An org with nothing in it, as the base of a repository's first commit. */
export function emptyOrg(like: Org): Org {
  return { organisation: like.organisation, domains: [], departments: [], members: [], groups: [], mailboxes: [], ip_ranges: {}, sending: {}, inbound: {}, backups: [], signatures: [] };
}
