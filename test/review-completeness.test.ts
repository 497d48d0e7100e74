/**
 * Completeness of review as an invariant: every property path of schemas/org.schema.json is changed, one at a
 * time, in an org that uses every path; whenever the MailPlan (what synthesis renders: stacks, the routing
 * table, delivery targets) changes, `diff` must name the change and `approvers` must require an approval.
 * A schema field added later fails this file until it has a mutation here and a named comparison in
 * review/diff.ts (DIFF_FIELDS). In-process, on the plan, so the whole walk takes seconds.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { formatDiagnostic } from "../model/diagnostics.ts";
import { OrgIndex } from "../model/org-index.ts";
import type { Org } from "../model/org.ts";
import { planOrg } from "../plan/plan.ts";
import { validatePlan } from "../plan/validate.ts";
import { requiredApprovals } from "../review/approvers.ts";
import { DIFF_FIELDS, diffOrgs, diffSides, type Change, type OrgSide } from "../review/diff.ts";
import { readTree, ROOT, writeOrg } from "./helpers.ts";

const TODAY = "2026-06-01";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type SchemaNode = { $ref?: string; type?: string; properties?: Record<string, SchemaNode>; items?: SchemaNode; additionalProperties?: SchemaNode | boolean; anyOf?: SchemaNode[]; enum?: Json[] };

/** Every property path of the schema ("members[].forward.keep_copy", "ip_ranges.*"), with the `$defs` entity that declares it. */
function schemaPaths(): Map<string, { entity: string; node: SchemaNode }> {
  const schema = JSON.parse(readFileSync(join(ROOT, "schemas/org.schema.json"), "utf8")) as SchemaNode & { $defs: Record<string, SchemaNode> };
  const out = new Map<string, { entity: string; node: SchemaNode }>();
  const deref = (n: SchemaNode): [SchemaNode, string | undefined] => (n.$ref ? [schema.$defs[n.$ref.replace("#/$defs/", "")]!, n.$ref.replace("#/$defs/", "")] : [n, undefined]);
  const walk = (node: SchemaNode, path: string, entity: string, seen: readonly string[]): void => {
    const [n, def] = deref(node);
    if (def && seen.includes(def)) return;
    const within = def ? [...seen, def] : seen;
    for (const [k, child] of Object.entries(n.properties ?? {})) {
      const p = path ? `${path}.${k}` : k;
      out.set(p, { entity: def ?? entity, node: deref(child)[0] });
      walk(child, p, `${def ?? entity}.${k}`, within);
    }
    if (n.items) walk(n.items, `${path}[]`, entity, within);
    if (typeof n.additionalProperties === "object") {
      out.set(`${path}.*`, { entity: def ?? entity, node: n.additionalProperties });
      walk(n.additionalProperties, `${path}.*`, entity, within);
    }
    for (const alt of n.anyOf ?? []) walk(alt, path, entity, within);
  };
  walk(schema, "", "file", []);
  return out;
}

/** An org that uses every path of the schema. */
function richOrg(): Record<string, Json> {
  const template = (kind: string) => `<p>{{name}}{{#if title}}, {{title}}{{/if}}{{#if department}}, {{department}}{{/if}}{{#if phone}}, {{phone}}{{/if}} (${kind})</p>`;
  return {
    organisation: {
      name: "Rich Co",
      id: "rich-co",
      timezone: "Europe/Paris",
      region: "eu-west-1",
      default_department: "hq",
      catch_all: "lost@example.com",
      retention_days: 365,
      max_message_size_mb: 40,
      owners: ["@rich/owners"],
      address_book: { hide: ["dmarc@example.com"] },
      state: { bucket: "rich-state", region: "eu-west-1", key_prefix: "mail", role_arn: "arn:aws:iam::123456789012:role/state", kms_key_id: "arn:aws:kms:eu-west-1:123456789012:key/abc" },
      delivery: { relay: { host: "mx.corp.example.com", port: 587, tls: "required", auth_secret: "mailorg/relay" } },
    },
    domains: [
      {
        name: "example.com", hosted_zone_id: "Z0123ABC", receive: true, mail_from: "mail", dmarc: { policy: "reject", rua: ["dmarc@example.com"], ruf: ["dmarc@example.com"], pct: 100, sp: "reject", adkim: "s", aspf: "s", fo: "1" }, bimi_logo_url: "https://www.example.com/logo.svg", tls_rpt: ["mailto:tlsrpt@example.com"],
        spf: { include: ["_spf.google.com"], ip4: ["192.0.2.10"], ip6: ["2001:db8::10"], all: "softfail" }, txt: ["google-site-verification=abc123"],
      },
      { name: "example.net", hosted_zone_id: "Z0456DEF", receive: false, dmarc: { policy: "quarantine", pct: 100 } },
    ],
    departments: [
      { id: "hq", name: "Head Office", admins: ["@rich/hq"] },
      { id: "sales", name: "Sales", parent: "hq", admins: ["@rich/sales"] },
      { id: "hr", name: "HR", parent: "hq" },
      { id: "ops", name: "Ops", parent: "hq", admins: ["@rich/ops"] },
    ],
    members: [
      { address: "ann@example.com", name: "Ann", departments: ["sales"], title: "Lead", phone: "+33 1 23", aliases: ["a@example.com"], status: "active", internal_only: false, blocked_senders: ["spam.example.org"], signature: "long", forward: { to: ["ann@partner.example.org"], keep_copy: true } },
      { address: "bob@example.com", name: "Bob", departments: ["hq"] },
      { address: "cat@example.com", name: "Cat", departments: ["sales"], status: "departed", forward_to: ["bob@example.com"] },
      { address: "dan@example.com", name: "Dan", status: "disabled" },
      { address: "eve@example.com", name: "Eve", departments: ["hr"], internal_only: true },
      { address: "dmarc@example.com", name: "Reports", departments: ["hq"] },
    ],
    groups: [
      { address: "all@example.com", name: "Everyone", description: "the whole company", members: ["department:hq"], senders: ["department:sales"] },
      { address: "sales-team@example.com", name: "Sales team", members: ["ann@example.com", "bob@example.com"] },
    ],
    mailboxes: [
      { address: "hr@example.com", name: "HR", department: "hr", delegates: [{ member: "bob@example.com", until: "2026-12-31" }] },
      { address: "archive@example.com", name: "Archive" },
      { address: "lost@example.com", name: "Lost and found" },
      { address: "info@example.com", name: "Info" },
    ],
    ip_ranges: { office: ["192.0.2.0/24"], vpn: ["198.51.100.7"] },
    sending: { allowed_ip_ranges: ["office"], exempt: ["bob@example.com"], internal_only: ["department:hr"] },
    inbound: { blocked: ["junk.example.org", "203.0.113.0/24"], allowed: ["partner.example.org"] },
    backups: [{ name: "legal-hold", to: "archive@example.com", match: { recipients: ["ann@example.com"], senders: ["partner.example.org"] } }],
    signatures: [
      { id: "standard", applies_to: ["department:hq"], html: template("html"), text: "{{name}} {{department}}" },
      { id: "long", html: template("long"), text: "{{name}} {{title}} {{phone}}" },
      { id: "unused", html: "<p>{{name}}</p>", text: "{{name}}" },
    ],
  };
}

const DELETE = Symbol("delete");
/**
 * One edit: a JSON pointer into richOrg() and its new value (or DELETE); with "host", into hostOrg(), for the
 * paths that exclude others (a mailbox host is the relay target, so it cannot sit beside delivery.relay); with
 * "reply", into replyOrg().
 */
type Mutation = readonly [pointer: string, value: Json | typeof DELETE, base?: "host" | "reply"];

/** richOrg() with its own mailbox host instead of the company's relay. */
function hostOrg(): Record<string, Json> {
  const org = richOrg();
  const o = org.organisation as Record<string, Json>;
  // While mail moves, a second copy of two members' mail to the old provider (beside the host, not instead of it).
  o.delivery = { also: { host: "smtp-relay.gmail.com", port: 587, tls: "required", auth_secret: "mailorg/google", members: ["ann@example.com", "bob@example.com"] } };
  o.mailbox_host = { hostname: "mail.example.com", instance_type: "t4g.small", volume_gb: 50, backup_retention_days: 35, default_quota_mb: 2048, webmail: { logo: "https://www.example.com/logo.svg" } };
  return org;
}

/** hostOrg() with the org's auto-reply for a member and a welcome letter (both need the host, so they cannot sit in hostOrg() itself, whose host an edit removes). */
function replyOrg(): Record<string, Json> {
  const org = hostOrg();
  (org.members as Record<string, Json>[])[1]!.auto_reply = { subject: "Away", body: "Back on Monday", until: "2026-12-31" };
  (org.organisation as Record<string, Json>).welcome = { subject: "Welcome, {{name}}", text: "Log in at https://{{hostname}}/", html: "<p>Welcome, {{name}}</p>" };
  return org;
}

/** At least one edit per schema path (the path is read from the pointer: indexes become [], ip_ranges keys *). */
const MUTATIONS: readonly Mutation[] = [
  ["/organisation", { name: "Rich Co", region: "eu-west-1", default_department: "hq", owners: ["@rich/owners"] }],
  ["/organisation/name", "Rich Company"],
  ["/organisation/id", "rich-company"],
  ["/organisation/timezone", "Asia/Shanghai"],
  ["/organisation/region", "us-east-1"],
  ["/organisation/default_department", "sales"],
  ["/organisation/catch_all", "archive@example.com"],
  ["/organisation/retention_days", 400],
  ["/organisation/max_message_size_mb", 30],
  ["/organisation/owners", ["@someone-else"]],
  ["/organisation/state", DELETE],
  ["/organisation/state/bucket", "other-state"],
  ["/organisation/state/region", "eu-central-1"],
  ["/organisation/state/key_prefix", "mail/v2"],
  ["/organisation/state/role_arn", "arn:aws:iam::123456789012:role/other"],
  ["/organisation/state/kms_key_id", DELETE],
  ["/organisation/mailbox_host", DELETE, "host"],
  ["/organisation/mailbox_host/hostname", "imap.example.com", "host"],
  ["/organisation/mailbox_host/instance_type", "t4g.medium", "host"],
  ["/organisation/mailbox_host/volume_gb", 100, "host"],
  ["/organisation/mailbox_host/backup_retention_days", 90, "host"],
  ["/organisation/mailbox_host/default_quota_mb", 4096, "host"],
  ["/organisation/delivery/also", DELETE, "host"],
  ["/organisation/delivery/also/host", "smtp.old-provider.example.net", "host"],
  ["/organisation/delivery/also/port", 2587, "host"],
  ["/organisation/delivery/also/auth_secret", DELETE, "host"],
  ["/organisation/delivery/also/members", ["ann@example.com"], "host"],
  ["/members/0/quota_mb", 8192, "host"],
  ["/organisation/mailbox_host/webmail", DELETE, "host"],
  ["/organisation/mailbox_host/webmail/logo", "https://www.example.com/new-logo.svg", "host"],
  ["/organisation/address_book", DELETE],
  ["/organisation/address_book/hide", ["department:sales"]],
  ["/organisation/welcome", DELETE, "reply"],
  ["/organisation/welcome/subject", "Hello {{name}}", "reply"],
  ["/organisation/welcome/html", "<p>Hello</p>", "reply"],
  ["/organisation/welcome/text", "Hello", "reply"],
  ["/members/1/auto_reply", DELETE, "reply"],
  ["/members/1/auto_reply/subject", "Out of office", "reply"],
  ["/members/1/auto_reply/body", "Write to ann@example.com", "reply"],
  ["/members/1/auto_reply/until", DELETE, "reply"],
  ["/organisation/delivery", DELETE],
  ["/organisation/delivery/relay", DELETE],
  ["/organisation/delivery/relay/host", "mx.elsewhere.example.net"],
  ["/organisation/delivery/relay/port", 25],
  ["/organisation/delivery/relay/auth_secret", DELETE],
  ["/domains", [{ name: "example.com" }]],
  ["/domains/1/name", "example.info"],
  ["/domains/1/hosted_zone_id", "Z0999XYZ"],
  ["/domains/1/receive", true],
  ["/domains/0/mail_from", "bounce"],
  ["/domains/0/dmarc", DELETE],
  ["/domains/0/dmarc/policy", "quarantine"],
  ["/domains/0/dmarc/rua", ["ann@example.com"]],
  ["/domains/1/dmarc/pct", 50],
  ["/domains/0/bimi_logo_url", "https://www.example.com/other.svg"],
  ["/domains/0/dmarc/ruf", ["ann@example.com"]],
  ["/domains/0/dmarc/sp", "quarantine"],
  ["/domains/0/dmarc/adkim", "r"],
  ["/domains/0/dmarc/aspf", "r"],
  ["/domains/0/dmarc/fo", "d:s"],
  ["/domains/0/tls_rpt", ["https://reports.example.com/tlsrpt"]],
  ["/domains/0/spf", DELETE],
  ["/domains/0/spf/include", ["spf.protection.outlook.com"]],
  ["/domains/0/spf/ip4", ["198.51.100.0/24"]],
  ["/domains/0/spf/ip6", ["2001:db8:1::/48"]],
  ["/domains/0/spf/all", "fail"],
  ["/domains/0/txt", ["ms=ms123456"]],
  ["/departments/3", DELETE],
  ["/departments/3/id", "operations"],
  ["/departments/1/name", "Sales and Marketing"],
  ["/departments/1/parent", DELETE],
  ["/departments/1/admins", ["@someone-else"]],
  ["/members/4", DELETE],
  ["/members/4/address", "eve.new@example.com"],
  ["/members/1/name", "Robert"],
  ["/members/1/departments", ["sales"]],
  ["/members/0/title", "Director"],
  ["/members/0/phone", "+33 9 87"],
  ["/members/0/aliases", ["ann.a@example.com"]],
  ["/members/3/status", "active"],
  ["/members/2/forward_to", ["hr@example.com"]],
  ["/members/1/internal_only", true],
  ["/members/0/blocked_senders", []],
  ["/members/0/signature", "standard"],
  ["/members/0/forward", DELETE],
  ["/members/0/forward/to", ["ann@elsewhere.example.org"]],
  ["/members/0/forward/keep_copy", false],
  ["/groups/1", DELETE],
  ["/groups/1/address", "sellers@example.com"],
  ["/groups/1/name", "Sellers"],
  ["/groups/0/description", "everyone"],
  ["/groups/1/members", ["ann@example.com"]],
  ["/groups/1/senders", "anyone"],
  ["/mailboxes/3", DELETE],
  ["/mailboxes/3/address", "hello@example.com"],
  ["/mailboxes/3/name", "Hello"],
  ["/mailboxes/0/department", "sales"],
  ["/mailboxes/0/delegates", DELETE],
  ["/mailboxes/0/delegates/0/member", "ann@example.com"],
  ["/mailboxes/0/delegates/0/until", "2027-01-31"],
  ["/ip_ranges", { office: ["192.0.2.0/25"], vpn: ["198.51.100.7"] }],
  ["/ip_ranges/office", ["198.51.100.0/24"]],
  ["/sending", DELETE],
  ["/sending/allowed_ip_ranges", DELETE],
  ["/sending/exempt", ["ann@example.com"]],
  ["/sending/internal_only", ["department:sales"]],
  ["/inbound", DELETE],
  ["/inbound/blocked", ["junk.example.org"]],
  ["/inbound/allowed", DELETE],
  ["/backups/0", DELETE],
  ["/backups/0/name", "legal-hold-2026"],
  ["/backups/0/to", "info@example.com"],
  ["/backups/0/match", { senders: ["partner.example.org"] }],
  ["/backups/0/match/recipients", ["department:hr"]],
  ["/backups/0/match/senders", DELETE],
  ["/signatures/2", DELETE],
  ["/signatures/2/id", "spare"],
  ["/signatures/0/applies_to", ["department:sales"]],
  ["/signatures/1/html", "<p>{{name}}</p>"],
  ["/signatures/1/text", "{{name}}"],
];

/** Paths whose schema admits one value only: nothing to change (a second allowed value makes this list wrong). */
const SINGLE_VALUED = ["organisation.delivery.relay.tls", "organisation.delivery.also.tls"];

/** Paths that change no deployed output, only who reviews or a label: the diff still names them. */
const REVIEW_ONLY = [
  "organisation.owners",
  "departments",
  "departments[].id",
  "departments[].admins",
  "groups[].description",
];
// Group and mailbox names and a mailbox's department are in the company address book (MailPlan.addressBook), so they change the plan.

/** Paths whose change sends mail somewhere else: named as rerouting and approved by the organisation owners. */
const REROUTING = [
  "organisation.mailbox_host",
  "organisation.mailbox_host.hostname",
  "organisation.catch_all",
  "organisation.delivery",
  "organisation.delivery.relay",
  "organisation.delivery.relay.host",
  "organisation.delivery.relay.port",
  "organisation.delivery.relay.auth_secret",
  "organisation.delivery.also",
  "organisation.delivery.also.host",
  "organisation.delivery.also.port",
  "organisation.delivery.also.auth_secret",
  "organisation.delivery.also.members",
  "members[].forward",
  "members[].forward.to",
  "members[].forward.keep_copy",
  "members[].forward_to",
  "backups",
  "backups[].to",
  "backups[].match",
  "backups[].match.recipients",
  "backups[].match.senders",
];

/** The schema path a pointer edits: indexes become [], a named IP range is ip_ranges.*; adding or removing a list element edits the list. */
const schemaPathOf = (pointer: string): string =>
  pointer
    .split("/")
    .slice(1)
    .reduce((p, seg, i, all) => (/^\d+$/.test(seg) ? (i === all.length - 1 ? p : `${p}[]`) : all[i - 1] === "ip_ranges" && i === 1 ? `${p}.*` : p ? `${p}.${seg}` : seg), "");

function mutate(org: Record<string, Json>, [pointer, value]: Mutation): Record<string, Json> {
  const copy = structuredClone(org);
  const segs = pointer.split("/").slice(1);
  const last = segs.pop()!;
  let at: Json = copy;
  for (const s of segs) at = (at as Record<string, Json>)[s]!;
  if (value === DELETE) {
    if (Array.isArray(at)) at.splice(Number(last), 1);
    else delete (at as Record<string, Json>)[last];
  } else (at as Record<string, Json>)[last] = value;
  return copy;
}

interface Side extends OrgSide {
  readonly plan: string;
}

function load(org: Record<string, Json>, what: string): Side {
  const dir = writeOrg({ "org.yaml": stringify(org) });
  const r = validatePlan(dir, { today: TODAY });
  const errors = r.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
  if (errors.length || !r.index || !r.plan) throw new Error(`${what} is not a valid org:\n${errors.join("\n")}`);
  return { org: r.org, index: r.index, plan: JSON.stringify(r.plan) };
}

interface Outcome {
  readonly path: string;
  readonly pointer: string;
  readonly planChanged: boolean;
  readonly changes: Change[];
  readonly scopes: string[];
}

let base: Side;
let outcomes: Outcome[];

beforeAll(() => {
  base = load(richOrg(), "richOrg()");
  const hostBase = load(hostOrg(), "hostOrg()");
  const replyBase = load(replyOrg(), "replyOrg()");
  outcomes = MUTATIONS.map((m) => {
    const [start, base] = m[2] === "host" ? [hostOrg(), hostBase] : m[2] === "reply" ? [replyOrg(), replyBase] : [richOrg(), baseSide()];
    const head = load(mutate(start, m), `the edit ${m[0]}`);
    const changes = diffSides(base, head, { today: TODAY });
    return { path: schemaPathOf(m[0]), pointer: m[0], planChanged: head.plan !== base.plan, changes, scopes: requiredApprovals(changes, { base, head }).map((r) => r.scope) };
  });
});

function baseSide(): Side {
  return base;
}

describe("review covers every path of the schema", () => {
  it("every schema path has an edit here (or admits a single value)", () => {
    const paths = schemaPaths();
    const mutated = new Set(MUTATIONS.map((m) => schemaPathOf(m[0])));
    const missing = [...paths.keys()].filter((p) => !mutated.has(p) && !SINGLE_VALUED.includes(p));
    expect(missing, "schema paths without an edit in MUTATIONS: add one, and a comparison in review/diff.ts").toEqual([]);
    expect([...mutated].filter((p) => !paths.has(p)), "edits of paths the schema does not have").toEqual([]);
    for (const p of SINGLE_VALUED) expect(paths.get(p)?.node.enum, p).toHaveLength(1);
  });

  it("every field of every entity has a named comparison in review/diff.ts (DIFF_FIELDS)", () => {
    const declared = new Map<string, string[]>();
    for (const [path, { entity }] of schemaPaths()) {
      if (path.endsWith(".*")) continue; // ip_ranges: named ranges, compared as a whole
      const name = path.slice(path.lastIndexOf(".") + 1).replace(/\[\]$/, "");
      declared.set(entity, [...(declared.get(entity) ?? []), name]);
    }
    const covered = DIFF_FIELDS as Record<string, readonly string[]>;
    const uncovered = [...declared].flatMap(([entity, names]) => names.filter((n) => !covered[entity]?.includes(n)).map((n) => `${entity}.${n}`));
    expect(uncovered, "fields only the generic comparison sees: give each a named comparison and add it to DIFF_FIELDS").toEqual([]);
  });

  it("the org uses every path, and each edit yields a valid org", () => {
    // beforeAll validated each one; this states how many were checked.
    expect(outcomes).toHaveLength(MUTATIONS.length);
  });

  it("an edit that changes the MailPlan appears in diff and needs an approval; so does every other edit", () => {
    const silent = outcomes.filter((o) => o.changes.length === 0).map((o) => o.pointer);
    expect(silent, "edits the diff does not show").toEqual([]);
    const unapproved = outcomes.filter((o) => o.scopes.length === 0).map((o) => o.pointer);
    expect(unapproved, "edits that need no approval").toEqual([]);
    // Every change needs someone: its departments' admins or the organisation owners.
    for (const o of outcomes) for (const c of o.changes) expect(c.departments.length > 0 || c.orgWide || c.destructive, `${o.pointer}: ${c.section} ${c.subject}`).toBe(true);
  });

  it("only the review-only paths leave the MailPlan as it was (so each edit is a real change of output)", () => {
    const unchanged = [...new Set(outcomes.filter((o) => !o.planChanged).map((o) => o.path))].sort();
    expect(unchanged).toEqual([...REVIEW_ONLY].sort());
  });

  it("rerouting edits are named as such and need the organisation owners, and a member's also their department's admins", () => {
    for (const o of outcomes.filter((x) => REROUTING.includes(x.path))) {
      expect(o.changes.some((c) => c.reroutes?.length), o.pointer).toBe(true);
      expect(o.scopes, o.pointer).toContain("organisation owners");
      if (o.path.startsWith("members[]")) expect(o.scopes.some((s) => s.startsWith("department ")), o.pointer).toBe(true);
    }
    // Nothing else is labelled as rerouting but a whole organisation section replaced (its relay and catch-all go),
    // a backup rule renamed (a new rule copies mail; a removed one, listed above, stops copying), an address taken
    // from the catch-all (a new alias, a group's new address) and the role address info@ removed or renamed.
    const others = outcomes.filter((o) => !REROUTING.includes(o.path) && o.changes.some((c) => c.reroutes)).map((o) => o.pointer);
    expect(others).toEqual(["/organisation", "/members/0/aliases", "/groups/1/address", "/mailboxes/3", "/mailboxes/3/address", "/backups/0/name"]);
  });

  it("authority edits (owners, admins) need the base side's organisation owners", () => {
    for (const p of ["organisation.owners", "departments[].admins"]) {
      const o = outcomes.find((x) => x.path === p)!;
      expect(o.scopes, p).toContain("organisation owners");
    }
  });

  it("a move of the state is destructive; a new role or key for it is not", () => {
    const destructive = (p: string) => outcomes.find((o) => o.pointer === p)!.changes.some((c) => c.destructive);
    for (const p of ["/organisation/state", "/organisation/state/bucket", "/organisation/state/region", "/organisation/state/key_prefix"]) expect(destructive(p), p).toBe(true);
    for (const p of ["/organisation/state/role_arn", "/organisation/state/kms_key_id"]) expect(destructive(p), p).toBe(false);
  });
});

describe("the MailPlan stands for the synthesised output", () => {
  it("the review-only edits, all at once, leave every synthesised stack byte-identical", async () => {
    // Synthesis renders the plan (buildStacks(app, plan)); this checks the review-only paths against the real
    // Terraform JSON, so a construct that read the org around the plan would show here.
    const { synthesize } = await import("../constructs/synth.ts");
    const reviewOnly = MUTATIONS.filter(([p]) => REVIEW_ONLY.includes(schemaPathOf(p)) && p !== "/departments/3");
    expect(reviewOnly.map(([p]) => schemaPathOf(p)).sort()).toEqual(REVIEW_ONLY.filter((p) => p !== "departments").sort());
    const edited = reviewOnly.reduce((org, m) => mutate(org, m), richOrg());
    const out = (org: Record<string, Json>) => {
      const dir = writeOrg({ "org/org.yaml": stringify(org) });
      synthesize({ orgDir: join(dir, "org"), outDir: join(dir, "out"), today: TODAY });
      return readTree(join(dir, "out", "stacks"));
    };
    const before = out(richOrg());
    const after = out(edited);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const f of Object.keys(before)) expect(after[f] === before[f], f).toBe(true);
    // While an edit that changes the plan changes the stacks (the comparison can fail).
    const rerouted = out(mutate(richOrg(), ["/organisation/delivery/relay/host", "mx.elsewhere.example.net"]));
    expect(Object.keys(before).filter((f) => rerouted[f] !== before[f]).map((f) => f.replace(/\/assets\/.*$/, "/assets/…"))).toEqual(["inbound/assets/…", "inbound/cdk.tf.json"]);
  }, 180_000);
});

describe("a field without a named comparison is still shown", () => {
  it("compares it as written, under its entity, approved like the entity", () => {
    const side = (extra: Record<string, unknown>): OrgSide => {
      const s = load(richOrg(), "richOrg()");
      const org = structuredClone(s.org) as Org;
      Object.assign(org.members[1]!, extra);
      Object.assign(org.organisation, extra);
      return { org, index: new OrgIndex(org) };
    };
    const changes = diffOrgs(side({ nickname: "Bobby" }), side({ nickname: "Rob" }), { today: TODAY });
    expect(changes.map((c) => [c.section, c.subject, c.field, c.before, c.after, c.orgWide])).toEqual([
      ["Members", "bob@example.com", "nickname", "Bobby", "Rob", false],
      ["Organisation", "organisation", "nickname", "Bobby", "Rob", true],
    ]);
    expect(planOrg(side({}).org, side({}).index, { today: TODAY }).organisation.name).toBe("Rich Co");
  });
});
