/**
 * diffOrgs in process, section by section: each test edits one base org and checks the whole list of
 * changes it yields (subjects, kinds, values, owners, what is destructive and why, how addresses are reached),
 * then the helpers review builds on (recipientPaths, sendingRights, groupDepartments, addressesOf).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { OrgIndex } from "../model/org-index.ts";
import { validateOrg } from "../model/validate.ts";
import { addressesOf, diffOrgs, emptyOrg, groupDepartments, recipientPaths, sendingRights, setDiff, type Change, type OrgSide } from "../review/diff.ts";
import { renderMarkdown } from "../review/render.ts";
import { planOrg } from "../plan/plan.ts";
import { BASE_ORG, writeOrg } from "./helpers.ts";

const BASE = `organisation:
  name: Diff Co
  region: eu-west-1
  default_department: hq
  catch_all: lost@example.com
  owners: ["@dc/owners"]
  retention_days: 365
  max_message_size_mb: 40
domains:
  - { name: example.com, hosted_zone_id: Z111, dmarc: { policy: quarantine, pct: 100 } }
  - { name: example.net }
  - { name: old.example, receive: false }
departments:
  - { id: hq, name: HQ, admins: ["@dc/hq"] }
  - { id: sales, name: Sales, parent: hq, admins: ["@dc/sales"] }
  - { id: ops, name: Ops, parent: hq }
  - { id: unused, name: Unused, parent: hq }
members:
  - { address: ann@example.com, name: Ann, departments: [sales], aliases: [a@example.com], signature: std }
  - { address: bob@example.com, name: Bob, departments: [ops] }
  - { address: cat@example.com, name: Cat, departments: [sales] }
  - { address: dan@example.com, name: Dan, departments: [ops], status: departed, forward_to: [bob@example.com] }
mailboxes:
  - { address: lost@example.com, name: Lost }
  - { address: info@example.net, name: Info }
  - { address: desk@example.com, name: Desk, department: ops, delegates: [{ member: bob@example.com }, { member: ann@example.com, until: "2026-12-31" }] }
groups:
  - { address: sales@example.com, name: Sales, members: [department:sales], senders: [bob@example.com] }
  - { address: all@example.com, name: All, members: [sales@example.com, bob@example.com] }
  - { address: one@example.com, name: One, members: [bob@example.com], senders: members }
ip_ranges:
  office: [192.0.2.0/24]
sending:
  allowed_ip_ranges: [office]
  exempt: [ann@example.com]
  internal_only: [department:ops]
inbound:
  blocked: [spam.example]
  allowed: [friend.example]
backups:
  - { name: hold, to: lost@example.com, match: { recipients: [department:sales], senders: [bank.example] } }
signatures:
  - { id: std, html: "<p>{{name}}</p>", text: "{{name}}" }
  - { id: old, html: "<p>old</p>", text: "old" }
`;

const TODAY = "2026-06-01";

/** A valid org's side of a diff (rules: [] skips the semantic rules, for a shape they would refuse). */
function side(yaml: string, rules?: []): OrgSide {
  const r = validateOrg(writeOrg({ "org.yaml": yaml }), { today: TODAY, ...(rules ? { rules } : {}) });
  expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  return { org: r.org, index: r.index! };
}

/** BASE with each [from, to] replacement applied (every `from` must occur). */
function edit(...pairs: [string, string][]): string {
  let y = BASE;
  for (const [from, to] of pairs) {
    expect(y, `edit target ${from}`).toContain(from);
    y = y.replace(from, to);
  }
  return y;
}

let base: OrgSide;
beforeAll(() => {
  base = side(BASE);
});

const diff = (head: string | OrgSide, from: OrgSide = base): Change[] => diffOrgs(from, typeof head === "string" ? side(head) : head, { today: TODAY });
const only = (changes: Change[], ...sections: string[]): Change[] => changes.filter((c) => sections.includes(c.section));
const own = (...departments: string[]) => ({ departments, orgWide: false });
const WIDE = { departments: [] as string[], orgWide: true };
/** Whose mail a catch-all or an unrestricted backup reroutes: every address of each receiving domain. */
const ANY = ["*@example.com", "*@example.net"];

describe("diff: members, aliases, credentials", () => {
  it("lists every change to people, and refuses a removal without departure and a removal of more than 30%", () => {
    const head = edit(
      ["  - { address: cat@example.com, name: Cat, departments: [sales] }\n", ""],
      ["  - { address: dan@example.com, name: Dan, departments: [ops], status: departed, forward_to: [bob@example.com] }\n", "  - { address: eve@example.com, name: Eve, departments: [ops], aliases: [e@example.com] }\n"],
      ["{ address: bob@example.com, name: Bob, departments: [ops] }", "{ address: bob@example.com, name: Bob, departments: [ops], status: disabled, internal_only: true, blocked_senders: [Spam.Example] }"],
      ["departments: [sales], aliases: [a@example.com], signature: std", "departments: [sales, ops], aliases: [ann.b@example.com]"],
    );
    const changes = diff(head);
    expect(only(changes, "Members", "Aliases", "Internal only", "Blocked senders", "Credentials")).toEqual([
      { section: "Aliases", kind: "create", subject: "ann.b@example.com", before: null, after: "ann@example.com", ...own("ops", "sales"), destructive: false },
      { section: "Aliases", kind: "delete", subject: "a@example.com", before: "ann@example.com", after: null, ...own("ops", "sales"), destructive: false },
      { section: "Members", subject: "ann@example.com", kind: "modify", field: "departments", before: ["sales"], after: ["sales", "ops"], ...own("ops", "sales"), destructive: false },
      { section: "Members", subject: "ann@example.com", kind: "modify", field: "signature", before: "std", after: "", ...own("ops", "sales"), destructive: false },
      { section: "Members", subject: "bob@example.com", kind: "modify", field: "status", before: "active", after: "disabled", ...own("ops"), destructive: false },
      { section: "Internal only", subject: "bob@example.com", kind: "modify", field: "internal_only", before: false, after: true, ...own("ops"), destructive: false },
      { section: "Blocked senders", subject: "bob@example.com", kind: "modify", field: "blocked_senders", before: [], after: ["spam.example"], ...own("ops"), destructive: false },
      {
        section: "Members", kind: "delete", subject: "cat@example.com", before: { departments: ["sales"], status: "active" }, after: null, ...own("sales"),
        reason: "member cat@example.com is removed without having been departed first (set status: departed and forward_to in an earlier change)", destructive: true,
      },
      { section: "Members", kind: "delete", subject: "dan@example.com", before: { departments: ["ops"], status: "departed" }, after: null, ...own("ops"), destructive: false },
      { section: "Members", kind: "create", subject: "eve@example.com", before: null, after: { departments: ["ops"], status: "active" }, ...own("ops"), destructive: false },
      { section: "Aliases", kind: "create", subject: "e@example.com", before: null, after: "eve@example.com", ...own("ops"), destructive: false },
      {
        section: "Members", kind: "delete", subject: "members", field: "count", before: 4, after: 2, ...WIDE,
        reason: "2 of 4 members (50%) are removed at once; more than 30% needs --allow-destructive", destructive: true,
      },
      { section: "Credentials", subject: "bob@example.com", kind: "modify", field: "status", before: "active", after: "disabled", ...own("ops"), destructive: false },
      { section: "Credentials", kind: "delete", subject: "cat@example.com", before: { status: "active", stack: expect.stringMatching(/^sending-\d\d$/) }, after: null, ...own("sales"), destructive: false },
      { section: "Credentials", kind: "create", subject: "eve@example.com", before: null, after: { status: "active", stack: expect.stringMatching(/^sending-\d\d$/) }, ...own("ops"), destructive: false },
      { section: "Internal only", kind: "modify", subject: "sending.internal_only", field: "covers", before: ["bob@example.com"], after: ["ann@example.com", "bob@example.com", "eve@example.com"], via: { "ann@example.com": "through department ops", "eve@example.com": "through department ops" }, ...WIDE, destructive: false },
    ]);
    expect(only(changes, "Group recipients", "Backups")).toEqual([
      { section: "Group recipients", kind: "modify", subject: "all@example.com", field: "recipients", before: ["ann@example.com", "bob@example.com", "cat@example.com"], after: ["ann@example.com", "bob@example.com"], via: { "cat@example.com": "no longer in the org" }, ...own("ops", "sales"), destructive: false },
      { section: "Group recipients", kind: "modify", subject: "sales@example.com", field: "recipients", before: ["ann@example.com", "cat@example.com"], after: ["ann@example.com"], via: { "cat@example.com": "no longer in the org" }, ...own("sales"), destructive: false },
      { section: "Backups", kind: "modify", subject: "hold", field: "recipients", before: ["ann@example.com", "cat@example.com"], after: ["ann@example.com"], via: { "cat@example.com": "no longer in the org" }, ...WIDE, reroutes: ["ann@example.com", "cat@example.com"], destructive: false },
    ]);
    expect(only(changes, "Sending rights")).toEqual([
      {
        section: "Sending rights", subject: "ann@example.com", kind: "modify", field: "rights",
        before: ["may not mail one@example.com", "may not mail sales@example.com", "send as a@example.com", "send as desk@example.com before 2027-01-01T00:00:00Z"],
        after: ["internal recipients only", "may not mail one@example.com", "may not mail sales@example.com", "send as ann.b@example.com", "send as desk@example.com before 2027-01-01T00:00:00Z"],
        ...own("ops", "sales"), destructive: false,
      },
    ]);
  });

  it("a member's name, title, phone and forward_to; a departure revokes the credentials", () => {
    const head = edit(
      ["name: Ann,", "name: Ann B, title: Boss, phone: '+1 555',"],
      ["status: departed, forward_to: [bob@example.com] }", "status: departed, forward_to: [lost@example.com, bob@example.com] }"],
      ["{ address: cat@example.com, name: Cat, departments: [sales] }", "{ address: cat@example.com, name: Cat, departments: [sales], status: departed, forward_to: [ann@example.com] }"],
    );
    const changes = diff(head);
    expect(only(changes, "Group recipients", "Backups")).toEqual([
      { section: "Group recipients", kind: "modify", subject: "all@example.com", field: "recipients", before: ["ann@example.com", "bob@example.com", "cat@example.com"], after: ["ann@example.com", "bob@example.com"], via: { "cat@example.com": "departed" }, ...own("ops", "sales"), destructive: false },
      { section: "Group recipients", kind: "modify", subject: "sales@example.com", field: "recipients", before: ["ann@example.com", "cat@example.com"], after: ["ann@example.com"], via: { "cat@example.com": "departed" }, ...own("sales"), destructive: false },
    ]);
    expect(only(changes, "Members", "Credentials")).toEqual([
      { section: "Members", subject: "ann@example.com", kind: "modify", field: "name", before: "Ann", after: "Ann B", ...own("sales"), destructive: false },
      { section: "Members", subject: "ann@example.com", kind: "modify", field: "title", before: "", after: "Boss", ...own("sales"), destructive: false },
      { section: "Members", subject: "ann@example.com", kind: "modify", field: "phone", before: "", after: "+1 555", ...own("sales"), destructive: false },
      { section: "Members", subject: "cat@example.com", kind: "modify", field: "status", before: "active", after: "departed", ...own("sales"), destructive: false },
      { section: "Members", subject: "cat@example.com", kind: "modify", field: "forward_to", before: [], after: ["ann@example.com"], ...own("sales"), orgWide: true, reroutes: ["cat@example.com"], destructive: false },
      { section: "Members", subject: "dan@example.com", kind: "modify", field: "forward_to", before: ["bob@example.com"], after: ["bob@example.com", "lost@example.com"], ...own("ops"), orgWide: true, reroutes: ["dan@example.com"], destructive: false },
      { section: "Credentials", kind: "delete", subject: "cat@example.com", before: { status: "active", stack: expect.stringMatching(/^sending-\d\d$/) }, after: null, ...own("sales"), destructive: false },
    ]);
  });

  it("the removal guard counts more than 30% of the members, not 30% exactly", () => {
    const people = (n: number) => `members:\n${Array.from({ length: n }, (_, i) => `  - { address: m${i}@example.com, name: M${i} }\n`).join("")}`;
    const ten = side(BASE_ORG + people(10));
    const guard = (kept: number) => diffOrgs(ten, side(BASE_ORG + people(kept)), { today: TODAY }).filter((c) => c.subject === "members");
    expect(guard(7)).toEqual([]);
    expect(guard(6)).toEqual([{ section: "Members", kind: "delete", subject: "members", field: "count", before: 10, after: 6, ...WIDE, reason: "4 of 10 members (40%) are removed at once; more than 30% needs --allow-destructive", destructive: true }]);
  });

  it("from an empty org (a repository's first commit) everything is created and nothing is refused", () => {
    const empty = { org: emptyOrg(base.org), index: new OrgIndex(emptyOrg(base.org)) };
    const changes = diff(base, empty);
    expect(changes.filter((c) => c.destructive)).toEqual([]);
    expect(changes.filter((c) => c.section === "Members").map((c) => [c.kind, c.subject])).toEqual([["create", "ann@example.com"], ["create", "bob@example.com"], ["create", "cat@example.com"], ["create", "dan@example.com"]]);
    expect(changes.filter((c) => c.section === "Credentials").map((c) => [c.kind, c.subject])).toEqual([["create", "ann@example.com"], ["create", "bob@example.com"], ["create", "cat@example.com"]]);
    expect(emptyOrg(base.org)).toEqual({ organisation: base.org.organisation, domains: [], departments: [], members: [], groups: [], mailboxes: [], ip_ranges: {}, sending: {}, inbound: {}, backups: [], signatures: [] });
  });

  it("reports nothing for the same org", () => {
    expect(diff(BASE)).toEqual([]);
  });
});

describe("diff: groups, mailboxes and delegations", () => {
  it("creation, membership, recipients and senders of groups; mailboxes and delegations", () => {
    const head = edit(
      ["  - { address: all@example.com, name: All, members: [sales@example.com, bob@example.com] }\n", "  - { address: ops@example.com, name: Ops, members: [department:ops], senders: anyone }\n"],
      ["members: [department:sales], senders: [bob@example.com]", "members: [department:sales, bob@example.com], senders: [cat@example.com, desk@example.com]"],
      ["  - { address: lost@example.com, name: Lost }\n", "  - { address: lost@example.com, name: Lost }\n  - { address: help@example.net, name: Help, department: sales }\n"],
      ['department: ops, delegates: [{ member: bob@example.com }, { member: ann@example.com, until: "2026-12-31" }]', 'department: sales, delegates: [{ member: ann@example.com, until: "2027-03-31" }, { member: cat@example.com }]'],
    );
    const changes = diff(head);
    expect(only(changes, "Groups", "Group recipients", "Group senders", "Mailboxes", "Delegations")).toEqual([
      {
        section: "Groups", kind: "delete", subject: "all@example.com", before: { members: ["bob@example.com", "sales@example.com"], recipients: ["ann@example.com", "bob@example.com", "cat@example.com"], senders: "organisation" }, after: null, ...own("ops", "sales"),
        reason: "group all@example.com is removed: mail to it will go to the catch-all lost@example.com instead of reaching its 3 recipients (keep the group, or remove it after telling its senders)", destructive: true,
      },
      { section: "Groups", kind: "create", subject: "ops@example.com", before: null, after: { members: ["department:ops"], recipients: ["bob@example.com"], senders: "anyone" }, ...own("ops"), destructive: false },
      { section: "Groups", subject: "sales@example.com", kind: "modify", field: "members", before: ["department:sales"], after: ["bob@example.com", "department:sales"], ...own("ops", "sales"), destructive: false },
      { section: "Group recipients", kind: "modify", subject: "sales@example.com", field: "recipients", before: ["ann@example.com", "cat@example.com"], after: ["ann@example.com", "bob@example.com", "cat@example.com"], via: { "bob@example.com": "listed" }, ...own("ops", "sales"), destructive: false },
      { section: "Group senders", subject: "sales@example.com", kind: "modify", field: "senders", before: ["bob@example.com"], after: ["cat@example.com", "desk@example.com"], ...own("ops", "sales"), destructive: false },
      { section: "Group senders", kind: "modify", subject: "sales@example.com", field: "may mail", before: ["bob@example.com"], after: ["cat@example.com", "desk@example.com"], via: { "cat@example.com": "listed", "desk@example.com": "listed", "bob@example.com": "no longer listed" }, ...own("ops", "sales"), destructive: false },
      { section: "Delegations", kind: "modify", subject: "desk@example.com", field: "delegate", before: { member: "ann@example.com", until: "2026-12-31" }, after: { member: "ann@example.com", until: "2027-03-31" }, ...own("ops", "sales"), destructive: false },
      { section: "Delegations", kind: "delete", subject: "desk@example.com", field: "delegate", before: { member: "bob@example.com", until: null }, after: null, ...own("ops", "sales"), destructive: false },
      { section: "Delegations", kind: "create", subject: "desk@example.com", field: "delegate", before: null, after: { member: "cat@example.com", until: null }, ...own("ops", "sales"), destructive: false },
      { section: "Mailboxes", subject: "desk@example.com", kind: "modify", field: "department", before: "ops", after: "sales", ...own("ops", "sales"), destructive: false },
      { section: "Mailboxes", kind: "create", subject: "help@example.net", before: null, after: { department: "sales" }, ...own("sales"), destructive: false },
    ]);
    expect(only(changes, "Sending rights").map((c) => [c.subject, c.before, c.after])).toEqual([
      ["ann@example.com", ["may not mail one@example.com", "may not mail sales@example.com", "send as a@example.com", "send as desk@example.com before 2027-01-01T00:00:00Z"], ["may not mail one@example.com", "may not mail sales@example.com", "send as a@example.com", "send as desk@example.com before 2027-04-01T00:00:00Z"]],
      ["bob@example.com", ["internal recipients only", "send as desk@example.com", "send only from 192.0.2.0/24"], ["internal recipients only", "may not mail sales@example.com", "send only from 192.0.2.0/24"]],
      ["cat@example.com", ["may not mail one@example.com", "may not mail sales@example.com", "send only from 192.0.2.0/24"], ["may not mail one@example.com", "send as desk@example.com", "send only from 192.0.2.0/24"]],
    ]);
  });

  it("refuses removing a group (naming its recipients' fate), a mailbox (and its delegates' right), and the catch-all", () => {
    const head = edit(
      ["  catch_all: lost@example.com\n", ""],
      ['  - { address: desk@example.com, name: Desk, department: ops, delegates: [{ member: bob@example.com }, { member: ann@example.com, until: "2026-12-31" }] }\n', ""],
      ["  - { address: info@example.net, name: Info }\n", ""],
      ["  - { address: one@example.com, name: One, members: [bob@example.com], senders: members }\n", ""],
    );
    expect(only(diff(head), "Groups", "Mailboxes", "Delegations", "Organisation")).toEqual([
      {
        section: "Groups", kind: "delete", subject: "one@example.com", before: { members: ["bob@example.com"], recipients: ["bob@example.com"], senders: "members" }, after: null, ...own("ops"),
        reason: "group one@example.com is removed: mail to it will be rejected at SMTP time instead of reaching its 1 recipient (keep the group, or remove it after telling its senders)", destructive: true,
      },
      {
        section: "Mailboxes", kind: "delete", subject: "desk@example.com", before: { department: "ops" }, after: null, ...own("ops"),
        reason: "shared mailbox desk@example.com is removed: new mail to it is no longer delivered and its delegates lose the right to send as it (its stored mail stays until it expires; keep the mailbox, or forward its address through a group first)", destructive: true,
      },
      { section: "Delegations", kind: "delete", subject: "desk@example.com", field: "delegate", before: { member: "ann@example.com", until: "2026-12-31" }, after: null, ...own("ops"), destructive: false },
      { section: "Delegations", kind: "delete", subject: "desk@example.com", field: "delegate", before: { member: "bob@example.com", until: null }, after: null, ...own("ops"), destructive: false },
      {
        section: "Mailboxes", kind: "delete", subject: "info@example.net", before: { department: null }, after: null, ...WIDE,
        reason: "shared mailbox info@example.net is removed: new mail to it is no longer delivered (its stored mail stays until it expires; keep the mailbox, or forward its address through a group first)", destructive: true,
      },
      { section: "Organisation", kind: "delete", subject: "catch_all", before: "lost@example.com", after: null, ...WIDE, reroutes: ANY, reason: "the catch-all is removed: mail to mistyped addresses will be rejected", destructive: true },
    ]);
  });

  it("re-adding what was removed creates it, and a catch-all set where there was none is a creation", () => {
    const removed = side(edit(["  catch_all: lost@example.com\n", ""], ["  - { address: one@example.com, name: One, members: [bob@example.com], senders: members }\n", ""], ["  - { address: info@example.net, name: Info }\n", ""]));
    expect(only(diff(base, removed), "Groups", "Mailboxes", "Organisation")).toEqual([
      { section: "Groups", kind: "create", subject: "one@example.com", before: null, after: { members: ["bob@example.com"], recipients: ["bob@example.com"], senders: "members" }, ...own("ops"), destructive: false },
      { section: "Mailboxes", kind: "create", subject: "info@example.net", before: null, after: { department: null }, ...WIDE, destructive: false },
      { section: "Organisation", kind: "create", subject: "catch_all", before: null, after: "lost@example.com", ...WIDE, reroutes: ANY, destructive: false },
    ]);
  });

  it("opening a list-limited group to anyone changes its senders, not who may mail it as a list", () => {
    const changes = diff(edit(["members: [department:sales], senders: [bob@example.com]", "members: [department:sales], senders: anyone"]));
    expect(only(changes, "Group senders")).toEqual([{ section: "Group senders", subject: "sales@example.com", kind: "modify", field: "senders", before: ["bob@example.com"], after: "anyone", ...own("sales"), destructive: false }]);
  });
});

describe("diff: departments, domains and DNS", () => {
  it("departments created, removed, moved, renamed, and their admins (which the owners approve)", () => {
    const head = edit(
      ["  - { id: unused, name: Unused, parent: hq }\n", "  - { id: legal, name: Legal, parent: hq }\n"],
      ['{ id: sales, name: Sales, parent: hq, admins: ["@dc/sales"] }', '{ id: sales, name: Sales EU, parent: hq, admins: ["@dc/sales", "@dc/eu"] }'],
      ["{ id: ops, name: Ops, parent: hq }", "{ id: ops, name: Ops, parent: sales }"],
    );
    const changes = diff(head);
    expect(only(changes, "Departments", "Group recipients")).toEqual([
      { section: "Group recipients", kind: "modify", subject: "sales@example.com", field: "recipients", before: ["ann@example.com", "cat@example.com"], after: ["ann@example.com", "bob@example.com", "cat@example.com"], via: { "bob@example.com": "through department sales" }, ...own("sales"), destructive: false },
      { section: "Departments", kind: "create", subject: "legal", before: null, after: { parent: "hq" }, departments: ["legal", "hq"], orgWide: false, destructive: false },
      { section: "Departments", subject: "ops", kind: "modify", field: "parent", before: "hq", after: "sales", departments: ["ops", "hq", "sales"], orgWide: false, destructive: false },
      { section: "Departments", subject: "sales", kind: "modify", field: "name", before: "Sales", after: "Sales EU", departments: ["sales"], orgWide: false, destructive: false },
      { section: "Departments", subject: "sales", kind: "modify", field: "admins", before: ["@dc/sales"], after: ["@dc/eu", "@dc/sales"], departments: ["hq", "sales"], orgWide: true, destructive: false },
      { section: "Departments", kind: "delete", subject: "unused", before: { parent: "hq" }, after: null, departments: ["unused", "hq"], orgWide: false, destructive: false },
    ]);
    // A backup covers departed members too: Dan, departed in ops, is reached through sales like Bob, not "listed".
    expect(only(changes, "Backups")).toEqual([
      { section: "Backups", kind: "modify", subject: "hold", field: "recipients", before: ["ann@example.com", "cat@example.com"], after: ["ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"], via: { "bob@example.com": "through department sales", "dan@example.com": "through department sales" }, ...WIDE, reroutes: ["ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"], destructive: false },
    ]);
  });

  it("a top-level department is organisation-wide", () => {
    const top = side(BASE.replace("  - { id: hq, name: HQ, admins: [\"@dc/hq\"] }\n", "  - { id: hq, name: HQ, admins: [\"@dc/hq\"] }\n  - { id: board, name: Board }\n"));
    expect(only(diff(top), "Departments")).toEqual([{ section: "Departments", kind: "create", subject: "board", before: null, after: { parent: null }, departments: ["board"], orgWide: true, destructive: false }]);
  });

  it("domain settings, with what is destructive: a weaker DMARC, receive off, a zone changed, a domain removed", () => {
    const head = edit(
      ["{ name: example.com, hosted_zone_id: Z111, dmarc: { policy: quarantine, pct: 100 } }", "{ name: example.com, hosted_zone_id: Z222, mail_from: bounce, dmarc: { policy: quarantine, pct: 50 } }"],
      ["  - { name: example.net }\n", "  - { name: example.net, receive: false, dmarc: { policy: reject }, hosted_zone_id: Z333 }\n  - { name: example.org }\n"],
      ["  - { name: old.example, receive: false }\n", ""],
    );
    const changes = diff(head);
    expect(only(changes, "Domains")).toEqual([
      { section: "Domains", subject: "example.com", kind: "modify", field: "dmarc", before: { policy: "quarantine", pct: 100, rua: [], ruf: [] }, after: { policy: "quarantine", pct: 50, rua: [], ruf: [] }, ...WIDE, reason: "DMARC of example.com is weakened (p=quarantine pct=100 -> p=quarantine pct=50)", destructive: true },
      { section: "Domains", subject: "example.com", kind: "modify", field: "mail_from", before: "mail", after: "bounce", ...WIDE, destructive: false },
      {
        section: "Domains", subject: "example.com", kind: "modify", field: "hosted_zone_id", before: "Z111", after: "Z222", ...WIDE,
        reason: "hosted_zone_id of example.com is changed from Z111 to Z222: every mail record of example.com in zone Z111 (MX, SPF, DKIM, MAIL FROM, DMARC) is destroyed, which prevent_destroy does not stop for a removed block, and mail to and from example.com fails until they exist again (create the records elsewhere first, then pass --allow-destructive)",
        destructive: true,
      },
      { section: "Domains", subject: "example.net", kind: "modify", field: "dmarc", before: { policy: "quarantine", pct: 100, rua: [], ruf: [] }, after: { policy: "reject", pct: 100, rua: [], ruf: [] }, ...WIDE, destructive: false },
      {
        section: "Domains", subject: "example.net", kind: "modify", field: "receive", before: true, after: false, ...WIDE,
        reason: "receive is turned off for example.net: its MX record and receipt rules are removed, so mail to every address @example.net stops being delivered (point the MX at another provider first, then pass --allow-destructive)",
        destructive: true,
      },
      { section: "Domains", subject: "example.net", kind: "modify", field: "hosted_zone_id", before: null, after: "Z333", ...WIDE, destructive: false },
      { section: "Domains", kind: "create", subject: "example.org", before: null, after: { receive: true }, ...WIDE, destructive: false },
      { section: "Domains", kind: "delete", subject: "old.example", before: { receive: false }, after: null, ...WIDE, reason: "domain old.example is removed (its identity and DNS records would be deleted)", destructive: true },
    ]);
    const dns = only(changes, "DNS");
    expect(dns.every((c) => c.orgWide && c.departments.length === 0 && !c.destructive)).toBe(true);
    expect(dns.map((c) => `${c.kind} ${c.subject}`)).toEqual([
      "create <dkim-token-1>._domainkey.example.org CNAME",
      "delete <dkim-token-1>._domainkey.old.example CNAME",
      "create <dkim-token-2>._domainkey.example.org CNAME",
      "delete <dkim-token-2>._domainkey.old.example CNAME",
      "create <dkim-token-3>._domainkey.example.org CNAME",
      "delete <dkim-token-3>._domainkey.old.example CNAME",
      "modify _dmarc.example.com TXT",
      "modify _dmarc.example.net TXT",
      "create _dmarc.example.org TXT",
      "delete _dmarc.old.example TXT",
      "create bounce.example.com MX",
      "create bounce.example.com TXT",
      "delete example.net MX",
      "create example.org MX",
      "create example.org TXT",
      "delete mail.example.com MX",
      "delete mail.example.com TXT",
      "create mail.example.org MX",
      "create mail.example.org TXT",
      "delete mail.old.example MX",
      "delete mail.old.example TXT",
      "delete old.example TXT",
    ]);
    expect(dns.find((c) => c.subject === "_dmarc.example.com TXT")).toMatchObject({ field: "values", before: ["v=DMARC1; p=quarantine; adkim=r; aspf=r"], after: ["v=DMARC1; p=quarantine; pct=50; adkim=r; aspf=r"] });
    expect(dns.find((c) => c.subject === "example.net MX")).toMatchObject({ before: ["10 inbound-smtp.eu-west-1.amazonaws.com"], after: null });
    expect(dns.find((c) => c.subject === "example.org MX")).toMatchObject({ before: null, after: ["10 inbound-smtp.eu-west-1.amazonaws.com"] });
  });

  it("DMARC strength: none < quarantine < reject, then pct; turning receive on is not destructive; a removed zone names the old one", () => {
    const dmarc = (from: string, to: string) => {
      const b = side(BASE.replace("dmarc: { policy: quarantine, pct: 100 }", `dmarc: { ${from} }`));
      return only(diff(BASE.replace("dmarc: { policy: quarantine, pct: 100 }", `dmarc: { ${to} }`), b), "Domains").map((c) => c.destructive);
    };
    expect(dmarc("policy: reject", "policy: quarantine")).toEqual([true]);
    expect(dmarc("policy: quarantine", "policy: none")).toEqual([true]);
    expect(dmarc("policy: reject, pct: 50", "policy: quarantine, pct: 100")).toEqual([true]);
    expect(dmarc("policy: none", "policy: quarantine, pct: 10")).toEqual([false]);
    expect(dmarc("policy: quarantine, pct: 50", "policy: quarantine, pct: 100")).toEqual([false]);
    expect(dmarc("policy: quarantine, rua: [lost@example.com]", "policy: quarantine")).toEqual([false]);
    const receiveOn = only(diff(BASE.replace("{ name: old.example, receive: false }", "{ name: old.example }")), "Domains");
    expect(receiveOn).toEqual([{ section: "Domains", subject: "old.example", kind: "modify", field: "receive", before: false, after: true, ...WIDE, destructive: false }]);
    const zoneGone = only(diff(BASE.replace("hosted_zone_id: Z111, ", "")), "Domains");
    expect(zoneGone).toEqual([
      {
        section: "Domains", subject: "example.com", kind: "modify", field: "hosted_zone_id", before: "Z111", after: null, ...WIDE,
        reason: "hosted_zone_id of example.com is removed (was Z111): every mail record of example.com in zone Z111 (MX, SPF, DKIM, MAIL FROM, DMARC) is destroyed, which prevent_destroy does not stop for a removed block, and mail to and from example.com fails until they exist again (create the records elsewhere first, then pass --allow-destructive)",
        destructive: true,
      },
    ]);
  });
});

describe("diff: organisation settings", () => {
  const ORG_BLOCK = `  name: Diff Co
  region: eu-west-1
  default_department: hq
  catch_all: lost@example.com
  owners: ["@dc/owners"]
  retention_days: 365
  max_message_size_mb: 40`;
  it("refuses a rename of the resources, a region change, shorter retention and a smaller size limit", () => {
    const head = edit([ORG_BLOCK, `  name: Diff Company
  region: eu-central-1
  default_department: ops
  catch_all: info@example.net
  owners: ["@dc/owners", "@dc/admins"]
  retention_days: 30
  max_message_size_mb: 10
  timezone: Asia/Shanghai`]);
    expect(only(diff(head), "Organisation")).toEqual([
      { section: "Organisation", kind: "modify", subject: "catch_all", before: "lost@example.com", after: "info@example.net", ...WIDE, reroutes: ANY, destructive: false },
      {
        section: "Organisation", kind: "modify", subject: "name", field: "name", before: "Diff Co", after: "Diff Company", ...WIDE,
        reason: "the organisation's name change renames every AWS resource named after it (diff-co -> diff-company): the mail store bucket, IAM groups, receipt rules and the configuration set would be destroyed and recreated, and stored mail would be left in the old bucket (set organisation.id: diff-co to keep the names)",
        destructive: true,
      },
      { section: "Organisation", kind: "modify", subject: "region", field: "region", before: "eu-west-1", after: "eu-central-1", ...WIDE, reason: "the region changes: identities, rules and the mail store would be recreated elsewhere", destructive: true },
      { section: "Organisation", kind: "modify", subject: "default_department", field: "default_department", before: "hq", after: "ops", ...WIDE, destructive: false },
      {
        section: "Organisation", kind: "modify", subject: "retention_days", field: "retention_days", before: 365, after: 30, ...WIDE,
        reason: "retention_days is lowered from 365 to 30: stored mail older than 30 days (incoming/, mailboxes/, quarantine/) expires at the next lifecycle run (export what must be kept, then pass --allow-destructive)",
        destructive: true,
      },
      {
        section: "Organisation", kind: "modify", subject: "max_message_size_mb", field: "max_message_size_mb", before: 40, after: 10, ...WIDE,
        reason: "max_message_size_mb is cut from 40 to 10: messages between 10 and 40 MB are dropped instead of delivered (tell senders first, then pass --allow-destructive)",
        destructive: true,
      },
      { section: "Organisation", kind: "modify", subject: "timezone", field: "timezone", before: "UTC", after: "Asia/Shanghai", ...WIDE, destructive: false },
      { section: "Organisation", subject: "owners", kind: "modify", field: "owners", before: ["@dc/owners"], after: ["@dc/admins", "@dc/owners"], ...WIDE, destructive: false },
    ]);
  });

  it("accepts a rename that keeps the id, longer retention and a larger size limit", () => {
    const small = side(edit(["max_message_size_mb: 40", "max_message_size_mb: 20"]));
    const head = edit([ORG_BLOCK, ORG_BLOCK.replace("name: Diff Co", "name: Diff Company\n  id: diff-co").replace("retention_days: 365", "retention_days: 400")]);
    expect(only(diff(head, small), "Organisation")).toEqual([
      { section: "Organisation", kind: "modify", subject: "name", field: "name", before: "Diff Co", after: "Diff Company", ...WIDE, destructive: false },
      { section: "Organisation", kind: "modify", subject: "id", field: "id", before: null, after: "diff-co", ...WIDE, destructive: false },
      { section: "Organisation", kind: "modify", subject: "retention_days", field: "retention_days", before: 365, after: 400, ...WIDE, destructive: false },
      { section: "Organisation", kind: "modify", subject: "max_message_size_mb", field: "max_message_size_mb", before: 20, after: 40, ...WIDE, destructive: false },
    ]);
  });
});

describe("diff: sending restrictions, IP ranges, inbound lists", () => {
  it("the lists as declared, and for references the addresses they cover with how each is reached", () => {
    const head = edit(
      ["  office: [192.0.2.0/24]", '  office: [192.0.2.0/24, 198.51.100.0/24]\n  lab: ["2001:db8::/32"]'],
      ["  allowed_ip_ranges: [office]\n  exempt: [ann@example.com]\n  internal_only: [department:ops]", "  allowed_ip_ranges: [office, lab]\n  exempt: [department:sales]\n  internal_only: [bob@example.com]"],
      ["  blocked: [spam.example]\n  allowed: [friend.example]", "  blocked: [spam.example, 203.0.113.0/24]"],
    );
    expect(only(diff(head), "Sending", "Internal only", "IP ranges", "Inbound")).toEqual([
      { section: "Sending", subject: "allowed_ip_ranges", kind: "modify", field: "list", before: ["office"], after: ["lab", "office"], ...WIDE, destructive: false },
      { section: "Sending", subject: "exempt", kind: "modify", field: "list", before: ["ann@example.com"], after: ["department:sales"], ...WIDE, destructive: false },
      { section: "Sending", kind: "modify", subject: "exempt", field: "covers", before: ["ann@example.com"], after: ["ann@example.com", "cat@example.com"], via: { "cat@example.com": "through department sales" }, ...WIDE, destructive: false },
      { section: "Internal only", subject: "sending.internal_only", kind: "modify", field: "list", before: ["department:ops"], after: ["bob@example.com"], ...WIDE, destructive: false },
      { section: "IP ranges", subject: "lab", kind: "modify", field: "list", before: [], after: ["2001:db8::/32"], ...WIDE, destructive: false },
      { section: "IP ranges", subject: "office", kind: "modify", field: "list", before: ["192.0.2.0/24"], after: ["192.0.2.0/24", "198.51.100.0/24"], ...WIDE, destructive: false },
      { section: "Inbound", subject: "inbound.blocked", kind: "modify", field: "list", before: ["spam.example"], after: ["203.0.113.0/24", "spam.example"], ...WIDE, destructive: false },
      { section: "Inbound", subject: "inbound.allowed", kind: "modify", field: "list", before: ["friend.example"], after: [], ...WIDE, destructive: false },
    ]);
  });
  it("an exemption that loses a member through a department says why", () => {
    const b = side(edit(["  exempt: [ann@example.com]", "  exempt: [department:sales]"]));
    expect(only(diff(BASE, b), "Sending").find((c) => c.field === "covers")).toMatchObject({ before: ["ann@example.com", "cat@example.com"], after: ["ann@example.com"], via: { "cat@example.com": "no longer through department sales" } });
  });
});

describe("diff: backups and signatures", () => {
  it("a backup's target, senders and the recipients it covers; a new backup; signatures created, changed, removed", () => {
    const head = edit(
      ["  - { name: hold, to: lost@example.com, match: { recipients: [department:sales], senders: [bank.example] } }", "  - { name: hold, to: Desk@example.com, match: { recipients: [a@example.com, one@example.com], senders: [bank.example, pay.example] } }\n  - { name: audit, to: lost@example.com, match: { senders: [x.example] } }"],
      ['  - { id: old, html: "<p>old</p>", text: "old" }', '  - { id: new, html: "<p>new</p>", text: "new" }'],
      ['{ id: std, html: "<p>{{name}}</p>"', '{ id: std, html: "<b>{{name}}</b>"'],
    );
    expect(only(diff(head), "Backups", "Signatures")).toEqual([
      { section: "Backups", kind: "create", subject: "audit", before: null, after: { to: "lost@example.com", senders: ["x.example"], recipients: [] }, ...WIDE, reroutes: ANY, destructive: false },
      { section: "Backups", subject: "hold", kind: "modify", field: "to", before: "lost@example.com", after: "desk@example.com", ...WIDE, reroutes: ["ann@example.com", "bob@example.com", "cat@example.com"], destructive: false },
      { section: "Backups", subject: "hold", kind: "modify", field: "senders", before: ["bank.example"], after: ["bank.example", "pay.example"], ...WIDE, reroutes: ["ann@example.com", "bob@example.com", "cat@example.com"], destructive: false },
      { section: "Backups", kind: "modify", subject: "hold", field: "recipients", before: ["ann@example.com", "cat@example.com"], after: ["ann@example.com", "bob@example.com"], via: { "bob@example.com": "through group one@example.com", "cat@example.com": "no longer through department sales" }, ...WIDE, reroutes: ["ann@example.com", "bob@example.com", "cat@example.com"], destructive: false },
      { section: "Signatures", kind: "create", subject: "new", before: null, after: "new", ...WIDE, destructive: false },
      { section: "Signatures", kind: "delete", subject: "old", before: "old", after: null, ...WIDE, destructive: false },
      { section: "Signatures", kind: "modify", subject: "std", field: "template", before: "std", after: "std", ...WIDE, destructive: false },
    ]);
  });
  it("refuses removing a backup rule, saying where copies went", () => {
    expect(only(diff(edit(["  - { name: hold, to: lost@example.com, match: { recipients: [department:sales], senders: [bank.example] } }", "  []"])), "Backups")).toEqual([
      {
        section: "Backups", kind: "delete", subject: "hold", before: { to: "lost@example.com", senders: ["bank.example"], recipients: ["ann@example.com", "cat@example.com"] }, after: null, ...WIDE,
        reason: "backup rule hold is removed: matching mail is no longer copied to lost@example.com (copies already made stay; keep the rule, or pass --allow-destructive once the retention obligation has ended)",
        reroutes: ["ann@example.com", "cat@example.com"],
        destructive: true,
      },
    ]);
  });
});

describe("diff: one change touching every section", () => {
  it("is rendered section by section in the order a reviewer reads them", () => {
    const head = edit(
      ["{ address: cat@example.com, name: Cat, departments: [sales] }", "{ address: cat@example.com, name: Cat, departments: [sales], status: disabled, blocked_senders: [spam.example], internal_only: true }"],
      ["aliases: [a@example.com]", "aliases: [ann.b@example.com]"],
      ["{ id: sales, name: Sales,", "{ id: sales, name: Sales EU,"],
      ["members: [department:sales], senders: [bob@example.com]", "members: [department:sales, bob@example.com], senders: [ann@example.com]"],
      ["  - { address: one@example.com, name: One, members: [bob@example.com], senders: members }\n", "  - { address: one@example.com, name: One, members: [bob@example.com], senders: members }\n  - { address: ops@example.com, name: Ops, members: [department:ops] }\n"],
      ["  - { address: info@example.net, name: Info }\n", "  - { address: info@example.net, name: Info }\n  - { address: help@example.net, name: Help }\n"],
      ["{ member: bob@example.com }, ", ""],
      ["  exempt: [ann@example.com]", "  exempt: [department:sales]"],
      ["  office: [192.0.2.0/24]", "  office: [192.0.2.0/24, 198.51.100.0/24]"],
      ["  blocked: [spam.example]", "  blocked: [spam.example, worse.example]"],
      ["senders: [bank.example] }", "senders: [bank.example, pay.example] }"],
      ["  - { name: example.net }", "  - { name: example.net, dmarc: { policy: reject } }"],
      ['  owners: ["@dc/owners"]', '  owners: ["@dc/owners", "@dc/more"]'],
      ['  - { id: old, html: "<p>old</p>", text: "old" }', '  - { id: new, html: "<p>new</p>", text: "new" }'],
    );
    const headings = renderMarkdown(diff(head), "base", "head").split("\n").filter((l) => l.startsWith("### "));
    expect(headings).toEqual([
      "### Members", "### Credentials", "### Aliases", "### Departments", "### Groups", "### Group recipients", "### Group senders", "### Sending rights", "### Mailboxes", "### Delegations",
      "### Blocked senders", "### Internal only", "### Sending", "### IP ranges", "### Inbound", "### Backups", "### Domains", "### DNS", "### Organisation", "### Signatures",
    ]);
  });
});

describe("review helpers", () => {
  it("setDiff: what b adds to a and what it drops, in their order", () => {
    expect(setDiff(["a", "b", "c"], ["d", "c", "a"])).toEqual({ added: ["d"], removed: ["b"] });
  });
  it("recipientPaths: listed, listed as an alias, through departments and nested groups (cycle-safe), departed only on request", () => {
    const s = side(
      BASE.replace("  - { address: one@example.com, name: One, members: [bob@example.com], senders: members }\n", "  - { address: one@example.com, name: One, members: [bob@example.com, loop@example.com], senders: members }\n  - { address: loop@example.com, name: Loop, members: [one@example.com, desk@example.com] }\n"),
      [],
    );
    expect(Object.fromEntries(recipientPaths(s.index, ["a@example.com", "all@example.com", "loop@example.com", "department:ops"]))).toEqual({
      "ann@example.com": "listed as alias a@example.com",
      "cat@example.com": "through group all@example.com, group sales@example.com, department sales",
      "bob@example.com": "through group all@example.com",
      "desk@example.com": "through group loop@example.com",
    });
    expect(Object.fromEntries(recipientPaths(s.index, ["department:ops"], { includeDeparted: true }))).toEqual({ "bob@example.com": "through department ops", "dan@example.com": "through department ops" });
    expect(recipientPaths(s.index, ["nobody@example.com"]).size).toBe(0);
  });
  it("sendingRights: what each member's policies grant and deny, read from the plan's documents", () => {
    const { groups, members } = planOrg(base.org, base.index, { today: TODAY }).sending;
    const rights = sendingRights({ groups: [...groups], members: [...members] });
    expect(Object.fromEntries(rights)).toEqual({
      "ann@example.com": ["may not mail one@example.com", "may not mail sales@example.com", "send as a@example.com", "send as desk@example.com before 2027-01-01T00:00:00Z"],
      "bob@example.com": ["internal recipients only", "send as desk@example.com", "send only from 192.0.2.0/24"],
      "cat@example.com": ["may not mail one@example.com", "may not mail sales@example.com", "send only from 192.0.2.0/24"],
    });
  });
  it("groupDepartments: departments listed, members' (also through an alias) and mailboxes' departments", () => {
    const g = { address: "x@example.com", name: "X", members: ["department:unused", "a@example.com", "desk@example.com", "lost@example.com", "sales@example.com"] };
    expect(groupDepartments(base.org, base.index, g)).toEqual(["ops", "sales", "unused"]);
  });
  it("addressesOf: the subject, addresses inside values, only the gained and lost entries of a list, and via", () => {
    const c = (x: Partial<Change>): Change => ({ section: "Members", subject: "s", kind: "modify", before: null, after: null, destructive: false, departments: [], orgWide: false, ...x });
    expect([...addressesOf(c({ subject: "Ann@Example.com", before: { member: "Bob@example.com", until: null }, after: "moved to (cat@example.com); dan@example.com,eve@example.com" }))].sort()).toEqual(["ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com", "eve@example.com"]);
    expect([...addressesOf(c({ before: ["a@example.com", "b@example.com"], after: ["b@example.com", "c@example.com"], via: { "v@example.com": "listed" } }))].sort()).toEqual(["a@example.com", "c@example.com", "v@example.com"]);
    expect([...addressesOf(c({ before: ["a@example.com"], after: null }))]).toEqual(["a@example.com"]);
  });
});
