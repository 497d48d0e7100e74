/**
 * The sending policy: who may send as which addresses, to whom, from where. Computed once from the Org as
 * plain IAM policy documents; the SendingPolicy construct synthesises exactly these documents and
 * `mailorg can-send` evaluates exactly these documents (plan/iam-eval.ts).
 *
 * Per member with credentials (not departed): one IAM user named by the address, one access key
 * (Active/Inactive by status), one group membership, and an inline policy only when the member may send
 * as more than their own address (aliases, delegated mailboxes). Everything else is shared: IAM groups
 * with managed policies.
 */
import { canon, memberDepartments, memberStatus, slug, type Member, type Org, groupSenders } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { fnv1a, orgSlug } from "./naming.ts";
import { endOfDayIso } from "../model/timezone.ts";
import { parseCidr } from "../model/ip.ts";

/** An ip_ranges entry as a CIDR: a bare address gets its full-length prefix. */
function asCidr(entry: string): string {
  const c = parseCidr(entry);
  return c && !entry.includes("/") ? `${c.address}/${c.prefix}` : entry;
}

export interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: Statement[];
}

export interface SharedGroup {
  /** Stable IAM group name. */
  readonly name: string;
  /** Why the group exists, for reviewers. */
  readonly description: string;
  readonly policy: PolicyDocument;
}

export interface MemberCredentials {
  readonly address: string;
  readonly userName: string;
  readonly departments: string[];
  readonly status: "active" | "disabled";
  /** IAM groups the user belongs to (at most 10). */
  readonly groups: string[];
  /** Inline policy for extra From addresses, when any. */
  readonly inline?: PolicyDocument;
}

/** A dated delegation: who may send as which mailbox until which day (a denial names it once it has ended). */
export interface DatedDelegation {
  readonly member: string;
  readonly mailbox: string;
  /** The delegation's last day (YYYY-MM-DD, in organisation.timezone). */
  readonly until: string;
}

export interface SendingModel {
  readonly groups: SharedGroup[];
  readonly members: MemberCredentials[];
}

/**
 * Where the policies run. Synthesis passes ACCOUNT_ID_PLACEHOLDER, which each stack's construct replaces
 * with its own account lookup (so no stack reads another's); the simulator passes a sample account id.
 */
export interface AwsContext {
  readonly region: string;
  readonly accountId: string;
}

/** Stands for the account id in synthesized policies until a stack renders them (constructs/sending-policy.ts). */
export const ACCOUNT_ID_PLACEHOLDER = "<account-id>";

export const SEND_ACTIONS = ["ses:SendEmail", "ses:SendRawEmail"];
export const IAM_MAX_GROUPS_PER_USER = 10;
export const IAM_MAX_USERS = 5000;
export const IAM_MAX_MANAGED_POLICY_CHARS = 6144;
export const IAM_MAX_INLINE_USER_POLICY_CHARS = 2048;

function identityArns(org: Org, ctx: AwsContext, configurationSet: string): string[] {
  return [
    ...[...new Set(org.domains.map((d) => canon(d.name)))].sort().map((d) => `arn:aws:ses:${ctx.region}:${ctx.accountId}:identity/${d}`),
    `arn:aws:ses:${ctx.region}:${ctx.accountId}:configuration-set/${configurationSet}`,
  ];
}


/** Restricted groups: those whose senders are a list or `members`. */
function restrictedGroups(org: Org, index: OrgIndex): { address: string; allowed: Set<string> }[] {
  return org.groups
    .flatMap((g) => {
      const who = groupSenders(g);
      return who.mode === "list" ? [{ address: canon(g.address), allowed: new Set(index.expand(who.refs)) }] : [];
    })
    .sort((a, b) => (a.address < b.address ? -1 : 1));
}

export function buildSendingModel(org: Org, index: OrgIndex, today: string, ctx: AwsContext, configurationSet: string): SendingModel {
  const prefix = orgSlug(org);
  const resources = identityArns(org, ctx, configurationSet);
  const groups: SharedGroup[] = [];
  const senders = `${prefix}-senders`;
  groups.push({
    name: senders,
    description: "every member with credentials: may send as their own address (the IAM user name)",
    policy: {
      Version: "2012-10-17",
      Statement: [{ Sid: "SendAsOwnAddress", Effect: "Allow", Action: SEND_ACTIONS, Resource: resources, Condition: { StringEqualsIgnoreCase: { "ses:FromAddress": "${aws:username}" } } }],
    },
  });

  const internalOnly = new Set(index.expand(org.sending.internal_only ?? []));
  for (const m of org.members) if (m.internal_only) internalOnly.add(canon(m.address));
  const internalGroup = `${prefix}-internal-only`;
  // Internal means the org's receiving domains: a send-only domain has no mailboxes behind it. IAM's
  // StringNotLike is case-sensitive, so a recipient whose domain is written in another case (x@Example.COM)
  // is outside these patterns and denied: the policy fails closed, and can-send reports exactly that.
  const orgPatterns = [...new Set(org.domains.filter((d) => d.receive !== false).map((d) => `*@${canon(d.name)}`))].sort();
  if (internalOnly.size > 0) {
    groups.push({
      name: internalGroup,
      description: "members restricted to internal mail: any recipient outside the org's receiving domains is denied",
      policy: {
        Version: "2012-10-17",
        Statement: [{ Sid: "DenyRecipientsOutsideTheOrg", Effect: "Deny", Action: SEND_ACTIONS, Resource: "*", Condition: { "ForAnyValue:StringNotLike": { "ses:Recipients": orgPatterns } } }],
      },
    });
  }

  const ranges = org.sending.allowed_ip_ranges ?? [];
  const exempt = new Set(index.expand(org.sending.exempt ?? []));
  const ipGroup = `${prefix}-office-ip-only`;
  if (ranges.length > 0) {
    // IAM's IpAddress operators take CIDRs: a bare address is written as /32 (IPv4) or /128 (IPv6).
    const cidrs = [...new Set(ranges.flatMap((r) => (Object.hasOwn(org.ip_ranges, r) ? org.ip_ranges[r]! : [])).map(asCidr))].sort();
    groups.push({
      name: ipGroup,
      // The ranges in canonical order: their order in the file means nothing.
      description: `members who may send only from ${[...new Set(ranges)].sort().join(", ")}`,
      policy: {
        Version: "2012-10-17",
        Statement: [{ Sid: "DenySendingOutsideOfficeRanges", Effect: "Deny", Action: SEND_ACTIONS, Resource: "*", Condition: { NotIpAddress: { "aws:SourceIp": cidrs } } }],
      },
    });
  }

  // Members who may not mail the same set of restricted groups share one group and one deny policy.
  const restricted = restrictedGroups(org, index);
  // Linear in members plus the groups' sender lists: a member's class is found from the few restricted groups
  // that allow them (their positions in `restricted`), and its denied list is built once per class.
  const allowedIn = new Map<string, number[]>();
  restricted.forEach((g, i) => {
    for (const a of g.allowed) {
      const list = allowedIn.get(a);
      if (list) list.push(i);
      else allowedIn.set(a, [i]);
    }
  });
  const classByAllowed = new Map<string, { id: string; denied: string[] }>();
  const classes = new Map<string, string[]>();
  const classOf = new Map<string, string>();
  for (const m of org.members) {
    if (memberStatus(m) === "departed") continue;
    const key = canon(m.address);
    const allowedKey = (allowedIn.get(key) ?? []).join(",");
    let cls = classByAllowed.get(allowedKey);
    if (!cls) {
      const allowed = new Set(allowedIn.get(key) ?? []);
      const denied = restricted.flatMap((g, i) => (allowed.has(i) ? [] : [g.address]));
      cls = { id: denied.join(","), denied };
      classByAllowed.set(allowedKey, cls);
    }
    if (cls.denied.length === 0) continue;
    classes.set(cls.id, cls.denied);
    classOf.set(key, cls.id);
  }
  const classGroup = new Map<string, string>();
  for (const [id, denied] of [...classes.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const name = `${prefix}-no-${slug(denied.map((a) => a.split("@")[0]).join("-")).slice(0, 60)}-${shortHash(id)}`.slice(0, 128);
    classGroup.set(id, name);
    groups.push({
      name,
      description: `members who may not mail ${denied.join(", ")} (restricted senders)`,
      policy: {
        Version: "2012-10-17",
        Statement: [{ Sid: "DenyRestrictedGroups", Effect: "Deny", Action: SEND_ACTIONS, Resource: "*", Condition: { "ForAnyValue:StringEqualsIgnoreCase": { "ses:Recipients": denied } } }],
      },
    });
  }

  const delegations = new Map<string, { mailbox: string; until?: string }[]>();
  for (const mb of org.mailboxes) {
    for (const d of mb.delegates ?? []) {
      if (d.until !== undefined && d.until < today) continue;
      const key = canon(d.member);
      const list = delegations.get(key);
      if (list) list.push({ mailbox: canon(mb.address), until: d.until });
      else delegations.set(key, [{ mailbox: canon(mb.address), until: d.until }]);
    }
  }

  const members: MemberCredentials[] = [];
  // Sorted by canonical address, each lowercased once (not twice per comparison).
  const byAddress = org.members.map((m) => [canon(m.address), m] as const).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [key, m] of byAddress) {
    const status = memberStatus(m);
    if (status === "departed") continue;
    const memberGroups = [senders];
    if (internalOnly.has(key)) memberGroups.push(internalGroup);
    if (ranges.length > 0 && !exempt.has(key)) memberGroups.push(ipGroup);
    const cls = classOf.get(key);
    if (cls) memberGroups.push(classGroup.get(cls)!);
    members.push({
      address: key,
      userName: iamUserName(key),
      departments: memberDepartments(org, m),
      status,
      groups: memberGroups,
      inline: inlinePolicy(m, delegations.get(key) ?? [], resources, org.organisation.timezone ?? "UTC"),
    });
  }
  return { groups, members };
}

function inlinePolicy(m: Member, delegated: { mailbox: string; until?: string }[], resources: string[], timezone: string): PolicyDocument | undefined {
  const statements: Statement[] = [];
  const aliases = [...new Set((m.aliases ?? []).map(canon))].sort();
  if (aliases.length) {
    statements.push({ Sid: "SendAsAliases", Effect: "Allow", Action: SEND_ACTIONS, Resource: resources, Condition: { StringEqualsIgnoreCase: { "ses:FromAddress": aliases } } });
  }
  const open = delegated.filter((d) => d.until === undefined).map((d) => d.mailbox).sort();
  if (open.length) {
    statements.push({ Sid: "SendAsDelegatedMailboxes", Effect: "Allow", Action: SEND_ACTIONS, Resource: resources, Condition: { StringEqualsIgnoreCase: { "ses:FromAddress": open } } });
  }
  for (const d of delegated.filter((x) => x.until !== undefined).sort((a, b) => (a.mailbox < b.mailbox ? -1 : 1))) {
    statements.push({
      Sid: `SendAs${slug(d.mailbox.split("@")[0]!).replace(/-/g, "")}Until${d.until!.replace(/-/g, "")}`,
      Effect: "Allow",
      Action: SEND_ACTIONS,
      Resource: resources,
      Condition: { StringEqualsIgnoreCase: { "ses:FromAddress": d.mailbox }, DateLessThan: { "aws:CurrentTime": endOfDayIso(d.until!, timezone) } },
    });
  }
  return statements.length ? { Version: "2012-10-17", Statement: statements } : undefined;
}

/** A short, stable hash (FNV-1a, base 36) for names that must stay short. */
export function shortHash(text: string): string {
  return fnv1a(text).toString(36).padStart(7, "0");
}

/** Every policy a member's requests are evaluated against: their groups' policies and their inline policy. */
export function memberPolicies(model: { readonly groups: readonly SharedGroup[]; readonly members: readonly MemberCredentials[] }, address: string): { name: string; document: PolicyDocument }[] | undefined {
  const m = model.members.find((x) => x.address === canon(address));
  if (!m) return undefined;
  const byName = new Map(model.groups.map((g) => [g.name, g]));
  const out = m.groups.map((g) => ({ name: `group ${g}`, document: byName.get(g)!.policy }));
  if (m.inline) out.push({ name: `inline policy of ${m.userName}`, document: m.inline });
  return out;
}

/**
 * The IAM user name of a member: the address, with each character IAM user names do not allow (they allow
 * letters, digits and +=,.@_-) written as =XX, its hex code (o'brien@ -> o=27brien@). The addresses mailorg
 * accepts never hold '=', so no two addresses share a name; addresses IAM takes as they are keep their name.
 */
export function iamUserName(address: string): string {
  return address.replace(/[^A-Za-z0-9+,.@_-]/g, (c) => `=${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
