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
  const classes = new Map<string, string[]>();
  const classOf = new Map<string, string>();
  for (const m of org.members) {
    if (memberStatus(m) === "departed") continue;
    const key = canon(m.address);
    const denied = restricted.filter((g) => !g.allowed.has(key)).map((g) => g.address);
    if (denied.length === 0) continue;
    const id = denied.join(",");
    classes.set(id, denied);
    classOf.set(key, id);
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
      delegations.set(key, [...(delegations.get(key) ?? []), { mailbox: canon(mb.address), until: d.until }]);
    }
  }

  const members: MemberCredentials[] = [];
  for (const m of [...org.members].sort((a, b) => (canon(a.address) < canon(b.address) ? -1 : 1))) {
    const status = memberStatus(m);
    if (status === "departed") continue;
    const key = canon(m.address);
    const memberGroups = [senders];
    if (internalOnly.has(key)) memberGroups.push(internalGroup);
    if (ranges.length > 0 && !exempt.has(key)) memberGroups.push(ipGroup);
    const cls = classOf.get(key);
    if (cls) memberGroups.push(classGroup.get(cls)!);
    members.push({
      address: key,
      userName: key,
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
