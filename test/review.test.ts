/** diff, approvers, owners and audit on real temporary git repositories with several commits. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers.ts";

const ORG = `organisation:
  name: Review Co
  region: eu-west-1
  default_department: hq
  catch_all: lost@example.com
  owners: ["@rc/mail-admins"]
domains:
  - { name: example.com, dmarc: { policy: reject } }
departments:
  - { id: hq, name: HQ, admins: ["@rc/leaders"] }
  - { id: sales, name: Sales, parent: hq, admins: ["@rc/sales-leads"] }
  - { id: hr, name: HR, parent: hq, admins: ["@rc/hr-leads"] }
mailboxes:
  - { address: lost@example.com, name: Lost }
  - { address: hr@example.com, name: HR, department: hr, delegates: [{ member: hana@example.com }] }
groups:
  - { address: all@example.com, name: All, members: [department:hq], senders: [hana@example.com] }
  - { address: sales-team@example.com, name: Sales, members: [department:sales] }
`;
const SALES = `members:
  - { address: sam@example.com, name: Sam, departments: [sales], aliases: [s@example.com] }
  - { address: sue@example.com, name: Sue, departments: [sales] }
`;
const HR = `members:
  - { address: hana@example.com, name: Hana, departments: [hr] }
  - { address: hugo@example.com, name: Hugo, departments: [hr] }
`;

let repo: string;
const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
const write = (rel: string, text: string) => {
  mkdirSync(dirname(join(repo, rel)), { recursive: true });
  writeFileSync(join(repo, rel), text);
};
const commit = (msg: string, author = "Alice Admin <alice@example.com>") => {
  git("add", "-A");
  git("-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "--author", author, "--date", "2026-05-01T10:00:00Z", "-m", msg);
  return git("rev-parse", "HEAD").trim();
};
const cli = (...args: string[]) => runCli([...args, "--org", "org"], { cwd: repo });

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "mailorg-repo-"));
  git("init", "-q", "-b", "main");
  write("org/org.yaml", ORG);
  write("org/sales.yaml", SALES);
  write("org/hr.yaml", HR);
  commit("initial org");
  // Sue moves from sales to HR; Sam gains an alias.
  write("org/sales.yaml", SALES.replace("  - { address: sue@example.com, name: Sue, departments: [sales] }\n", "").replace("aliases: [s@example.com]", "aliases: [s@example.com, sam.s@example.com]"));
  write("org/hr.yaml", HR + "  - { address: sue@example.com, name: Sue, departments: [hr] }\n");
  commit("move Sue to HR", "Bob Boss <bob@example.com>");
  // Hugo leaves: departed, forwarded to Hana.
  write("org/hr.yaml", HR.replace("{ address: hugo@example.com, name: Hugo, departments: [hr] }", "{ address: hugo@example.com, name: Hugo, departments: [hr], status: departed, forward_to: [hana@example.com] }") + "  - { address: sue@example.com, name: Sue, departments: [hr] }\n");
  commit("Hugo has left");
});

describe("mailorg diff", () => {
  it("describes a move, an alias and effective recipients in markdown, exit 0", () => {
    const r = cli("diff", "HEAD~2", "HEAD~1");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The new alias takes an address the catch-all received: mail going elsewhere, named as such (#28).
    expect(r.stdout).toContain("**mailorg diff** `HEAD~2` → `HEAD~1`: 5 changes, **1 rerouting mail**");
    expect(r.stdout).toContain("> - Inbound: `sam.s@example.com` mail to it goes to member sam@example.com instead of the catch-all lost@example.com: mail of sam.s@example.com\n");
    expect(r.stdout).toContain("| ± MODIFY | `sue@example.com` | moves sales -> hr |");
    expect(r.stdout).toContain("### Aliases\n\n|  | subject | change |\n| --- | --- | --- |\n| + CREATE | `sam.s@example.com` | alias of sam@example.com added |");
    // The group is modified, not deleted: one of its recipients left through the department.
    expect(r.stdout).toContain("### Group recipients\n\n|  | subject | change |\n| --- | --- | --- |\n| ± MODIFY | `sales-team@example.com` | loses 1: sue@example.com (no longer through department sales) (2 -> 1 recipients) |");
    expect(r.stdout).toContain("### Sending rights\n\n|  | subject | change |\n| --- | --- | --- |\n| ± MODIFY | `sam@example.com` | gains: send as sam.s@example.com |");
  });

  it("json lists departure as a state change, not a deletion", () => {
    const r = cli("diff", "HEAD~1", "HEAD", "--format", "json");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toEqual({ changes: 4, destructive: 0, reroutes: 1 });
    expect(out.changes).toEqual([
      { section: "Members", subject: "hugo@example.com", kind: "modify", field: "status", before: "active", after: "departed", destructive: false, departments: ["hr"], orgWide: false },
      // A successor receives the departed member's mail: rerouting, approved by the organisation owners too.
      { section: "Members", subject: "hugo@example.com", kind: "modify", field: "forward_to", before: [], after: ["hana@example.com"], destructive: false, departments: ["hr"], orgWide: true, reroutes: ["hugo@example.com"] },
      { section: "Credentials", subject: "hugo@example.com", kind: "delete", before: { status: "active", stack: expect.stringMatching(/^sending-\d\d$/) }, after: null, destructive: false, departments: ["hr"], orgWide: false },
      { section: "Group recipients", subject: "all@example.com", kind: "modify", field: "recipients", before: ["hana@example.com", "hugo@example.com", "sam@example.com", "sue@example.com"], after: ["hana@example.com", "sam@example.com", "sue@example.com"], via: { "hugo@example.com": "departed" }, destructive: false, departments: ["hq"], orgWide: false },
    ]);
    // The text rendering of the same list says what a departure does to the credentials.
    expect(cli("diff", "HEAD~1", "HEAD", "--format", "text").stdout).toMatch(/^- DELETE \[Credentials\] hugo@example\.com: SMTP credentials revoked \(IAM user and access key deleted from stack sending-\d\d\)$/m);
  });

  it("refuses destructive changes unless --allow-destructive: a member removed without departing, the catch-all removed, DMARC weakened", () => {
    write("org/hr.yaml", HR.replace("  - { address: hana@example.com, name: Hana, departments: [hr] }\n", "  - { address: hana@example.com, name: Hana, departments: [hr] }\n").replace(/  - \{ address: hugo.*\n/, "") + "  - { address: sue@example.com, name: Sue, departments: [hr] }\n");
    write("org/org.yaml", ORG.replace("  catch_all: lost@example.com\n", "").replace("policy: reject", "policy: none"));
    try {
      const r = cli("diff", "HEAD~1", "--format", "text");
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("mailorg: refusing 3 destructive changes:");
      expect(r.stderr).toContain("the catch-all is removed: mail to mistyped addresses will be rejected");
      expect(r.stderr).toContain("member hugo@example.com is removed without having been departed first");
      expect(r.stderr).toContain("DMARC of example.com is weakened (p=reject pct=100 -> p=none pct=100)");
      expect(cli("diff", "HEAD~1", "--format", "text", "--allow-destructive").status).toBe(0);
      // Removing a member who had departed in BASE is not destructive.
      expect(cli("diff", "HEAD", "--format", "json").stdout).not.toContain("hugo@example.com is removed without");
    } finally {
      git("checkout", "-q", "--", ".");
    }
  });

  it("is empty when files are renamed and entries reordered", () => {
    renameSync(join(repo, "org/sales.yaml"), join(repo, "org/zz-people.yaml"));
    write("org/hr.yaml", HR.split("\n").filter(Boolean).slice(1).reverse().join("\n").replace(/^/, "members:\n") + "\n");
    try {
      const hr = git("show", "HEAD:org/hr.yaml").split("\n").filter((l) => l.startsWith("  - "));
      write("org/hr.yaml", "members:\n" + [...hr].reverse().join("\n") + "\n");
      const r = cli("diff", "HEAD", "--format", "text");
      expect(r.stdout).toBe("no change to the organisation\n");
      expect(r.status).toBe(0);
    } finally {
      rmSync(join(repo, "org/zz-people.yaml"));
      git("checkout", "-q", "--", ".");
    }
  });

  it("a bad ref is a usage error, said in one line", () => {
    const r = cli("diff", "no-such-ref");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mailorg: 'no-such-ref' is not a branch, tag or commit of the repository at ${realpathSync(repo)}; pass one such as origin/main (run git fetch if it is a remote branch)\n`);
  });
});

describe("approvers and owners", () => {
  it("a move between departments needs both sides' admins (and the alias, taking an address from the catch-all, the owners)", () => {
    const r = cli("approvers", "HEAD~2", "HEAD~1", "--format", "json");
    expect(r.status).toBe(0);
    const reqs = JSON.parse(r.stdout).requirements.map((a: { scope: string; anyOf: string[] }) => [a.scope, a.anyOf]);
    expect(reqs).toEqual([["department hr", ["@rc/hr-leads"]], ["department sales", ["@rc/sales-leads"]], ["organisation owners", ["@rc/mail-admins"]]]);
  });
  it("--check: a move between departments needs an approval from each side", () => {
    const one = cli("approvers", "HEAD~2", "HEAD~1", "--check", "--approved-by", "@rc/hr-leads");
    expect(one.status).toBe(1);
    expect(one.stderr).toBe("mailorg: missing approval: department sales (one of @rc/sales-leads); organisation owners (one of @rc/mail-admins)\n");
    const both = cli("approvers", "HEAD~2", "HEAD~1", "--check", "--approved-by", "@rc/hr-leads,@rc/sales-leads,@rc/mail-admins");
    expect(both.status).toBe(0);
    expect(both.stdout).toContain("department sales: one of @rc/sales-leads  approved\n");
  });
  it("an organisation-wide change needs the organisation owners", () => {
    write("org/org.yaml", ORG.replace("policy: reject", "policy: quarantine"));
    try {
      const reqs = JSON.parse(cli("approvers", "HEAD", "--format", "json").stdout).requirements.map((a: { scope: string; anyOf: string[] }) => [a.scope, a.anyOf]);
      expect(reqs).toEqual([["organisation owners", ["@rc/mail-admins"]]]);
    } finally {
      git("checkout", "-q", "--", ".");
    }
  });
  it("prints CODEOWNERS with department admins per file", () => {
    const r = cli("owners");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([
      "* @rc/mail-admins",
      "/org/ @rc/mail-admins",
      "/org/hr.yaml @rc/hr-leads",
      "/org/org.yaml @rc/hr-leads @rc/leaders @rc/mail-admins @rc/sales-leads",
      "/org/sales.yaml @rc/sales-leads",
    ]);
  });
});

describe("mailorg audit", () => {
  it("reports restricted groups, departed members with forwards and delegations", () => {
    const r = cli("audit", "--format", "json");
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.groups).toEqual([
      { group: "all@example.com", senders: "list", listed: ["hana@example.com"], mayMail: ["hana@example.com"] },
      { group: "sales-team@example.com", senders: "organisation", listed: [], mayMail: null },
    ]);
    expect(a.departed).toEqual([{ member: "hugo@example.com", forwardTo: ["hana@example.com"] }]);
    expect(a.delegations).toEqual([{ mailbox: "hr@example.com", member: "hana@example.com", until: null }]);
  });
  it("--at reports the org at an earlier commit", () => {
    expect(JSON.parse(cli("audit", "--at", "HEAD~2", "--format", "json").stdout).departed).toEqual([]);
  });
  it("--address lists every commit that changed the address, with author and date", () => {
    const r = cli("audit", "--address", "SUE@example.com", "--format", "json");
    expect(r.status).toBe(0);
    const h = JSON.parse(r.stdout).history as { author: string; subject: string; date: string; changes: { section: string; field?: string; before: unknown; after: unknown }[] }[];
    expect(h.map((x) => [x.author, x.subject])).toEqual([["Alice Admin", "initial org"], ["Bob Boss", "move Sue to HR"]]);
    expect(h[1]!.date).toBe("2026-05-01T10:00:00+00:00");
    expect(h[1]!.changes).toContainEqual(expect.objectContaining({ section: "Members", field: "departments", before: ["sales"], after: ["hr"] }));
    const hugo = JSON.parse(cli("audit", "--address", "hugo@example.com", "--format", "json").stdout).history;
    expect(hugo.map((x: { subject: string }) => x.subject)).toEqual(["initial org", "Hugo has left"]);
  });
});
