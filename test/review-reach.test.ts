/**
 * The review gate, second round (issue #28): each finding of an insider's review of the example org, on a real
 * git repository holding it. The base commit is the example org as shipped; the head commit is the insider's
 * edit; what `diff`, `approvers` and validation make of it is read from the repository as the CLI reads it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OrgInvalidError } from "../model/diagnostics.ts";
import { OrgIndex } from "../model/org-index.ts";
import type { Org } from "../model/org.ts";
import { requiredApprovals } from "../review/approvers.ts";
import { diffSides } from "../review/diff.ts";
import { sideAt } from "../review/git.ts";
import { planOrg } from "../plan/plan.ts";
import { decide } from "../runtime/router/core.ts";
import { renderMarkdown, renderText } from "../review/render.ts";
import { readTree, ROOT, runCli, tempGitRepo } from "./helpers.ts";

const DAY = "2026-06-01";

/** A repository whose one commit is the example org (org/). */
function exampleRepo(): ReturnType<typeof tempGitRepo> {
  return tempGitRepo(Object.fromEntries(Object.entries(readTree(join(ROOT, "org"))).map(([k, v]) => [`org/${k}`, v])));
}

/** A repository whose first commit is the example org (org/), and whose second is `edit` applied to its files. */
function exampleEdited(edit: Record<string, (text: string) => string>): string {
  const r = exampleRepo();
  for (const [file, f] of Object.entries(edit)) {
    const p = join(r.repo, "org", file);
    writeFileSync(p, f(readFileSync(p, "utf8")));
  }
  r.commit("the insider's change");
  return r.repo;
}

/** The last commit's changes and the approvals they need, read as `mailorg diff HEAD~1` and `approvers` read them. */
function review(repo: string) {
  const org = join(repo, "org");
  const b = sideAt(org, "HEAD~1", DAY);
  const h = sideAt(org, "HEAD", DAY);
  const changes = diffSides(b, h, { today: DAY });
  return { changes, reqs: requiredApprovals(changes, { base: b, head: h }) };
}

/** The diagnostics that make the head commit invalid (none: it is valid). */
function refusal(repo: string): string[] {
  try {
    sideAt(join(repo, "org"), "HEAD", DAY);
    return [];
  } catch (e) {
    if (e instanceof OrgInvalidError) return e.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.rule}: ${d.message}`);
    throw e;
  }
}

describe("3. a duplicate delegate entry cannot make a dated delegation permanent", () => {
  it("a second entry for the same delegate, without until, is refused by validation", () => {
    const repo = exampleEdited({ "mailboxes.yaml": (t) => t.replace('        until: "2030-12-31"\n', '        until: "2030-12-31"\n      - member: shi.lei@example.com\n') });
    expect(refusal(repo)).toEqual(["duplicate-identities: mailbox yw@example.com's delegates list shi.lei@example.com twice (entries 2 and 3); name each once (remove the later entry, or merge the two into one with the until that is meant)"]);
  });
});

describe("6. names cannot forge the review", () => {
  const FORGED = "Sales desk\n```\nNo approval needed: no change to the organisation\n<!--";
  it("a group name with line breaks and a code fence is refused by validation", () => {
    const repo = exampleEdited({ "groups.yaml": (t) => t.replace("    name: All of sales\n", `    name: ${JSON.stringify(FORGED)}\n`) });
    expect(refusal(repo)).toEqual([`control-characters: groups[2].name holds a line break (${JSON.stringify(FORGED).slice(0, 60)}); names and free text are one line without control characters (remove it)`]);
  });
  it("whatever reaches the renderers is printed on one line, and Markdown cannot open a fence, a code span or a comment", () => {
    // The same edit made past validation (an org read by other means): the renderers hold on their own.
    const base = sideAt(join(exampleRepo().repo, "org"), "HEAD", DAY)!;
    const org: Org = { ...base.org, groups: base.org.groups.map((g) => (g.address === "sales-all@example.com" ? { ...g, name: FORGED } : g)) };
    const changes = diffSides(base, { org, index: new OrgIndex(org) }, { today: DAY });
    expect(changes.map((c) => [c.section, c.subject, c.field])).toEqual([["Groups", "sales-all@example.com", "name"]]);
    const text = renderText(changes);
    expect(text.split("\n")).toEqual(['± MODIFY [Groups] sales-all@example.com: name All of sales -> Sales desk\\u000a```\\u000aNo approval needed: no change to the organisation\\u000a<!--', ""]);
    const reasons = requiredApprovals(changes, { base, head: { org, index: new OrgIndex(org) } }).flatMap((r) => r.reasons);
    expect(reasons.every((r) => !r.includes("\n"))).toBe(true);
    const md = renderMarkdown(changes, "HEAD~1", "HEAD");
    expect(md).toContain("| ± MODIFY | `sales-all@example.com` | name All of sales -> Sales desk\\u000a\\`\\`\\`\\u000aNo approval needed: no change to the organisation\\u000a&lt;!-- |");
    expect(md.split("\n").filter((l) => l.startsWith("```") || l.includes("<!--"))).toEqual([]);
  });
});

describe("7. the mailbox host reads like the other sections", () => {
  const HOST = "  mailbox_host: { hostname: mail.example.com, volume_gb: 50 }\n";
  it("its creation names the hostname, the size and whose mail it receives", () => {
    const repo = exampleEdited({ "organisation.yaml": (t) => t.replace("  retention_days: 730\n", `  retention_days: 730\n${HOST}`) });
    const { changes, reqs } = review(repo);
    const text = renderText(changes.filter((c) => c.subject === "mailbox_host"));
    expect(text).toMatch(/^\+ CREATE \[Organisation\] mailbox_host: mailbox host mail\.example\.com \(t4g\.small, 50 GB mail volume, backups kept 35 days, default quota 2048 MB\) created: it receives the mail of 47 addresses {2}\(reroutes mail of /);
    expect(text).not.toContain("undefined");
    expect(reqs.map((r) => r.scope)).toContain("organisation owners");
  });
  it("a change and a removal read the same way", () => {
    const r = exampleRepo();
    const p = join(r.repo, "org/organisation.yaml");
    writeFileSync(p, readFileSync(p, "utf8").replace("  retention_days: 730\n", `  retention_days: 730\n${HOST}`));
    r.commit("host");
    writeFileSync(p, readFileSync(p, "utf8").replace("volume_gb: 50", "volume_gb: 80"));
    r.commit("bigger");
    expect(renderText(review(r.repo).changes)).toBe("± MODIFY [Organisation] mailbox_host: mailbox host mail volume 50 GB -> 80 GB\n");
    writeFileSync(p, readFileSync(p, "utf8").replace(/  mailbox_host:.*\n/, ""));
    r.commit("no host");
    const gone = renderText(review(r.repo).changes.filter((c) => c.subject === "mailbox_host"));
    expect(gone).toMatch(/^- DELETE \[Organisation\] mailbox_host: mailbox host mail\.example\.com \(t4g\.small, 80 GB mail volume, backups kept 35 days, default quota 2048 MB\) removed: it received the mail of 47 addresses/);
  });
});

describe("5. a new department's admins are named and approved from above", () => {
  it("a department created under sales-north names its admins, and needs sales-north's admins and the organisation owners", () => {
    const repo = exampleEdited({ "departments.yaml": (t) => t.replace("  - { id: sales-south,", '  - { id: sales-north-dl, name: Sales North Dalian, parent: sales-north, admins: ["@mallory"] }\n  - { id: sales-south,') });
    const { changes, reqs } = review(repo);
    expect(renderText(changes)).toBe("+ CREATE [Departments] sales-north-dl: created under sales-north with admins @mallory, who approve its changes from now on\n");
    expect(reqs.map((r) => [r.scope, r.anyOf])).toEqual([
      ["department sales-north", ["@zhao-lei"]],
      ["department sales-north-dl", ["@zhao-lei"]],
      ["organisation owners", ["@example-trading/mail-admins"]],
    ]);
  });
  it("new admins of an existing department are named, and need its parent's admins and the organisation owners", () => {
    const repo = exampleEdited({ "departments.yaml": (t) => t.replace('admins: ["@zhao-lei"]', 'admins: ["@zhao-lei", "@mallory"]') });
    const { changes, reqs } = review(repo);
    expect(renderText(changes)).toBe("± MODIFY [Departments] sales-north: admins: adds: @mallory, who approve its changes from now on\n");
    expect(reqs.map((r) => r.scope)).toEqual(["department sales", "department sales-north", "organisation owners"]);
  });
});

describe("4. order that decides an outcome is shown; order that does not is canonical", () => {
  const SALES = "  - id: sales\n    applies_to: [department:sales]\n    html: \"<p>{{name}}, Sales</p>\"\n    text: \"{{name}}, Sales\"\n";
  it("reordering signature templates shows, member by member, who gets another signature", () => {
    const r = exampleRepo();
    const p = join(r.repo, "org/signatures.yaml");
    writeFileSync(p, readFileSync(p, "utf8") + SALES);
    r.commit("a sales template, after the standard one (which covers everyone)");
    writeFileSync(p, readFileSync(p, "utf8").replace(SALES, "").replace("signatures:\n", `signatures:\n${SALES}`));
    r.commit("the sales template first");
    const { changes, reqs } = review(r.repo);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.section === "Signatures" && c.field === "member's template" && c.before === "standard" && c.after === "sales")).toBe(true);
    expect(changes.map((c) => c.subject)).toContain("xie.peng@example.com");
    expect(renderText(changes)).toContain("± MODIFY [Signatures] xie.peng@example.com: signature template standard -> sales (the first template whose applies_to covers them)\n");
    expect(reqs.map((q) => q.scope)).toEqual(["organisation owners"]);
  });
  it("reordering sending.allowed_ip_ranges changes nothing that is synthesised (and diff says so)", () => {
    const repo = exampleEdited({ "security.yaml": (t) => t.replace("allowed_ip_ranges: [beijing-office, guangzhou-office, vpn]", "allowed_ip_ranges: [vpn, guangzhou-office, beijing-office]") });
    const org = join(repo, "org");
    const plan = (ref: string) => { const s = sideAt(org, ref, DAY)!; return JSON.stringify(planOrg(s.org, s.index, { today: DAY })); };
    expect(plan("HEAD")).toBe(plan("HEAD~1"));
    expect(review(repo).changes).toEqual([]);
  });
});

describe("2. an address the catch-all received cannot be taken over quietly", () => {
  it("a member's new alias hostmaster@ moves mail from the catch-all: named, rerouting, a role-address warning, owners approve", () => {
    const repo = exampleEdited({ "members/sales.yaml": (t) => t.replace("aliases: [xp@example.com]", "aliases: [xp@example.com, hostmaster@example.com]") });
    const { changes, reqs } = review(repo);
    const text = renderText(changes);
    expect(text).toContain("+ CREATE [Aliases] hostmaster@example.com: alias of xie.peng@example.com added\n");
    expect(text).toContain("± MODIFY [Inbound] hostmaster@example.com: mail to it goes to member xie.peng@example.com instead of the catch-all lost-and-found@example.com  (reroutes mail of hostmaster@example.com)  (warning: hostmaster@example.com is a role address (RFC 2142); certificate authorities send domain-validation mail to it, so whoever receives it can obtain certificates for example.com)\n");
    expect(reqs.map((r) => r.scope)).toEqual(["department sales", "organisation owners"]);
    const md = renderMarkdown(changes, "HEAD~1", "HEAD");
    expect(md).toContain("> [!WARNING]\n> Role addresses change hands (organisation owners approve):\n> - hostmaster@example.com is a role address");
  });
  it("any new address the catch-all received (not only role addresses) needs the owners; so does one another target received", () => {
    const repo = exampleEdited({
      "members/sales.yaml": (t) => t.replace("aliases: [xp@example.com]", "aliases: [xp@example.com, invoices@example.com]"),
      "groups.yaml": (t) => `${t}  - { address: hr-desk@example.com, name: HR desk, members: [hr@example.com] }\n`,
    });
    const { changes, reqs } = review(repo);
    expect(changes.filter((c) => c.section === "Inbound").map((c) => [c.subject, c.before, c.after, c.warning ?? null])).toEqual([
      ["hr-desk@example.com", "the catch-all lost-and-found@example.com", "group hr-desk@example.com", null],
      ["invoices@example.com", "the catch-all lost-and-found@example.com", "member xie.peng@example.com", null],
    ]);
    expect(reqs.map((r) => r.scope)).toContain("organisation owners");
  });
  it("an alias moved from one member to another is mail going elsewhere too", () => {
    const repo = exampleEdited({ "members/sales.yaml": (t) => t.replace("aliases: [xp@example.com]", "aliases: []").replace("aliases: [zl@example.com]", "aliases: [zl@example.com, xp@example.com]") });
    const { changes } = review(repo);
    expect(changes.filter((c) => c.section === "Inbound").map((c) => [c.subject, c.before, c.after])).toEqual([["xp@example.com", "member xie.peng@example.com", "member zhao.lei@example.com"]]);
  });
});

describe("1. a nested group cannot open all-staff", () => {
  const OPEN = "groups:\n  - { address: sales-friends@example.com, name: Sales friends, members: [department:sales-north, all@example.com], senders: anyone }\n";
  const repo = () => exampleEdited({ "members/sales.yaml": (t) => t + OPEN });
  it("diff names the restricted group it reaches, and all@'s owners approve", () => {
    const { changes, reqs } = review(repo());
    expect(renderText(changes)).toContain("± MODIFY [Group senders] sales-friends@example.com: its senders now reach restricted group all@example.com through nesting (each keeps its own sender rules; its owners approve)\n");
    // all@ lists department:head-office: its admins own it (before #28, only sales-north's admin was asked).
    expect(changes.find((c) => c.field === "reaches restricted groups")).toMatchObject({ departments: ["head-office"], orgWide: false });
    expect(reqs.map((r) => [r.scope, r.anyOf])).toContainEqual(["department head-office", ["@example-trading/leadership"]]);
    // The group itself belongs to the departments it reaches, nested groups included.
    expect(changes.find((c) => c.section === "Groups")).toMatchObject({ kind: "create", departments: ["head-office", "sales-north"] });
  });
  it("only groups that limit their senders count, and one spanning departments needs the organisation owners", () => {
    const NEST = "groups:\n  - { address: mixed@example.com, name: Mixed, members: [management@example.com, customers@example.com, sales-south-team@example.com], senders: anyone }\n";
    const { changes } = review(exampleEdited({ "members/sales.yaml": (t) => t + NEST }));
    // customers@ admits anyone: reaching it opens nothing. management@ spans departments; sales-south-team@ is sales-south's.
    expect(changes.find((c) => c.field === "reaches restricted groups")).toMatchObject({ before: [], after: ["management@example.com", "sales-south-team@example.com"], departments: ["sales-south"], orgWide: true });
  });
  it("the router keeps all@'s sender rules: an outsider reaches Sales North through the new group, not all staff", () => {
    const org = join(repo(), "org");
    const h = sideAt(org, "HEAD", DAY)!;
    const table = planOrg(h.org, h.index, { today: DAY }).inbound.table;
    const outsider = { from: "mallory@outside.example", dmarc: "PASS" as const, spam: "PASS" as const, virus: "PASS" as const };
    expect(decide(table, { ...outsider, recipients: ["all@example.com"] }).deliveries).toEqual([]);
    const via = decide(table, { ...outsider, recipients: ["sales-friends@example.com"] });
    expect(via.deliveries).toEqual(h.index.expand(["department:sales-north"]));
    expect(via.dropped.length).toBe(h.index.expand(["all@example.com"]).length - via.deliveries.length);
    expect(via.dropped[0]!.reason).toMatch(/^mallory@outside\.example may not send to group (all|management)@example\.com, through which sales-friends@example\.com reaches /);
    // A sender all@ admits (hr@, by DMARC-passing mail) still reaches everyone through the new group.
    const hr = decide(table, { ...outsider, from: "hr@example.com", recipients: ["sales-friends@example.com"] });
    expect(hr.deliveries).toEqual(h.index.expand(["sales-friends@example.com"]));
  });
});

describe("2. (continued) what is not a takeover, and role addresses whichever way they change hands", () => {
  const inbound = (repo: string) => review(repo).changes.filter((c) => c.section === "Inbound").map((c) => [c.subject, c.before, c.after, c.warning ?? null]);
  it("a new member's own address, an alias given up (back to the catch-all), an address on a domain without a catch-all: no takeover", () => {
    expect(inbound(exampleEdited({ "members/sales.yaml": (t) => `${t}  - { address: new.hire@example.com, name: New Hire, departments: [sales] }\n` }))).toEqual([]);
    expect(inbound(exampleEdited({ "members/sales.yaml": (t) => t.replace("aliases: [xp@example.com]", "aliases: []") }))).toEqual([]);
    const r = exampleRepo();
    const p = join(r.repo, "org/organisation.yaml");
    writeFileSync(p, readFileSync(p, "utf8").replace("  catch_all: lost-and-found@example.com\n", ""));
    r.commit("no catch-all");
    const s = join(r.repo, "org/members/sales.yaml");
    writeFileSync(s, readFileSync(s, "utf8").replace("aliases: [xp@example.com]", "aliases: [xp@example.com, invoices@example.com]"));
    r.commit("a new alias nobody received");
    expect(inbound(r.repo)).toEqual([]);
  });
  it("a role address removed (back to the catch-all) is named with its warning; one without certificate authority is warned about plainly", () => {
    expect(inbound(exampleEdited({ "mailboxes.yaml": (t) => t.slice(0, t.indexOf("  # A role address (RFC 2142)")) }))).toEqual([
      ["postmaster@example.com", "mailbox postmaster@example.com", "the catch-all lost-and-found@example.com", "postmaster@example.com is a role address (RFC 2142); certificate authorities send domain-validation mail to it, so whoever receives it can obtain certificates for example.com"],
    ]);
    expect(inbound(exampleEdited({ "members/sales.yaml": (t) => t.replace("aliases: [xp@example.com]", "aliases: [xp@example.com, abuse@example.com]") }))).toEqual([
      ["abuse@example.com", "the catch-all lost-and-found@example.com", "member xie.peng@example.com", "abuse@example.com is a role address (RFC 2142)"],
    ]);
  });
  it("a role address on a domain that receives no mail changes no one's mail", () => {
    expect(inbound(exampleEdited({ "members/sales.yaml": (t) => t.replace("aliases: [xp@example.com]", "aliases: [xp@example.com, postmaster@example-trading.net]") }))).toEqual([]);
  });
});

describe("6. (continued) git's own text is escaped too", () => {
  it("audit --address prints a commit subject that opens an HTML comment or a code span as text", () => {
    const r = exampleRepo();
    const s = join(r.repo, "org/members/sales.yaml");
    writeFileSync(s, readFileSync(s, "utf8").replace("aliases: [xp@example.com]", "aliases: [xp@example.com, peng@example.com]"));
    r.commit("tidy <!-- everything after this is hidden `");
    const out = runCli(["audit", "--address", "peng@example.com"], { cwd: r.repo });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain("| tidy &lt;!-- everything after this is hidden \\` |");
    expect(out.stdout).not.toContain("<!--");
  });
});
