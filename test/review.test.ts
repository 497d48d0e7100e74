/** diff, approvers, owners and audit on real temporary git repositories with several commits. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
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
    expect(r.stdout).toContain("**mailorg diff** `HEAD~2` → `HEAD~1`: 3 changes");
    expect(r.stdout).toContain("| ± MODIFY | `sue@example.com` | moves sales -> hr |");
    expect(r.stdout).toContain("| + CREATE | `sam@example.com` | gains alias sam.s@example.com |");
    expect(r.stdout).toContain("| - DELETE | `sales-team@example.com` | loses 1 recipient: sue@example.com |");
  });

  it("json lists departure as a state change, not a deletion", () => {
    const r = cli("diff", "HEAD~1", "HEAD", "--format", "json");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toEqual({ changes: 3, destructive: 0 });
    expect(out.changes.map((c: { kind: string; subject: string; detail: string }) => `${c.kind} ${c.subject} ${c.detail}`)).toEqual([
      "modify hugo@example.com departed: active -> departed",
      "modify hugo@example.com forward_to none -> hana@example.com",
      "delete all@example.com loses 1 recipient: hugo@example.com",
    ]);
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

  it("a bad ref is a usage error", () => {
    const r = cli("diff", "no-such-ref");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^mailorg: git rev-parse .* failed/);
  });
});

describe("approvers and owners", () => {
  it("a move between departments needs both sides' admins", () => {
    const r = cli("approvers", "HEAD~2", "HEAD~1", "--format", "json");
    expect(r.status).toBe(0);
    const owners = JSON.parse(r.stdout).map((a: { owner: string }) => a.owner);
    expect(owners).toEqual(["@rc/hr-leads", "@rc/sales-leads"]);
  });
  it("an organisation-wide change needs the organisation owners", () => {
    write("org/org.yaml", ORG.replace("policy: reject", "policy: quarantine"));
    try {
      const owners = JSON.parse(cli("approvers", "HEAD", "--format", "json").stdout).map((a: { owner: string }) => a.owner);
      expect(owners).toEqual(["@rc/mail-admins"]);
    } finally {
      git("checkout", "-q", "--", ".");
    }
  });
  it("prints CODEOWNERS with department admins per file", () => {
    const r = cli("owners");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")).toEqual(expect.arrayContaining(["/org/hr.yaml @rc/hr-leads", "/org/sales.yaml @rc/sales-leads", "/schemas/ @rc/mail-admins"]));
    expect(r.stdout).toMatch(/^\/org\/org\.yaml .*@rc\/mail-admins/m);
  });
});

describe("mailorg audit", () => {
  it("reports restricted groups, departed members with forwards and delegations", () => {
    const r = cli("audit", "--format", "json");
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.restrictedGroups.find((g: { group: string }) => g.group === "all@example.com")).toEqual({ group: "all@example.com", senders: "hana@example.com", mayMail: ["hana@example.com"] });
    expect(a.departed).toEqual([{ member: "hugo@example.com", forwardTo: ["hana@example.com"] }]);
    expect(a.delegations).toEqual([{ mailbox: "hr@example.com", member: "hana@example.com", until: null }]);
  });
  it("--at reports the org at an earlier commit", () => {
    expect(JSON.parse(cli("audit", "--at", "HEAD~2", "--format", "json").stdout).departed).toEqual([]);
  });
  it("--address lists every commit that changed the address, with author and date", () => {
    const r = cli("audit", "--address", "SUE@example.com", "--format", "json");
    expect(r.status).toBe(0);
    const h = JSON.parse(r.stdout).history as { author: string; subject: string; date: string; changes: { detail: string }[] }[];
    expect(h.map((x) => [x.author, x.subject])).toEqual([["Alice Admin", "initial org"], ["Bob Boss", "move Sue to HR"]]);
    expect(h[1]!.date).toBe("2026-05-01T10:00:00+00:00");
    expect(h[1]!.changes.map((c) => c.detail)).toContain("moves sales -> hr");
    const hugo = JSON.parse(cli("audit", "--address", "hugo@example.com", "--format", "json").stdout).history;
    expect(hugo.map((x: { subject: string }) => x.subject)).toEqual(["initial org", "Hugo has left"]);
  });
});
