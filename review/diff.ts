/**
 * The semantic diff of two orgs, in the organisation's terms, keyed by stable identities (addresses
 * case-insensitively, department ids, domain names), so moving entries between files or reordering them
 * changes nothing. Each change is plain data: what (section, subject, field), how (kind, before, after),
 * which departments own it (for approvers) and whether it is destructive (for the guard). Markdown, text and
 * JSON are renderings of this list (review/render.ts); audit reads the same data.
 */
import { canon, groupSenders, memberDepartments, memberStatus, type Domain, type Group, type Member, type Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { DEFAULT_BACKUP_RETENTION_DAYS, DEFAULT_INSTANCE_TYPE, DEFAULT_QUOTA_MB, DEFAULT_VOLUME_GB } from "../plan/mailhost.ts";
import { planOrg, type MailPlan } from "../plan/plan.ts";
import type { SendingModel } from "../plan/sending.ts";
import { sendingShard } from "../plan/stacks.ts";

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
}

export interface OrgSide {
  readonly org: Org;
  readonly index: OrgIndex;
}

export const MAX_REMOVED_SHARE = 0.3;

/**
 * The fields each entity of the schema has a named comparison for (keyed by the schema's `$defs` name, plus
 * `file` for the top-level sections and `backup.match`). Any other field is still compared, as raw JSON, by
 * `otherFields` below, so a field added to the schema is never silent; test/review-completeness.test.ts fails
 * until it is listed here with a comparison that says what it does.
 */
export const DIFF_FIELDS = {
  file: ["organisation", "domains", "departments", "members", "groups", "mailboxes", "ip_ranges", "sending", "inbound", "backups", "signatures"],
  organisation: ["name", "id", "timezone", "region", "default_department", "catch_all", "retention_days", "max_message_size_mb", "owners", "state", "delivery", "mailbox_host", "address_book", "welcome"],
  addressBook: ["hide"],
  welcome: ["subject", "html", "text"],
  state: ["bucket", "region", "key_prefix", "role_arn", "kms_key_id"],
  delivery: ["relay"],
  relay: ["host", "port", "tls", "auth_secret"],
  mailboxHost: ["hostname", "instance_type", "volume_gb", "backup_retention_days", "default_quota_mb", "webmail"],
  webmail: ["logo"],
  domain: ["name", "hosted_zone_id", "receive", "mail_from", "dmarc", "bimi_logo_url", "spf", "txt"],
  dmarc: ["policy", "rua", "ruf", "pct"],
  spf: ["include", "ip4", "ip6", "all"],
  department: ["id", "name", "parent", "admins"],
  member: ["address", "name", "departments", "title", "phone", "aliases", "status", "forward_to", "internal_only", "blocked_senders", "signature", "forward", "quota_mb", "auto_reply"],
  forward: ["to", "keep_copy"],
  autoReply: ["subject", "body", "until"],
  group: ["address", "name", "description", "members", "senders"],
  mailbox: ["address", "name", "department", "delegates"],
  delegate: ["member", "until"],
  sending: ["allowed_ip_ranges", "exempt", "internal_only"],
  inbound: ["blocked", "allowed"],
  backup: ["name", "to", "match"],
  "backup.match": ["recipients", "senders"],
  signature: ["id", "applies_to", "html", "text"],
} as const satisfies Record<string, readonly string[]>;

type Plain = object | undefined | null;

/** The fields of two versions of an entity that `known` does not name: [field, before, after] for each that differs (absent: null). */
export function otherFields(b: Plain, h: Plain, known: readonly string[]): [string, Value, Value][] {
  const out: [string, Value, Value][] = [];
  const get = (o: Plain, k: string): Value => ((o as Record<string, Value> | null | undefined)?.[k] ?? null);
  const names = [...new Set([...Object.keys(b ?? {}), ...Object.keys(h ?? {})])].filter((k) => !known.includes(k)).sort();
  for (const k of names) {
    const x = get(b, k);
    const y = get(h, k);
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push([k, x, y]);
  }
  return out;
}

const DMARC_STRENGTH: Record<string, number> = { none: 0, quarantine: 1, reject: 2 };

const list = (xs: readonly string[] | undefined): string[] => [...new Set((xs ?? []).map(canon))].sort();
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export function setDiff(a: readonly string[], b: readonly string[]): { added: string[]; removed: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { added: b.filter((x) => !sa.has(x)), removed: a.filter((x) => !sb.has(x)) };
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const i of items) if (!m.has(key(i))) m.set(key(i), i);
  return m;
}

function keys<T>(a: Map<string, T>, b: Map<string, T>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

/**
 * How each recipient of `refs` is reached, keyed by the addresses index.expand(refs) returns: "listed",
 * "listed as alias x", "through department d", "through group g, department d" (outermost reference first).
 */
export function recipientPaths(index: OrgIndex, refs: readonly string[], opts: { includeDeparted?: boolean } = {}): Map<string, string> {
  const reached = new Set(index.expand(refs, opts));
  const out = new Map<string, string>();
  const seenGroups = new Set<string>();
  const visit = (ref: string, path: readonly string[]): void => {
    const r = index.resolve(ref);
    if (!r) return;
    const through = r.kind === "department" ? [...path, `department ${r.id}`] : path;
    const reach = (address: string, leaf = "listed"): void => {
      if (reached.has(address) && !out.has(address)) out.set(address, through.length ? `through ${through.join(", ")}` : leaf);
    };
    if (r.kind === "member") reach(canon(r.member.address));
    else if (r.kind === "alias") reach(canon(r.member.address), `listed as alias ${r.address}`);
    else if (r.kind === "mailbox") reach(r.address);
    else if (r.kind === "department") {
      for (const m of index.departmentMembers(r.id)) reach(m);
    } else if (!seenGroups.has(r.address)) {
      seenGroups.add(r.address);
      for (const m of r.group.members) visit(m, [...path, `group ${r.address}`]);
    }
  };
  for (const ref of refs) visit(ref, []);
  return out;
}

/** Labels for the addresses gained (how head reaches them) and lost (why base's path no longer holds) by a list of references. */
function viaLabels(base: OrgSide, head: OrgSide, refsBase: readonly string[], refsHead: readonly string[], added: readonly string[], removed: readonly string[], opts: { includeDeparted?: boolean } = {}): Record<string, string> {
  const via: Record<string, string> = {};
  if (added.length) {
    const paths = recipientPaths(head.index, refsHead, opts);
    for (const a of added) via[a] = paths.get(a) ?? "listed";
  }
  if (removed.length) {
    const paths = recipientPaths(base.index, refsBase, opts);
    for (const a of removed) {
      const m = head.index.members.get(a);
      if (m && memberStatus(m) === "departed") via[a] = "departed";
      else if (!head.index.addresses.has(a)) via[a] = "no longer in the org";
      else via[a] = `no longer ${paths.get(a) ?? "listed"}`;
    }
  }
  return via;
}

/** Every From address and restriction a member's sending policies grant or impose, read from the sending model's policy documents. */
export function sendingRights(model: SendingModel): Map<string, string[]> {
  const groups = new Map(model.groups.map((g) => [g.name, g.policy]));
  const out = new Map<string, string[]>();
  const strings = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  for (const m of model.members) {
    const rights = new Set<string>();
    const statements = [...m.groups.flatMap((g) => groups.get(g)?.Statement ?? []), ...(m.inline?.Statement ?? [])];
    for (const s of statements) {
      const c = s.Condition ?? {};
      if (s.Effect === "Allow") {
        const from = strings(c.StringEqualsIgnoreCase?.["ses:FromAddress"]).filter((f) => f !== "${aws:username}");
        const until = strings(c.DateLessThan?.["aws:CurrentTime"])[0];
        for (const f of from) rights.add(`send as ${f}${until ? ` before ${until}` : ""}`);
      } else {
        for (const r of strings(c["ForAnyValue:StringEqualsIgnoreCase"]?.["ses:Recipients"])) rights.add(`may not mail ${r}`);
        if (c["ForAnyValue:StringNotLike"]) rights.add("internal recipients only");
        const ips = strings(c.NotIpAddress?.["aws:SourceIp"]);
        if (ips.length) rights.add(`send only from ${ips.join(", ")}`);
      }
    }
    out.set(m.address, [...rights].sort());
  }
  return out;
}

/** The side's sending model: the plan's, the very documents synthesis renders. */
function sendingModel(side: OrgSide, today: string): SendingModel {
  const { groups, members } = planOrg(side.org, side.index, { today }).sending;
  return { groups: [...groups], members: [...members] };
}

/** The departments a group's listed members belong to (departments listed, members' departments, mailboxes' departments). */
export function groupDepartments(org: Org, index: OrgIndex, g: Group): string[] {
  const s = new Set<string>();
  for (const ref of g.members) {
    const r = index.resolve(ref);
    if (r?.kind === "department") s.add(r.id);
    else if (r?.kind === "member" || r?.kind === "alias") for (const d of memberDepartments(org, r.member)) s.add(d);
    else if (r?.kind === "mailbox" && r.mailbox.department) s.add(r.mailbox.department);
  }
  return [...s].sort();
}

export function diffOrgs(base: OrgSide, head: OrgSide, opts: { today: string }): Change[] {
  const out: Change[] = [];
  const add = (c: Omit<Change, "destructive"> & { destructive?: boolean }): void => {
    const { reason, reroutes, ...rest } = c;
    out.push({ ...rest, destructive: c.destructive ?? reason !== undefined, ...(reason !== undefined ? { reason } : {}), ...(reroutes ? { reroutes } : {}) });
  };
  type Own = { departments: readonly string[]; orgWide: boolean; reroutes?: readonly string[] };
  /** A change of one field of a subject, when the values differ. */
  const field = (section: Section, subject: string, name: string, before: Value, after: Value, own: Own, reason?: string): void => {
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    add({ section, subject, kind: "modify", field: name, before, after, ...own, reason });
  };
  /** Fields of an entity without a named comparison (see DIFF_FIELDS), compared as they are written. */
  const rest = (section: Section, subject: string, prefix: string, b: Plain, h: Plain, known: readonly string[], own: Own): void => {
    for (const [k, x, y] of otherFields(b, h, known)) field(section, subject, `${prefix}${k}`, x, y, own);
  };
  const deps = (side: OrgSide, m: Member): string[] => memberDepartments(side.org, m);
  const basePlan = planOrg(base.org, base.index, opts);
  const headPlan = planOrg(head.org, head.index, opts);
  /** Every address a side delivers mail to (members who have not departed, mailboxes): whose mail a relay carries. */
  const delivered = (plan: MailPlan): string[] => Object.entries(plan.inbound.table.entries).filter(([, e]) => e.kind === "member" || e.kind === "mailbox").map(([a]) => a);
  /** Every address of each receiving domain, as `*@domain`. */
  const anyAddress = (plan: MailPlan): string[] => plan.inbound.table.receivingDomains.map((d) => `*@${d}`);
  const union = (...xs: readonly string[][]): string[] => [...new Set(xs.flat())].sort();

  // Members.
  const bm = byKey(base.org.members, (m) => canon(m.address));
  const hm = byKey(head.org.members, (m) => canon(m.address));
  let removed = 0;
  for (const a of keys(bm, hm)) {
    const b = bm.get(a);
    const h = hm.get(a);
    if (!b && h) {
      add({ section: "Members", kind: "create", subject: a, before: null, after: { departments: deps(head, h), status: memberStatus(h) }, departments: deps(head, h), orgWide: false });
    } else if (b && !h) {
      removed++;
      const departed = memberStatus(b) === "departed";
      add({
        section: "Members",
        kind: "delete",
        subject: a,
        before: { departments: deps(base, b), status: memberStatus(b) },
        after: null,
        departments: deps(base, b),
        orgWide: false,
        reason: departed ? undefined : `member ${a} is removed without having been departed first (set status: departed and forward_to in an earlier change)`,
      });
    }
    const own = { departments: [...new Set([...(b ? deps(base, b) : []), ...(h ? deps(head, h) : [])])].sort(), orgWide: false };
    // Aliases are addresses in their own right: each one gained or lost is a change of its own.
    const al = setDiff(list(b?.aliases), list(h?.aliases));
    for (const x of al.added) add({ section: "Aliases", kind: "create", subject: x, before: null, after: a, ...own });
    for (const x of al.removed) add({ section: "Aliases", kind: "delete", subject: x, before: a, after: null, ...own });
    // A member's own forward sends their mail out of the company: rerouting, so the organisation owners approve
    // it too, also for a member who arrives with one.
    const forward = (m: Member | undefined): Value => (m?.forward ? { to: list(m.forward.to), keep_copy: m.forward.keep_copy ?? true } : null);
    if (h) field("Members", a, "forward", forward(b), forward(h), { ...own, orgWide: true, reroutes: [a] });
    if (b && h) rest("Members", a, "forward.", b.forward, h.forward, DIFF_FIELDS.forward, { ...own, orgWide: true, reroutes: [a] });
    if (!b || !h) continue;
    field("Members", a, "status", memberStatus(b), memberStatus(h), own);
    field("Members", a, "departments", deps(base, b), deps(head, h), own);
    // A departed member's successor receives their mail.
    field("Members", a, "forward_to", list(b.forward_to), list(h.forward_to), { ...own, orgWide: true, reroutes: [a] });
    field("Internal only", a, "internal_only", b.internal_only ?? false, h.internal_only ?? false, own);
    field("Blocked senders", a, "blocked_senders", list(b.blocked_senders), list(h.blocked_senders), own);
    for (const f of ["name", "title", "phone", "signature"] as const) field("Members", a, f, b[f] ?? "", h[f] ?? "", own);
    field("Members", a, "quota_mb", b.quota_mb ?? null, h.quota_mb ?? null, own);
    // The org's out-of-office reply for the member: what the host answers in their name, to whom and until when.
    const reply = (m: Member): Value => (m.auto_reply ? { subject: m.auto_reply.subject, body: m.auto_reply.body, until: m.auto_reply.until ?? null } : null);
    field("Members", a, "auto_reply", reply(b), reply(h), own);
    rest("Members", a, "", b, h, DIFF_FIELDS.member, own);
  }
  if (bm.size > 0 && removed / bm.size > MAX_REMOVED_SHARE) {
    add({
      section: "Members",
      kind: "delete",
      subject: "members",
      field: "count",
      before: bm.size,
      after: bm.size - removed,
      departments: [],
      orgWide: true,
      reason: `${removed} of ${bm.size} members (${Math.round((removed / bm.size) * 100)}%) are removed at once; more than ${MAX_REMOVED_SHARE * 100}% needs --allow-destructive`,
    });
  }

  // Credentials, as the sending model issues them: one IAM user and access key per member who has not departed.
  const bModel = sendingModel(base, opts.today);
  const hModel = sendingModel(head, opts.today);
  const bc = new Map(bModel.members.map((m) => [m.address, m]));
  const hc = new Map(hModel.members.map((m) => [m.address, m]));
  const bRights = sendingRights(bModel);
  const hRights = sendingRights(hModel);
  for (const a of keys(bc, hc)) {
    const b = bc.get(a);
    const h = hc.get(a);
    const own = { departments: [...new Set([...(b?.departments ?? []), ...(h?.departments ?? [])])].sort(), orgWide: false };
    const cred = (m: typeof b) => (m ? { status: m.status, stack: sendingShard(m.address) } : null);
    if (!b || !h) add({ section: "Credentials", kind: b ? "delete" : "create", subject: a, before: cred(b), after: cred(h), ...own });
    else field("Credentials", a, "status", b.status, h.status, own);
    if (b && h) field("Sending rights", a, "rights", bRights.get(a) ?? [], hRights.get(a) ?? [], own);
  }

  // Groups: declared and effective membership, senders.
  const bg = byKey(base.org.groups, (g) => canon(g.address));
  const hg = byKey(head.org.groups, (g) => canon(g.address));
  const groupDeps = (side: OrgSide, g: Group): string[] => groupDepartments(side.org, side.index, g);
  const senders = (g: Group): Value => (Array.isArray(g.senders) ? list(g.senders) : (g.senders ?? "organisation"));
  /** Who may mail a group, expanded; undefined when it is not limited to a list (anyone, every member). */
  const effectiveSenders = (side: OrgSide, g: Group): string[] | undefined => {
    const who = groupSenders(g);
    return who.mode === "list" ? side.index.expand(who.refs) : undefined;
  };
  for (const a of keys(bg, hg)) {
    const b = bg.get(a);
    const h = hg.get(a);
    if (!b && h) {
      add({ section: "Groups", kind: "create", subject: a, before: null, after: { members: list(h.members), recipients: head.index.expand([a]), senders: senders(h) }, departments: groupDeps(head, h), orgWide: false });
      continue;
    }
    if (b && !h) {
      const n = base.index.expand([a]).length;
      add({
        section: "Groups",
        kind: "delete",
        subject: a,
        before: { members: list(b.members), recipients: base.index.expand([a]), senders: senders(b) },
        after: null,
        departments: groupDeps(base, b),
        orgWide: false,
        reason: `group ${a} is removed: mail to it will ${head.org.organisation.catch_all ? `go to the catch-all ${canon(head.org.organisation.catch_all)}` : "be rejected at SMTP time"} instead of reaching its ${n} recipient${n === 1 ? "" : "s"} (keep the group, or remove it after telling its senders)`,
      });
      continue;
    }
    if (!b || !h) continue;
    const own = { departments: [...new Set([...groupDeps(base, b), ...groupDeps(head, h)])].sort(), orgWide: false };
    field("Groups", a, "members", list(b.members), list(h.members), own);
    field("Groups", a, "name", b.name, h.name, own);
    field("Groups", a, "description", b.description ?? "", h.description ?? "", own);
    rest("Groups", a, "", b, h, DIFF_FIELDS.group, own);
    const rb = base.index.expand([a]);
    const rh = head.index.expand([a]);
    if (!sameList(rb, rh)) {
      const eff = setDiff(rb, rh);
      add({ section: "Group recipients", kind: "modify", subject: a, field: "recipients", before: rb, after: rh, via: viaLabels(base, head, b.members, h.members, eff.added, eff.removed), ...own });
    }
    field("Group senders", a, "senders", senders(b), senders(h), own);
    const sb = effectiveSenders(base, b);
    const sh = effectiveSenders(head, h);
    // A switch to or from anyone / every member is the `senders` change above; a list is compared to a list.
    if (sb && sh && !sameList(sb, sh)) {
      const es = setDiff(sb, sh);
      const refs = (g: Group) => {
        const who = groupSenders(g);
        return who.mode === "list" ? who.refs : [];
      };
      add({ section: "Group senders", kind: "modify", subject: a, field: "may mail", before: sb, after: sh, via: viaLabels(base, head, refs(b), refs(h), es.added, es.removed), ...own });
    }
  }

  // Mailboxes and delegations.
  const bx = byKey(base.org.mailboxes, (m) => canon(m.address));
  const hx = byKey(head.org.mailboxes, (m) => canon(m.address));
  for (const a of keys(bx, hx)) {
    const b = bx.get(a);
    const h = hx.get(a);
    const d = [...new Set([b?.department, h?.department].filter((x): x is string => !!x))].sort();
    const own = { departments: d, orgWide: d.length === 0 };
    if (!b && h) add({ section: "Mailboxes", kind: "create", subject: a, before: null, after: { department: h.department ?? null }, ...own });
    else if (b && !h) {
      add({
        section: "Mailboxes",
        kind: "delete",
        subject: a,
        before: { department: b.department ?? null },
        after: null,
        ...own,
        reason: `shared mailbox ${a} is removed: new mail to it is no longer delivered${(b.delegates ?? []).length ? ` and its delegates lose the right to send as it` : ""} (its stored mail stays until it expires; keep the mailbox, or forward its address through a group first)`,
      });
    }
    const dl = (m: typeof b) => byKey(m?.delegates ?? [], (x) => canon(x.member));
    const db = dl(b);
    const dh = dl(h);
    for (const who of keys(db, dh)) {
      const x = db.get(who);
      const y = dh.get(who);
      const u0 = x ? (x.until ?? null) : undefined;
      const u1 = y ? (y.until ?? null) : undefined;
      if (u0 === undefined) add({ section: "Delegations", kind: "create", subject: a, field: "delegate", before: null, after: { member: who, until: u1 ?? null }, ...own });
      else if (u1 === undefined) add({ section: "Delegations", kind: "delete", subject: a, field: "delegate", before: { member: who, until: u0 }, after: null, ...own });
      else if (u0 !== u1) add({ section: "Delegations", kind: "modify", subject: a, field: "delegate", before: { member: who, until: u0 }, after: { member: who, until: u1 }, ...own });
      if (x && y) rest("Delegations", a, `delegate ${who} `, x, y, DIFF_FIELDS.delegate, own);
    }
    if (b && h) {
      field("Mailboxes", a, "department", b.department ?? null, h.department ?? null, own);
      field("Mailboxes", a, "name", b.name, h.name, own);
      rest("Mailboxes", a, "", b, h, DIFF_FIELDS.mailbox, own);
    }
  }

  // Departments.
  const bdp = byKey(base.org.departments, (d) => d.id);
  const hdp = byKey(head.org.departments, (d) => d.id);
  for (const id of keys(bdp, hdp)) {
    const b = bdp.get(id);
    const h = hdp.get(id);
    const x = (b ?? h)!;
    if (!b || !h) {
      add({ section: "Departments", kind: b ? "delete" : "create", subject: id, before: b ? { parent: b.parent ?? null } : null, after: h ? { parent: h.parent ?? null } : null, departments: [id, ...(x.parent ? [x.parent] : [])], orgWide: !x.parent });
      continue;
    }
    field("Departments", id, "parent", b.parent ?? null, h.parent ?? null, { departments: [id, b.parent, h.parent].filter((p): p is string => !!p), orgWide: false });
    field("Departments", id, "name", b.name, h.name, { departments: [id], orgWide: false });
    field("Departments", id, "admins", [...(b.admins ?? [])].sort(), [...(h.admins ?? [])].sort(), { departments: [id], orgWide: true });
    rest("Departments", id, "", b, h, DIFF_FIELDS.department, { departments: [id], orgWide: true });
  }

  // Domains (settings) and the DNS records they produce.
  const orgWide = { departments: [] as string[], orgWide: true };
  const bdm = byKey(base.org.domains, (d) => canon(d.name));
  const hdm = byKey(head.org.domains, (d) => canon(d.name));
  const dmarc = (d: Domain) => ({ policy: d.dmarc?.policy ?? "quarantine", pct: d.dmarc?.pct ?? 100, rua: list(d.dmarc?.rua), ruf: list(d.dmarc?.ruf) });
  for (const n of keys(bdm, hdm)) {
    const b = bdm.get(n);
    const h = hdm.get(n);
    if (!b && h) add({ section: "Domains", kind: "create", subject: n, before: null, after: { receive: h.receive !== false }, ...orgWide });
    else if (b && !h) add({ section: "Domains", kind: "delete", subject: n, before: { receive: b.receive !== false }, after: null, ...orgWide, reason: `domain ${n} is removed (its identity and DNS records would be deleted)` });
    if (!b || !h) continue;
    const x = dmarc(b);
    const y = dmarc(h);
    const weaker = DMARC_STRENGTH[y.policy]! < DMARC_STRENGTH[x.policy]! || (y.policy === x.policy && y.pct < x.pct);
    field("Domains", n, "dmarc", x, y, orgWide, weaker ? `DMARC of ${n} is weakened (p=${x.policy} pct=${x.pct} -> p=${y.policy} pct=${y.pct})` : undefined);
    rest("Domains", n, "dmarc.", b.dmarc, h.dmarc, DIFF_FIELDS.dmarc, orgWide);
    // Who else may send as the domain (its SPF record) and the other apex TXT values kept beside it.
    const spf = (d: Domain) => ({ include: list(d.spf?.include), ip4: [...(d.spf?.ip4 ?? [])].sort(), ip6: [...(d.spf?.ip6 ?? [])].sort(), all: d.spf?.all ?? "softfail" });
    field("Domains", n, "spf", spf(b), spf(h), orgWide);
    rest("Domains", n, "spf.", b.spf, h.spf, DIFF_FIELDS.spf, orgWide);
    field("Domains", n, "txt", [...(b.txt ?? [])].sort(), [...(h.txt ?? [])].sort(), orgWide);
    rest("Domains", n, "", b, h, DIFF_FIELDS.domain, orgWide);
    const off = h.receive === false;
    field("Domains", n, "receive", b.receive !== false, h.receive !== false, orgWide, off ? `receive is turned off for ${n}: its MX record and receipt rules are removed, so mail to every address @${n} stops being delivered (point the MX at another provider first, then pass --allow-destructive)` : undefined);
    for (const f of ["mail_from", "hosted_zone_id", "bimi_logo_url"] as const) {
      const zoneLost = f === "hosted_zone_id" && b.hosted_zone_id !== undefined;
      field("Domains", n, f, b[f] ?? null, h[f] ?? null, orgWide,
        zoneLost
          ? `hosted_zone_id of ${n} is ${h.hosted_zone_id ? `changed from ${b.hosted_zone_id} to ${h.hosted_zone_id}` : `removed (was ${b.hosted_zone_id})`}: every mail record of ${n} in zone ${b.hosted_zone_id} (MX, SPF, DKIM, MAIL FROM, DMARC) is destroyed, which prevent_destroy does not stop for a removed block, and mail to and from ${n} fails until they exist again (create the records elsewhere first, then pass --allow-destructive)`
          : undefined);
    }
  }
  const records = (plan: MailPlan) => new Map(plan.domains.flatMap((d) => d.records).map((r) => [`${r.name} ${r.type}`, r.values]));
  const br = records(basePlan);
  const hr = records(headPlan);
  for (const k of keys(br, hr)) {
    const b = br.get(k);
    const h = hr.get(k);
    if (!b || !h) add({ section: "DNS", kind: b ? "delete" : "create", subject: k, before: b ?? null, after: h ?? null, ...orgWide });
    else field("DNS", k, "values", b, h, orgWide);
  }

  // Organisation-wide settings.
  const bo = base.org.organisation;
  const ho = head.org.organisation;
  if (canon(bo.catch_all ?? "") !== canon(ho.catch_all ?? "")) {
    add({
      section: "Organisation",
      kind: ho.catch_all ? (bo.catch_all ? "modify" : "create") : "delete",
      subject: "catch_all",
      before: bo.catch_all ? canon(bo.catch_all) : null,
      after: ho.catch_all ? canon(ho.catch_all) : null,
      ...orgWide,
      reroutes: union(anyAddress(basePlan), anyAddress(headPlan)),
      reason: ho.catch_all ? undefined : "the catch-all is removed: mail to mistyped addresses will be rejected",
    });
  }
  const baseId = basePlan.organisation.prefix;
  const headId = headPlan.organisation.prefix;
  const destructiveSetting = (f: string): string | undefined => {
    if (f === "region") return "the region changes: identities, rules and the mail store would be recreated elsewhere";
    if (f === "retention_days" && (ho.retention_days ?? 365) < (bo.retention_days ?? 365)) {
      return `retention_days is lowered from ${bo.retention_days ?? 365} to ${ho.retention_days ?? 365}: stored mail older than ${ho.retention_days ?? 365} days (incoming/, mailboxes/, quarantine/) expires at the next lifecycle run (export what must be kept, then pass --allow-destructive)`;
    }
    if (f === "max_message_size_mb" && (ho.max_message_size_mb ?? 40) < (bo.max_message_size_mb ?? 40)) {
      return `max_message_size_mb is cut from ${bo.max_message_size_mb ?? 40} to ${ho.max_message_size_mb ?? 40}: messages between ${ho.max_message_size_mb ?? 40} and ${bo.max_message_size_mb ?? 40} MB are dropped instead of delivered (tell senders first, then pass --allow-destructive)`;
    }
    if ((f === "name" || f === "id") && baseId !== headId) {
      return `the organisation's ${f} change renames every AWS resource named after it (${baseId} -> ${headId}): the mail store bucket, IAM groups, receipt rules and the configuration set would be destroyed and recreated, and stored mail would be left in the old bucket (set organisation.id: ${baseId} to keep the names)`;
    }
    return undefined;
  };
  for (const f of ["name", "id", "region", "default_department", "retention_days", "max_message_size_mb", "timezone"] as const) {
    if (String(bo[f] ?? "") !== String(ho[f] ?? "")) add({ section: "Organisation", kind: "modify", subject: f, field: f, before: bo[f] ?? null, after: ho[f] ?? null, ...orgWide, reason: destructiveSetting(f) });
  }
  field("Organisation", "owners", "owners", [...(bo.owners ?? [])].sort(), [...(ho.owners ?? [])].sort(), orgWide);
  // Where Terraform keeps each stack's state: a new location starts empty.
  const where = stateLocation(bo.state);
  const whereNow = stateLocation(ho.state);
  if (where !== whereNow) {
    add({
      section: "Organisation",
      kind: "modify",
      subject: "state",
      field: "location",
      before: where,
      after: whereNow,
      ...orgWide,
      reason: `organisation.state moves from ${where} to ${whereNow}: Terraform would find no state there and the next apply would try to create every resource again (copy each stack's state first: terraform init -migrate-state per stack, docs/deploying.md), then declare the migration done with --allow-destructive (in CI: the allow-destructive label)`,
    });
  }
  for (const f of ["role_arn", "kms_key_id"] as const) field("Organisation", "state", f, bo.state?.[f] ?? null, ho.state?.[f] ?? null, orgWide);
  rest("Organisation", "state", "", bo.state, ho.state, DIFF_FIELDS.state, orgWide);
  rest("Organisation", "organisation", "", bo, ho, DIFF_FIELDS.organisation, orgWide);
  // The company address book: who is kept out of it (members see everyone else).
  const hidden = (o: Org["organisation"]): string[] => [...new Set((o.address_book?.hide ?? []).map((r) => (r.startsWith("department:") ? r : canon(r))))].sort();
  field("Organisation", "address_book", "hide", hidden(bo), hidden(ho), orgWide);
  // The welcome letter every new member finds in their INBOX: its templates as written.
  for (const f of ["subject", "html", "text"] as const) field("Organisation", "welcome", f, bo.welcome?.[f] ?? null, ho.welcome?.[f] ?? null, orgWide);

  // Delivery: the mailbox server that receives every delivered copy.
  const br0 = bo.delivery?.relay;
  const hr0 = ho.delivery?.relay;
  const relayWho = { ...orgWide, reroutes: union(delivered(basePlan), delivered(headPlan)) };
  const relay = (r: NonNullable<typeof br0>): Value => ({ host: r.host.toLowerCase(), port: r.port ?? 25, tls: r.tls, auth_secret: r.auth_secret ?? null });
  if (!br0 && hr0) add({ section: "Delivery", kind: "create", subject: "relay", before: null, after: relay(hr0), ...relayWho });
  else if (br0 && !hr0) {
    add({
      section: "Delivery",
      kind: "delete",
      subject: "relay",
      before: relay(br0),
      after: null,
      ...relayWho,
      reason: `the relay ${br0.host.toLowerCase()} is removed: delivered mail is only kept in the mail store and no longer reaches the company's mailbox server (point members at their new mailboxes first, then pass --allow-destructive)`,
    });
  } else if (br0 && hr0) {
    const x = relay(br0) as Record<string, Value>;
    const y = relay(hr0) as Record<string, Value>;
    for (const f of DIFF_FIELDS.relay) field("Delivery", "relay", f, x[f]!, y[f]!, relayWho);
    rest("Delivery", "relay", "", br0, hr0, DIFF_FIELDS.relay, relayWho);
  }
  rest("Delivery", "delivery", "", bo.delivery, ho.delivery, DIFF_FIELDS.delivery, relayWho);
  // With a mailbox host, it is where every delivered copy is relayed: a change there reroutes members' mail.
  mailboxHostChange(bo, ho, add, orgWide, relayWho.reroutes);

  // Sending restrictions, IP ranges and inbound lists: declared, and (for references) the addresses they cover.
  const section = (s: Section, subject: string, a: readonly string[] | undefined, b: readonly string[] | undefined, expand: boolean): void => {
    field(s, subject, "list", list(a), list(b), orgWide);
    if (!expand) return;
    const ea = base.index.expand(a ?? []);
    const eb = head.index.expand(b ?? []);
    if (sameList(ea, eb)) return;
    const d = setDiff(ea, eb);
    add({ section: s, kind: "modify", subject, field: "covers", before: ea, after: eb, via: viaLabels(base, head, a ?? [], b ?? [], d.added, d.removed), ...orgWide });
  };
  const bs = base.org.sending;
  const hs = head.org.sending;
  section("Sending", "allowed_ip_ranges", bs.allowed_ip_ranges, hs.allowed_ip_ranges, false);
  section("Sending", "exempt", bs.exempt, hs.exempt, true);
  section("Internal only", "sending.internal_only", bs.internal_only, hs.internal_only, true);
  for (const name of [...new Set([...Object.keys(base.org.ip_ranges), ...Object.keys(head.org.ip_ranges)])].sort()) {
    section("IP ranges", name, base.org.ip_ranges[name], head.org.ip_ranges[name], false);
  }
  section("Inbound", "inbound.blocked", base.org.inbound.blocked, head.org.inbound.blocked, false);
  section("Inbound", "inbound.allowed", base.org.inbound.allowed, head.org.inbound.allowed, false);
  rest("Sending", "sending", "", bs, hs, DIFF_FIELDS.sending, orgWide);
  rest("Inbound", "inbound", "", base.org.inbound, head.org.inbound, DIFF_FIELDS.inbound, orgWide);

  // Backups: where they copy to, and whose mail (the recipients they cover, departed members included, and the senders).
  const bb = byKey(base.org.backups, (b) => b.name);
  const hb = byKey(head.org.backups, (b) => b.name);
  const covered = (side: OrgSide, b: Org["backups"][number]): string[] => (b.match.recipients ? side.index.expand(b.match.recipients, { includeDeparted: true }) : []);
  const rule = (side: OrgSide, b: Org["backups"][number]): Value => ({ to: canon(b.to), senders: list(b.match.senders), recipients: covered(side, b) });
  /** Whose mail a backup rule copies: the recipients it covers, or every address of each receiving domain. */
  const copied = (side: OrgSide, plan: MailPlan, b: Org["backups"][number]): string[] => {
    const c = covered(side, b);
    return c.length ? c : anyAddress(plan);
  };
  for (const n of keys(bb, hb)) {
    const b = bb.get(n);
    const h = hb.get(n);
    if (!b || !h) {
      add({
        section: "Backups",
        kind: b ? "delete" : "create",
        subject: n,
        before: b ? rule(base, b) : null,
        after: h ? rule(head, h) : null,
        ...orgWide,
        // A new rule starts copying their mail; a removed one stops copying it.
        reroutes: h ? copied(head, headPlan, h) : copied(base, basePlan, b!),
        reason: b ? `backup rule ${n} is removed: matching mail is no longer copied to ${canon(b.to)} (copies already made stay; keep the rule, or pass --allow-destructive once the retention obligation has ended)` : undefined,
      });
      continue;
    }
    const copies = { ...orgWide, reroutes: union(copied(base, basePlan, b), copied(head, headPlan, h)) };
    field("Backups", n, "to", canon(b.to), canon(h.to), copies);
    field("Backups", n, "senders", list(b.match.senders), list(h.match.senders), copies);
    const cb = covered(base, b);
    const ch = covered(head, h);
    if (!sameList(cb, ch)) {
      // No recipient covered: the rule copies mail to anyone ("*").
      const d = setDiff(cb, ch);
      add({ section: "Backups", kind: "modify", subject: n, field: "recipients", before: cb.length ? cb : ["*"], after: ch.length ? ch : ["*"], via: viaLabels(base, head, b.match.recipients ?? [], h.match.recipients ?? [], d.added, d.removed, { includeDeparted: true }), ...copies });
    }
    rest("Backups", n, "match.", b.match, h.match, DIFF_FIELDS["backup.match"], copies);
    rest("Backups", n, "", b, h, DIFF_FIELDS.backup, copies);
  }
  rest("Organisation", "org", "", base.org, head.org, DIFF_FIELDS.file, orgWide);
  const bsg = byKey(base.org.signatures, (s) => s.id);
  const hsg = byKey(head.org.signatures, (s) => s.id);
  for (const n of keys(bsg, hsg)) {
    const b = bsg.get(n);
    const h = hsg.get(n);
    if (JSON.stringify(b) === JSON.stringify(h)) continue;
    add({ section: "Signatures", kind: !b ? "create" : !h ? "delete" : "modify", subject: n, field: b && h ? "template" : undefined, before: b ? n : null, after: h ? n : null, ...orgWide });
  }
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

/** The mailbox host with its defaults applied, as a reviewer compares it; null when not declared. */
function mailboxHostValue(o: Org["organisation"]): { [key: string]: Value } | null {
  const h = o.mailbox_host;
  if (!h) return null;
  return {
    hostname: canon(h.hostname),
    instance_type: h.instance_type ?? DEFAULT_INSTANCE_TYPE,
    volume_gb: h.volume_gb ?? DEFAULT_VOLUME_GB,
    backup_retention_days: h.backup_retention_days ?? DEFAULT_BACKUP_RETENTION_DAYS,
    default_quota_mb: h.default_quota_mb ?? DEFAULT_QUOTA_MB,
    // What webmail's login page shows (only when set).
    ...(h.webmail?.logo ? { webmail_logo: h.webmail.logo } : {}),
  };
}

/**
 * The change between two sides of which either may have no org at all (a first commit, a removed org
 * directory). An org that appears, or that replaces one with another organisation id and none of its domains
 * (a fresh start from the example), is one change, "a new organisation", listing what it creates; an org that
 * disappears is one destructive change listing what it removes. Otherwise the two are the same organisation,
 * compared entry by entry (diffOrgs).
 */
export function diffSides(base: OrgSide | undefined, head: OrgSide | undefined, opts: { today: string }): Change[] {
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

/** Where the stacks' Terraform state lives, as one string: `s3://bucket/prefix/ (region)` or the local files. */
export function stateLocation(state: Org["organisation"]["state"]): string {
  return state ? `s3://${state.bucket}/${state.key_prefix ?? "mailorg"}/ (${state.region})` : "local files (<out>/state/)";
}

/**
 * organisation.mailbox_host: one organisation-wide change (owners approve). Removing the host, or shrinking its
 * data volume (EBS volumes only grow; Terraform would replace it), is destructive.
 */
function mailboxHostChange(bo: Org["organisation"], ho: Org["organisation"], add: (c: Omit<Change, "destructive">) => void, own: { departments: string[]; orgWide: boolean }, reroutes: string[]): void {
  const b = mailboxHostValue(bo);
  const h = mailboxHostValue(ho);
  if (JSON.stringify(b) === JSON.stringify(h)) return;
  if (b && h) {
    // One change per setting, so a reviewer reads what moved.
    for (const k of new Set([...Object.keys(b), ...Object.keys(h)])) {
      if (b[k] === h[k]) continue;
      const cut = k === "volume_gb" && Number(h[k]) < Number(b[k]);
      add({ section: "Organisation", kind: "modify", subject: "mailbox_host", field: k, before: b[k] ?? null, after: h[k] ?? null, ...own, ...(k === "hostname" ? { reroutes } : {}), reason: cut ? `mailbox_host.volume_gb is cut from ${String(b[k])} to ${String(h[k])}: an EBS volume cannot shrink, so the mail volume would be replaced (prevent_destroy refuses it); keep the size` : undefined });
    }
    return;
  }
  const reason = b ? `the mailbox host ${String(b.hostname)} is removed: the router stops relaying to it and members lose IMAP access; its data volume is protected by prevent_destroy, so the plan fails until the mail is moved (mailorg migrate) and the protection lifted deliberately` : undefined;
  // The host is where every delivered copy is relayed: adding or removing it reroutes members' mail.
  add({ section: "Organisation", kind: b ? "delete" : "create", subject: "mailbox_host", before: b, after: h, ...own, reroutes, reason });
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

/** An org with nothing in it, as the base of a repository's first commit. */
export function emptyOrg(like: Org): Org {
  return { organisation: like.organisation, domains: [], departments: [], members: [], groups: [], mailboxes: [], ip_ranges: {}, sending: {}, inbound: {}, backups: [], signatures: [] };
}
