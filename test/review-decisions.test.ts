/**
 * The decisions behind `mailorg approvers` and `mailorg audit`, in process: whose approval a change needs, what
 * counts as an approval, the access report, and one address's history (the CLI tests only check the wiring).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { validateOrg } from "../model/validate.ts";
import { departmentAdmins, missingApprovals, requiredApprovals } from "../review/approvers.ts";
import { addressHistory, auditReport } from "../review/audit.ts";
import type { Change } from "../review/diff.ts";
import { describe as describeChange } from "../review/render.ts";
import { tempGitRepo, writeOrg } from "./helpers.ts";

const ORG = `organisation:
  name: Approve Co
  region: eu-west-1
  default_department: hq
  owners: ["@ac/owners", "@ac/Board"]
domains: [{ name: example.com }]
departments:
  - { id: hq, name: HQ, admins: ["@ac/hq"] }
  - { id: sales, name: Sales, parent: hq, admins: ["@ac/sales-b", "@ac/sales-a"] }
  - { id: east, name: East, parent: sales }
  - { id: ops, name: Ops, parent: hq }
members:
  - { address: ann@example.com, name: Ann, departments: [east], internal_only: true }
  - { address: bob@example.com, name: Bob, departments: [ops] }
  - { address: cat@example.com, name: Cat, departments: [sales], status: departed, forward_to: [Ann@example.com, desk@example.com] }
  - { address: dan@example.com, name: Dan, departments: [ops], status: departed, internal_only: true, forward_to: [bob@example.com] }
  - { address: eve@example.com, name: Eve, departments: [ops], status: disabled }
mailboxes:
  - { address: desk@example.com, name: Desk, delegates: [{ member: bob@example.com, until: "2026-12-31" }, { member: ann@example.com }] }
  - { address: box@example.com, name: Box, delegates: [{ member: ann@example.com }] }
groups:
  - { address: zz@example.com, name: ZZ, members: [department:sales], senders: [ann@example.com, Desk@example.com] }
  - { address: open@example.com, name: Open, members: [ann@example.com], senders: anyone }
  - { address: org@example.com, name: Org, members: [ann@example.com] }
  - { address: own@example.com, name: Own, members: [ann@example.com, bob@example.com], senders: members }
ip_ranges:
  office: [192.0.2.0/24]
sending:
  allowed_ip_ranges: [office]
  exempt: [department:sales]
  internal_only: [department:ops]
backups:
  - { name: z-hold, to: desk@example.com, match: { recipients: [department:sales] } }
  - { name: a-bank, to: box@example.com, match: { senders: [Bank.example] } }
`;

let org: Org;
let index: OrgIndex;
beforeAll(() => {
  const r = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
  expect(r.diagnostics).toEqual([]);
  org = r.org;
  index = r.index!;
});

const change = (x: Partial<Change>): Change => ({ section: "Members", subject: "ann@example.com", kind: "modify", field: "name", before: "Ann", after: "Anne", destructive: false, departments: [], orgWide: false, ...x });
const why = (c: Change): string => `${c.section}: ${c.subject} ${describeChange(c)}`;

describe("approvers", () => {
  it("a department's admins, else the nearest ancestor's, else the organisation owners; sorted", () => {
    expect(departmentAdmins(org, index, "sales")).toEqual(["@ac/sales-a", "@ac/sales-b"]);
    expect(departmentAdmins(org, index, "east")).toEqual(["@ac/sales-a", "@ac/sales-b"]);
    expect(departmentAdmins(org, index, "ops")).toEqual(["@ac/hq"]);
    expect(departmentAdmins(org, index, "nowhere")).toEqual(["@ac/Board", "@ac/owners"]);
  });
  it("an ancestor loop ends at the organisation owners instead of spinning", () => {
    const r = validateOrg(writeOrg({ "org.yaml": ORG.replace("{ id: hq, name: HQ, admins: [\"@ac/hq\"] }", "{ id: hq, name: HQ, parent: ops }") }), { today: "2026-06-01", rules: [] });
    expect(departmentAdmins(r.org, r.index!, "ops")).toEqual(["@ac/Board", "@ac/owners"]);
  });
  it("every department of every change, then the owners for organisation-wide, unowned and destructive changes", () => {
    const move = change({ departments: ["sales", "ops"] });
    const wide = change({ section: "Organisation", subject: "owners", field: "owners", before: [], after: ["@x"], orgWide: true });
    const unowned = change({ section: "Signatures", subject: "std", field: "template", before: "std", after: "std" });
    const destructive = change({ kind: "delete", field: undefined, before: { departments: ["east"], status: "active" }, after: null, departments: ["east"], destructive: true, reason: "r" });
    const plain = change({ subject: "bob@example.com", departments: ["ops"] });
    expect(requiredApprovals([move, wide, unowned, destructive, plain, move], { base: { org, index }, head: { org, index } })).toEqual([
      { scope: "department east", anyOf: ["@ac/sales-a", "@ac/sales-b"], reasons: [why(destructive)] },
      { scope: "department ops", anyOf: ["@ac/hq"], reasons: [why(plain), why(move)].sort() },
      { scope: "department sales", anyOf: ["@ac/sales-a", "@ac/sales-b"], reasons: [why(move)] },
      { scope: "organisation owners", anyOf: ["@ac/Board", "@ac/owners"], reasons: [why(wide), why(unowned), why(destructive)].sort() },
    ]);
    expect(requiredApprovals([], { base: { org, index }, head: { org, index } })).toEqual([]);
  });
  it("reads authority from the base: a removed department's admins there, a new one's nearest parent there, the base's owners for the rest", () => {
    const head = validateOrg(writeOrg({ "org.yaml": ORG.replace('["@ac/owners", "@ac/Board"]', '["@ac/new-owners"]').replace("  - { id: east, name: East, parent: sales }\n", "  - { id: legal, name: Legal, parent: hq, admins: [\"@ac/legal\"] }\n").replace("departments: [east]", "departments: [sales]") }), { today: "2026-06-01" });
    expect(head.diagnostics).toEqual([]);
    const sides = { base: { org, index }, head: { org: head.org, index: head.index! } };
    const removed = change({ section: "Departments", subject: "east", kind: "delete", field: undefined, departments: ["east", "sales"] });
    const created = change({ section: "Departments", subject: "legal", kind: "create", field: undefined, departments: ["legal", "hq"] });
    expect(requiredApprovals([removed, created, change({ departments: ["gone"] })], sides).map((r) => [r.scope, r.anyOf])).toEqual([
      ["department east", ["@ac/sales-a", "@ac/sales-b"]],
      ["department gone", ["@ac/Board", "@ac/owners"]],
      ["department hq", ["@ac/hq"]],
      ["department legal", ["@ac/hq"]],
      ["department sales", ["@ac/sales-a", "@ac/sales-b"]],
    ]);
  });
  it("an approval counts for the handle or team in any case, with or without @, trimmed", () => {
    const reqs = [
      { scope: "department sales", anyOf: ["@ac/sales-a", "@ac/sales-b"], reasons: ["x"] },
      { scope: "organisation owners", anyOf: ["@ac/Board"], reasons: ["y"] },
    ];
    expect(missingApprovals(reqs, [" AC/Sales-B ", ""])).toEqual([reqs[1]]);
    expect(missingApprovals(reqs, ["@ac/board", "@AC/SALES-A"])).toEqual([]);
    expect(missingApprovals(reqs, ["@"])).toEqual(reqs);
  });
});

describe("audit", () => {
  it("reports who may mail each group, who is internal-only, the IP restriction, delegations, disabled and departed members, backups", () => {
    expect(auditReport(org, index)).toEqual({
      groups: [
        { group: "open@example.com", senders: "anyone", listed: [], mayMail: null },
        { group: "org@example.com", senders: "organisation", listed: [], mayMail: null },
        { group: "own@example.com", senders: "members", listed: [], mayMail: ["ann@example.com", "bob@example.com"] },
        { group: "zz@example.com", senders: "list", listed: ["ann@example.com", "desk@example.com"], mayMail: ["ann@example.com", "desk@example.com"] },
      ],
      internalOnly: ["ann@example.com", "bob@example.com", "eve@example.com"],
      ipRestriction: { ranges: ["office"], exempt: ["ann@example.com"] },
      delegations: [
        { mailbox: "box@example.com", member: "ann@example.com", until: null },
        { mailbox: "desk@example.com", member: "ann@example.com", until: null },
        { mailbox: "desk@example.com", member: "bob@example.com", until: "2026-12-31" },
      ],
      disabled: ["eve@example.com"],
      forwards: [],
      relay: null,
      departed: [
        { member: "cat@example.com", forwardTo: ["ann@example.com", "desk@example.com"] },
        { member: "dan@example.com", forwardTo: ["bob@example.com"] },
      ],
      backups: [
        { name: "a-bank", to: "box@example.com", senders: ["bank.example"], recipients: [] },
        { name: "z-hold", to: "desk@example.com", senders: [], recipients: ["ann@example.com", "cat@example.com"] },
      ],
    });
  });
  it("has no IP restriction without allowed ranges", () => {
    const r = validateOrg(writeOrg({ "org.yaml": ORG.replace("  allowed_ip_ranges: [office]\n", "") }), { today: "2026-06-01" });
    expect(auditReport(r.org, r.index!).ipRestriction).toBeNull();
  });
  it("an address's history: the commits whose changes concern it, oldest first, the first commit diffed against nothing", () => {
    const { repo, commit } = tempGitRepo({ "org/org.yaml": ORG });
    writeFileSync(join(repo, "org/org.yaml"), ORG.replace("{ address: eve@example.com, name: Eve, departments: [ops], status: disabled }", "{ address: eve@example.com, name: Eve, departments: [ops] }"));
    commit("enable eve");
    writeFileSync(join(repo, "org/org.yaml"), ORG.replace("name: Ann,", "name: Anne,"));
    commit("rename ann, disable eve again");
    const eve = addressHistory(join(repo, "org"), "EVE@example.com", undefined, "2026-06-01");
    expect(eve.map((h) => [h.subject, h.author])).toEqual([["initial", "x"], ["enable eve", "x"], ["rename ann, disable eve again", "x"]]);
    expect(eve[1]!.commit).toMatch(/^[0-9a-f]{12}$/);
    expect(eve[1]!.changes).toContainEqual(expect.objectContaining({ section: "Members", subject: "eve@example.com", field: "status", before: "disabled", after: "active" }));
    expect(eve[0]!.changes.filter((c) => c.section === "Members").map((c) => c.kind)).toEqual(["create"]);
    expect(addressHistory(join(repo, "org"), "ann@example.com", "HEAD~1", "2026-06-01").map((h) => h.subject)).toEqual(["initial"]);
    expect(addressHistory(join(repo, "org"), "nobody@example.com", undefined, "2026-06-01")).toEqual([]);
  });
});
