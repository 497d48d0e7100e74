/**
 * The semantic diff of two orgs, in the organisation's terms, keyed by stable identities (addresses
 * case-insensitively, department ids, domain names), so moving entries between files or reordering them
 * changes nothing. Each change says which departments it touches (for approvers) and whether it is
 * destructive (for the guard).
 */
import { canon, memberDepartments, memberStatus, type Domain, type Group, type Member, type Org } from "../model/org.ts";
import type { OrgIndex } from "../model/views/org-index.ts";
import { orgSlug } from "../model/views/naming.ts";

export type ChangeKind = "create" | "delete" | "modify";

export interface Change {
  readonly category: string;
  readonly kind: ChangeKind;
  /** What changed: an address, a department id, a domain, a section. */
  readonly subject: string;
  /** The change in words: "active -> departed", "gains 3 recipients: a, b, c". */
  readonly detail: string;
  /** Department ids whose admins own this change (both sides of a move). */
  readonly departments: readonly string[];
  /** Organisation-wide: organisation owners approve. */
  readonly orgWide: boolean;
  /** Why the change is destructive, when it is. */
  readonly destructive?: string;
}

export interface OrgSide {
  readonly org: Org;
  readonly index: OrgIndex;
}

export const MAX_REMOVED_SHARE = 0.3;

const DMARC_STRENGTH: Record<string, number> = { none: 0, quarantine: 1, reject: 2 };

const list = (xs: readonly string[] | undefined): string[] => [...new Set((xs ?? []).map(canon))].sort();
const fmt = (xs: readonly string[], max = 10): string => (xs.length > max ? `${xs.slice(0, max).join(", ")} and ${xs.length - max} more` : xs.join(", "));

function setDiff(a: readonly string[], b: readonly string[]): { added: string[]; removed: string[] } {
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

export function diffOrgs(base: OrgSide, head: OrgSide): Change[] {
  const out: Change[] = [];
  const add = (c: Change): void => {
    out.push(c);
  };
  const deps = (side: OrgSide, m: Member): string[] => memberDepartments(side.org, m);

  // Members.
  const bm = byKey(base.org.members, (m) => canon(m.address));
  const hm = byKey(head.org.members, (m) => canon(m.address));
  let removed = 0;
  for (const a of keys(bm, hm)) {
    const b = bm.get(a);
    const h = hm.get(a);
    if (!b && h) {
      add({ category: "members", kind: "create", subject: a, detail: `added to ${deps(head, h).join(", ")} (${memberStatus(h)})`, departments: deps(head, h), orgWide: false });
      continue;
    }
    if (b && !h) {
      removed++;
      const departed = memberStatus(b) === "departed";
      add({
        category: "members",
        kind: "delete",
        subject: a,
        detail: departed ? "removed (had departed)" : `removed while ${memberStatus(b)}`,
        departments: deps(base, b),
        orgWide: false,
        destructive: departed ? undefined : `member ${a} is removed without having been departed first (set status: departed and forward_to in an earlier change)`,
      });
      continue;
    }
    if (!b || !h) continue;
    const d = [...new Set([...deps(base, b), ...deps(head, h)])].sort();
    const sb = memberStatus(b);
    const sh = memberStatus(h);
    if (sb !== sh) {
      const word = sh === "departed" ? "departed" : sh === "disabled" ? "disabled" : "re-enabled";
      add({ category: "members", kind: "modify", subject: a, detail: `${word}: ${sb} -> ${sh}`, departments: d, orgWide: false });
    }
    const al = setDiff(list(b.aliases), list(h.aliases));
    if (al.added.length) add({ category: "aliases", kind: "create", subject: a, detail: `gains alias ${fmt(al.added)}`, departments: d, orgWide: false });
    if (al.removed.length) add({ category: "aliases", kind: "delete", subject: a, detail: `loses alias ${fmt(al.removed)}`, departments: d, orgWide: false });
    const bd = deps(base, b);
    const hd = deps(head, h);
    if (bd.join() !== hd.join()) add({ category: "departments", kind: "modify", subject: a, detail: `moves ${bd.join(", ")} -> ${hd.join(", ")}`, departments: d, orgWide: false });
    const fw = setDiff(list(b.forward_to), list(h.forward_to));
    if (fw.added.length || fw.removed.length) add({ category: "members", kind: "modify", subject: a, detail: `forward_to ${fmt(list(b.forward_to)) || "none"} -> ${fmt(list(h.forward_to)) || "none"}`, departments: d, orgWide: false });
    if ((b.internal_only ?? false) !== (h.internal_only ?? false)) add({ category: "internal only", kind: "modify", subject: a, detail: `internal_only ${b.internal_only ?? false} -> ${h.internal_only ?? false}`, departments: d, orgWide: false });
    const bl = setDiff(list(b.blocked_senders), list(h.blocked_senders));
    if (bl.added.length) add({ category: "blocked senders", kind: "create", subject: a, detail: `blocks ${fmt(bl.added)}`, departments: d, orgWide: false });
    if (bl.removed.length) add({ category: "blocked senders", kind: "delete", subject: a, detail: `unblocks ${fmt(bl.removed)}`, departments: d, orgWide: false });
    for (const f of ["name", "title", "phone", "signature"] as const) {
      if ((b[f] ?? "") !== (h[f] ?? "")) add({ category: "members", kind: "modify", subject: a, detail: `${f} ${JSON.stringify(b[f] ?? "")} -> ${JSON.stringify(h[f] ?? "")}`, departments: d, orgWide: false });
    }
  }
  if (bm.size > 0 && removed / bm.size > MAX_REMOVED_SHARE) {
    add({ category: "members", kind: "delete", subject: "members", detail: `${removed} of ${bm.size} members removed at once`, departments: [], orgWide: true, destructive: `${removed} of ${bm.size} members (${Math.round((removed / bm.size) * 100)}%) are removed at once; more than ${MAX_REMOVED_SHARE * 100}% needs --allow-destructive` });
  }

  // Groups: declared and effective membership, senders.
  const bg = byKey(base.org.groups, (g) => canon(g.address));
  const hg = byKey(head.org.groups, (g) => canon(g.address));
  const groupDeps = (side: OrgSide, g: Group): string[] => {
    const s = new Set<string>();
    for (const ref of g.members) {
      const r = side.index.resolve(ref);
      if (r?.kind === "department") s.add(r.id);
      else if (r?.kind === "member" || r?.kind === "alias") for (const d of memberDepartments(side.org, r.member)) s.add(d);
      else if (r?.kind === "mailbox" && r.mailbox.department) s.add(r.mailbox.department);
    }
    return [...s].sort();
  };
  const sendersOf = (side: OrgSide, g: Group): string => (Array.isArray(g.senders) ? `[${list(g.senders).join(", ")}]` : (g.senders ?? "organisation"));
  const effectiveSenders = (side: OrgSide, g: Group): string[] | undefined =>
    Array.isArray(g.senders) ? side.index.expand(g.senders) : g.senders === "members" ? side.index.expand(g.members) : undefined;
  for (const a of keys(bg, hg)) {
    const b = bg.get(a);
    const h = hg.get(a);
    if (!b && h) {
      add({ category: "groups", kind: "create", subject: a, detail: `created with ${head.index.expand([a]).length} recipients; senders ${sendersOf(head, h)}`, departments: groupDeps(head, h), orgWide: false });
      continue;
    }
    if (b && !h) {
      const n = base.index.expand([a]).length;
      add({
        category: "groups",
        kind: "delete",
        subject: a,
        detail: `removed (had ${n} recipients)`,
        departments: groupDeps(base, b),
        orgWide: false,
        destructive: `group ${a} is removed: mail to it will ${base.org.organisation.catch_all ? `go to the catch-all ${canon(base.org.organisation.catch_all)}` : "be rejected at SMTP time"} instead of reaching its ${n} recipient${n === 1 ? "" : "s"} (keep the group, or remove it after telling its senders)`,
      });
      continue;
    }
    if (!b || !h) continue;
    const d = [...new Set([...groupDeps(base, b), ...groupDeps(head, h)])].sort();
    const decl = setDiff(list(b.members), list(h.members));
    if (decl.added.length || decl.removed.length) {
      add({ category: "groups", kind: "modify", subject: a, detail: [decl.added.length ? `lists ${fmt(decl.added)}` : "", decl.removed.length ? `no longer lists ${fmt(decl.removed)}` : ""].filter(Boolean).join("; "), departments: d, orgWide: false });
    }
    const eff = setDiff(base.index.expand([a]), head.index.expand([a]));
    if (eff.added.length) add({ category: "recipients", kind: "create", subject: a, detail: `gains ${eff.added.length} recipient${eff.added.length === 1 ? "" : "s"}: ${fmt(eff.added)}`, departments: d, orgWide: false });
    if (eff.removed.length) add({ category: "recipients", kind: "delete", subject: a, detail: `loses ${eff.removed.length} recipient${eff.removed.length === 1 ? "" : "s"}: ${fmt(eff.removed)}`, departments: d, orgWide: false });
    const bs = sendersOf(base, b);
    const hs = sendersOf(head, h);
    const es = setDiff(effectiveSenders(base, b) ?? [], effectiveSenders(head, h) ?? []);
    if (bs !== hs || es.added.length || es.removed.length) {
      const parts = [bs !== hs ? `senders ${bs} -> ${hs}` : ""];
      if (es.added.length) parts.push(`may now be mailed by ${fmt(es.added)}`);
      if (es.removed.length) parts.push(`may no longer be mailed by ${fmt(es.removed)}`);
      add({ category: "group senders", kind: "modify", subject: a, detail: parts.filter(Boolean).join("; "), departments: d, orgWide: false });
    }
  }

  // Mailboxes and delegations.
  const bx = byKey(base.org.mailboxes, (m) => canon(m.address));
  const hx = byKey(head.org.mailboxes, (m) => canon(m.address));
  for (const a of keys(bx, hx)) {
    const b = bx.get(a);
    const h = hx.get(a);
    const d = [...new Set([b?.department, h?.department].filter((x): x is string => !!x))].sort();
    const orgWide = d.length === 0;
    if (!b && h) add({ category: "mailboxes", kind: "create", subject: a, detail: "created", departments: d, orgWide });
    else if (b && !h) add({ category: "mailboxes", kind: "delete", subject: a, detail: "removed", departments: d, orgWide, destructive: `shared mailbox ${a} is removed: new mail to it is no longer delivered${(b.delegates ?? []).length ? ` and its delegates lose the right to send as it` : ""} (its stored mail stays until it expires; keep the mailbox, or forward its address through a group first)` });
    if (!b || !h) continue;
    const dl = (m: typeof b) => new Map((m.delegates ?? []).map((x) => [canon(x.member), x.until ?? "no end"]));
    const db = dl(b);
    const dh = dl(h);
    for (const who of [...new Set([...db.keys(), ...dh.keys()])].sort()) {
      const u0 = db.get(who);
      const u1 = dh.get(who);
      if (u0 === undefined) add({ category: "delegations", kind: "create", subject: a, detail: `delegated to ${who} until ${u1}`, departments: d, orgWide });
      else if (u1 === undefined) add({ category: "delegations", kind: "delete", subject: a, detail: `no longer delegated to ${who}`, departments: d, orgWide });
      else if (u0 !== u1) add({ category: "delegations", kind: "modify", subject: a, detail: `delegation to ${who}: until ${u0} -> ${u1}`, departments: d, orgWide });
    }
    if ((b.department ?? "") !== (h.department ?? "")) add({ category: "mailboxes", kind: "modify", subject: a, detail: `department ${b.department ?? "none"} -> ${h.department ?? "none"}`, departments: d, orgWide });
  }

  // Departments.
  const bdp = byKey(base.org.departments, (d) => d.id);
  const hdp = byKey(head.org.departments, (d) => d.id);
  for (const id of keys(bdp, hdp)) {
    const b = bdp.get(id);
    const h = hdp.get(id);
    if (!b && h) add({ category: "departments", kind: "create", subject: id, detail: `created${h.parent ? ` under ${h.parent}` : ""}`, departments: [id, ...(h.parent ? [h.parent] : [])], orgWide: !h.parent });
    else if (b && !h) add({ category: "departments", kind: "delete", subject: id, detail: "removed", departments: [id, ...(b.parent ? [b.parent] : [])], orgWide: !b.parent });
    if (!b || !h) continue;
    if ((b.parent ?? "") !== (h.parent ?? "")) add({ category: "departments", kind: "modify", subject: id, detail: `parent ${b.parent ?? "none"} -> ${h.parent ?? "none"}`, departments: [id, b.parent, h.parent].filter((x): x is string => !!x), orgWide: false });
    if (b.name !== h.name) add({ category: "departments", kind: "modify", subject: id, detail: `name ${JSON.stringify(b.name)} -> ${JSON.stringify(h.name)}`, departments: [id], orgWide: false });
    const ad = setDiff((b.admins ?? []).slice().sort(), (h.admins ?? []).slice().sort());
    if (ad.added.length || ad.removed.length) add({ category: "departments", kind: "modify", subject: id, detail: `admins ${fmt(b.admins ?? []) || "none"} -> ${fmt(h.admins ?? []) || "none"}`, departments: [id], orgWide: true });
  }

  // Domains (DNS-affecting).
  const bdm = byKey(base.org.domains, (d) => canon(d.name));
  const hdm = byKey(head.org.domains, (d) => canon(d.name));
  const dmarc = (d: Domain) => ({ policy: d.dmarc?.policy ?? "quarantine", pct: d.dmarc?.pct ?? 100, rua: list(d.dmarc?.rua).join(",") });
  for (const n of keys(bdm, hdm)) {
    const b = bdm.get(n);
    const h = hdm.get(n);
    if (!b && h) add({ category: "domains", kind: "create", subject: n, detail: `added (${h.receive === false ? "send-only" : "receiving"})`, departments: [], orgWide: true });
    else if (b && !h) add({ category: "domains", kind: "delete", subject: n, detail: "removed", departments: [], orgWide: true, destructive: `domain ${n} is removed (its identity and DNS records would be deleted)` });
    if (!b || !h) continue;
    const x = dmarc(b);
    const y = dmarc(h);
    if (x.policy !== y.policy || x.pct !== y.pct || x.rua !== y.rua) {
      const weaker = DMARC_STRENGTH[y.policy]! < DMARC_STRENGTH[x.policy]! || (y.policy === x.policy && y.pct < x.pct);
      add({
        category: "dns",
        kind: "modify",
        subject: n,
        detail: `DMARC p=${x.policy} pct=${x.pct} -> p=${y.policy} pct=${y.pct}${x.rua !== y.rua ? `; rua ${x.rua || "none"} -> ${y.rua || "none"}` : ""}`,
        departments: [],
        orgWide: true,
        destructive: weaker ? `DMARC of ${n} is weakened (p=${x.policy} pct=${x.pct} -> p=${y.policy} pct=${y.pct})` : undefined,
      });
    }
    if ((b.receive ?? true) !== (h.receive ?? true)) {
      const off = h.receive === false;
      add({
        category: "dns",
        kind: "modify",
        subject: n,
        detail: `MX ${off ? "on" : "off"} -> ${off ? "off" : "on"} (inbound mail ${off ? "stops reaching SES" : "moves to SES"})`,
        departments: [],
        orgWide: true,
        destructive: off ? `receive is turned off for ${n}: its MX record and receipt rules are removed, so mail to every address @${n} stops being delivered (point the MX at another provider first, then pass --allow-destructive)` : undefined,
      });
    }
    for (const f of ["mail_from", "hosted_zone_id", "bimi_logo_url"] as const) {
      if ((b[f] ?? "") === (h[f] ?? "")) continue;
      const zoneLost = f === "hosted_zone_id" && b.hosted_zone_id !== undefined;
      add({
        category: "dns",
        kind: "modify",
        subject: n,
        detail: `${f} ${b[f] ?? "none"} -> ${h[f] ?? "none"}`,
        departments: [],
        orgWide: true,
        destructive: zoneLost
          ? `hosted_zone_id of ${n} is ${h.hosted_zone_id ? `changed from ${b.hosted_zone_id} to ${h.hosted_zone_id}` : `removed (was ${b.hosted_zone_id})`}: every mail record of ${n} in zone ${b.hosted_zone_id} (MX, SPF, DKIM, MAIL FROM, DMARC) is destroyed, which prevent_destroy does not stop for a removed block, and mail to and from ${n} fails until they exist again (create the records elsewhere first, then pass --allow-destructive)`
          : undefined,
      });
    }
  }

  // Organisation-wide settings.
  const bo = base.org.organisation;
  const ho = head.org.organisation;
  if ((bo.catch_all ?? "") !== (ho.catch_all ?? "")) {
    add({
      category: "organisation",
      kind: ho.catch_all ? (bo.catch_all ? "modify" : "create") : "delete",
      subject: "catch_all",
      detail: `${bo.catch_all ?? "none"} -> ${ho.catch_all ?? "none"}`,
      departments: [],
      orgWide: true,
      destructive: ho.catch_all ? undefined : "the catch-all is removed: mail to mistyped addresses will be rejected",
    });
  }
  const baseId = orgSlug(base.org);
  const headId = orgSlug(head.org);
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
    if (String(bo[f] ?? "") !== String(ho[f] ?? "")) {
      add({ category: "organisation", kind: "modify", subject: f, detail: `${bo[f] ?? "none"} -> ${ho[f] ?? "none"}`, departments: [], orgWide: true, destructive: destructiveSetting(f) });
    }
  }
  const ow = setDiff((bo.owners ?? []).slice().sort(), (ho.owners ?? []).slice().sort());
  if (ow.added.length || ow.removed.length) add({ category: "organisation", kind: "modify", subject: "owners", detail: `${fmt(bo.owners ?? []) || "none"} -> ${fmt(ho.owners ?? []) || "none"}`, departments: [], orgWide: true });

  // Sending restrictions (declared and effective).
  const sect = (category: string, subject: string, a: readonly string[], b: readonly string[], effA?: string[], effB?: string[]): void => {
    const dd = setDiff(a, b);
    const ee = effA && effB ? setDiff(effA, effB) : { added: [], removed: [] };
    if (dd.added.length || dd.removed.length || ee.added.length || ee.removed.length) {
      const parts: string[] = [];
      if (dd.added.length) parts.push(`adds ${fmt(dd.added)}`);
      if (dd.removed.length) parts.push(`removes ${fmt(dd.removed)}`);
      if (ee.added.length) parts.push(`now covers ${fmt(ee.added)}`);
      if (ee.removed.length) parts.push(`no longer covers ${fmt(ee.removed)}`);
      add({ category, kind: "modify", subject, detail: parts.join("; "), departments: [], orgWide: true });
    }
  };
  const bs = base.org.sending;
  const hs = head.org.sending;
  sect("sending", "allowed_ip_ranges", list(bs.allowed_ip_ranges), list(hs.allowed_ip_ranges));
  sect("sending", "exempt", list(bs.exempt), list(hs.exempt), base.index.expand(bs.exempt ?? []), head.index.expand(hs.exempt ?? []));
  sect("internal only", "sending.internal_only", list(bs.internal_only), list(hs.internal_only), base.index.expand(bs.internal_only ?? []), head.index.expand(hs.internal_only ?? []));
  for (const name of [...new Set([...Object.keys(base.org.ip_ranges), ...Object.keys(head.org.ip_ranges)])].sort()) {
    sect("ip ranges", name, list(base.org.ip_ranges[name]), list(head.org.ip_ranges[name]));
  }
  sect("inbound", "inbound.blocked", list(base.org.inbound.blocked), list(head.org.inbound.blocked));
  sect("inbound", "inbound.allowed", list(base.org.inbound.allowed), list(head.org.inbound.allowed));

  // Backups and signatures.
  const bb = byKey(base.org.backups, (b) => b.name);
  const hb = byKey(head.org.backups, (b) => b.name);
  for (const n of keys(bb, hb)) {
    const b = bb.get(n);
    const h = hb.get(n);
    if (JSON.stringify(b) === JSON.stringify(h)) continue;
    add({
      category: "backups",
      kind: !b ? "create" : !h ? "delete" : "modify",
      subject: n,
      detail: !b ? `copies to ${h!.to}` : !h ? "removed" : `changed (to ${b.to} -> ${h.to})`,
      departments: [],
      orgWide: true,
      destructive: b && !h ? `backup rule ${n} is removed: matching mail is no longer copied to ${canon(b.to)} (copies already made stay; keep the rule, or pass --allow-destructive once the retention obligation has ended)` : undefined,
    });
  }
  const bsg = byKey(base.org.signatures, (s) => s.id);
  const hsg = byKey(head.org.signatures, (s) => s.id);
  for (const n of keys(bsg, hsg)) {
    if (JSON.stringify(bsg.get(n)) === JSON.stringify(hsg.get(n))) continue;
    add({ category: "signatures", kind: !bsg.has(n) ? "create" : !hsg.has(n) ? "delete" : "modify", subject: n, detail: !bsg.has(n) ? "added" : !hsg.has(n) ? "removed" : "template changed", departments: [], orgWide: true });
  }
  return out;
}

/** An org with nothing in it, as the base of a repository's first commit. */
export function emptyOrg(like: Org): Org {
  return { organisation: like.organisation, domains: [], departments: [], members: [], groups: [], mailboxes: [], ip_ranges: {}, sending: {}, inbound: {}, backups: [], signatures: [] };
}
