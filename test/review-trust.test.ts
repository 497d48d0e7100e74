/**
 * Review as a security boundary, on real git repositories: rerouting mail is named and owner-approved, a move
 * of the Terraform state is refused until declared, authority comes from the base side, a whole organisation
 * created, replaced or removed is one change, a shallow clone is refused by `audit --address`, and CODEOWNERS
 * never receives a file name it would read as a glob. Decisions in-process; a few CLI runs for the wiring.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadValidOrg } from "../model/validate.ts";
import { missingApprovals, requiredApprovals } from "../review/approvers.ts";
import { addressHistory } from "../review/audit.ts";
import { diffSides, type Change } from "../review/diff.ts";
import { repoPaths, sideAt } from "../review/git.ts";
import { codeowners } from "../review/owners.ts";
import { renderMarkdown, renderText } from "../review/render.ts";
import { runCli, tempGitRepo } from "./helpers.ts";

const DAY = "2026-06-01";

const ORG = `organisation:
  name: Trust Co
  region: eu-west-1
  default_department: hq
  catch_all: lost@example.com
  owners: ["@trust/mail-admins"]
  state: { bucket: trust-state, region: eu-west-1 }
  delivery:
    relay: { host: mx.corp.example.com, tls: required }
domains:
  - { name: example.com, dmarc: { policy: reject } }
departments:
  - { id: hq, name: HQ, admins: ["@trust/hq-leads"] }
  - { id: sales, name: Sales, parent: hq, admins: ["@trust/sales-leads"] }
mailboxes:
  - { address: lost@example.com, name: Lost }
  - { address: archive@example.com, name: Archive }
members:
  - { address: ann@example.com, name: Ann, departments: [sales] }
  - { address: bob@example.com, name: Bob, departments: [hq] }
backups:
  - { name: hold, to: archive@example.com, match: { recipients: [ann@example.com] } }
`;

const git = (repo: string, ...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
/** A repository whose first commit is ORG and whose second commit is `edit(ORG)`. */
function edited(edit: (org: string) => string): string {
  const r = tempGitRepo({ "org/org.yaml": ORG });
  writeFileSync(join(r.repo, "org/org.yaml"), edit(ORG));
  r.commit("the change");
  return r.repo;
}
/** The changes of the last commit, and the approvals they need, read from the repository as the CLI reads it. */
function review(repo: string, base = "HEAD~1", head: string | undefined = "HEAD") {
  const org = join(repo, "org");
  const b = sideAt(org, base, DAY);
  const h = sideAt(org, head, DAY);
  const changes = diffSides(b, h, { today: DAY });
  return { changes, reqs: requiredApprovals(changes, { base: b, head: h }) };
}
const scopes = (r: ReturnType<typeof review>) => r.reqs.map((q) => [q.scope, q.anyOf]);
const only = (cs: Change[]) => cs.map((c) => [c.section, c.subject, c.field, c.before, c.after, c.reroutes ?? null]);

describe("mail sent elsewhere is named before -> after and approved by the organisation owners", () => {
  it("the relay: host, port, auth secret; every delivered address is affected", () => {
    const r = review(edited((o) => o.replace("{ host: mx.corp.example.com, tls: required }", "{ host: mx.outside.example.net, port: 2525, tls: required, auth_secret: relay/creds }")));
    const who = ["ann@example.com", "archive@example.com", "bob@example.com", "lost@example.com"];
    expect(only(r.changes)).toEqual([
      ["Delivery", "relay", "host", "mx.corp.example.com", "mx.outside.example.net", who],
      ["Delivery", "relay", "port", 25, 2525, who],
      ["Delivery", "relay", "auth_secret", null, "relay/creds", who],
    ]);
    expect(scopes(r)).toEqual([["organisation owners", ["@trust/mail-admins"]]]);
    expect(renderText(r.changes)).toContain("± MODIFY [Delivery] relay: host mx.corp.example.com -> mx.outside.example.net  (reroutes mail of ann@example.com, archive@example.com, bob@example.com, lost@example.com)\n");
    const md = renderMarkdown(r.changes, "HEAD~1", "HEAD");
    expect(md).toContain("3 changes, **3 rerouting mail**");
    expect(md).toContain("> [!WARNING]\n> Mail goes somewhere else (organisation owners approve):\n> - Delivery: `relay` host mx.corp.example.com -> mx.outside.example.net: mail of ann@example.com, archive@example.com, bob@example.com, lost@example.com\n");
  });

  it("removing the relay is destructive: members' mailboxes stop receiving", () => {
    const r = review(edited((o) => o.replace("  delivery:\n    relay: { host: mx.corp.example.com, tls: required }\n", "")));
    expect(r.changes.map((c) => [c.section, c.kind, c.destructive])).toEqual([["Delivery", "delete", true]]);
    expect(r.changes[0]!.reason).toMatch(/^the relay mx\.corp\.example\.com is removed: delivered mail is only kept in the mail store/);
  });

  it("a member's own forward out of the company: the member's department admins and the owners", () => {
    const r = review(edited((o) => o.replace("{ address: ann@example.com, name: Ann, departments: [sales] }", "{ address: ann@example.com, name: Ann, departments: [sales], forward: { to: [ann@gmail.example.org], keep_copy: false } }")));
    expect(only(r.changes)).toEqual([["Members", "ann@example.com", "forward", null, { to: ["ann@gmail.example.org"], keep_copy: false }, ["ann@example.com"]]]);
    expect(scopes(r)).toEqual([["department sales", ["@trust/sales-leads"]], ["organisation owners", ["@trust/mail-admins"]]]);
    expect(renderText(r.changes)).toContain("forwards all mail out of the company to ann@gmail.example.org (no copy kept)");
  });

  it("a departed member's successor, the catch-all and a backup's target", () => {
    const r = review(edited((o) =>
      o.replace("{ address: bob@example.com, name: Bob, departments: [hq] }", "{ address: bob@example.com, name: Bob, departments: [hq], status: departed, forward_to: [ann@example.com] }")
        .replace("catch_all: lost@example.com", "catch_all: archive@example.com")
        .replace("to: archive@example.com, match", "to: lost@example.com, match"),
    ));
    const rerouting = r.changes.filter((c) => c.reroutes).map((c) => [c.section, c.subject, c.field ?? null, c.before, c.after, c.reroutes]);
    expect(rerouting).toEqual([
      ["Members", "bob@example.com", "forward_to", [], ["ann@example.com"], ["bob@example.com"]],
      ["Organisation", "catch_all", null, "lost@example.com", "archive@example.com", ["*@example.com"]],
      ["Backups", "hold", "to", "archive@example.com", "lost@example.com", ["ann@example.com"]],
    ]);
    expect(scopes(r)).toEqual([["department hq", ["@trust/hq-leads"]], ["organisation owners", ["@trust/mail-admins"]]]);
  });

  it("a move of the Terraform state is destructive until declared with --allow-destructive; a new role for it is not", () => {
    const moved = review(edited((o) => o.replace("state: { bucket: trust-state, region: eu-west-1 }", "state: { bucket: trust-state-2, region: eu-west-1 }")));
    expect(moved.changes.map((c) => [c.subject, c.field, c.before, c.after, c.destructive])).toEqual([["state", "location", "s3://trust-state/mailorg/ (eu-west-1)", "s3://trust-state-2/mailorg/ (eu-west-1)", true]]);
    expect(moved.changes[0]!.reason).toContain("terraform init -migrate-state per stack");
    expect(moved.changes[0]!.reason).toContain("declare the migration done with --allow-destructive (in CI: the allow-destructive label)");
    const role = review(edited((o) => o.replace("state: { bucket: trust-state, region: eu-west-1 }", "state: { bucket: trust-state, region: eu-west-1, role_arn: \"arn:aws:iam::123456789012:role/state\" }")));
    expect(role.changes.map((c) => [c.subject, c.field, c.destructive])).toEqual([["state", "role_arn", false]]);
  });
});

describe("authority is read from the base side", () => {
  const takeover = (o: string) => o.replace('owners: ["@trust/mail-admins"]', 'owners: ["@mallory"]').replace("policy: reject", "policy: none");

  it("a change that replaces the owners and weakens DMARC needs the base's owners, not the proposed ones", () => {
    const r = review(edited(takeover));
    expect(scopes(r)).toEqual([["organisation owners", ["@trust/mail-admins"]]]);
    expect(missingApprovals(r.reqs, ["@mallory"]).map((q) => q.scope)).toEqual(["organisation owners"]);
    expect(missingApprovals(r.reqs, ["@trust/mail-admins"])).toEqual([]);
  });

  it("a department's new admins are approved by its base-side admins, its parent's and the owners; a new department answers to its base-side parent", () => {
    const r = review(edited((o) =>
      o.replace('admins: ["@trust/sales-leads"]', 'admins: ["@mallory"]')
        .replace("  - { id: sales, name: Sales, parent: hq", "  - { id: side, name: Side, parent: sales, admins: [\"@mallory\"] }\n  - { id: sales, name: Sales, parent: hq")
        .replace("{ address: ann@example.com, name: Ann, departments: [sales] }", "{ address: ann@example.com, name: Ann, departments: [side] }"),
    ));
    expect(scopes(r)).toEqual([
      ["department hq", ["@trust/hq-leads"]],
      ["department sales", ["@trust/sales-leads"]],
      ["department side", ["@trust/sales-leads"]],
      ["organisation owners", ["@trust/mail-admins"]],
    ]);
  });

  it("the CLI: --check with the pull request's author alone fails, naming the base's owners", () => {
    const repo = edited(takeover);
    const r = runCli(["approvers", "HEAD~1", "HEAD", "--org", "org", "--check", "--approved-by", "@mallory"], { cwd: repo });
    expect(r.stderr).toBe("mailorg: missing approval: organisation owners (one of @trust/mail-admins)\n");
    expect(r.status).toBe(1);
  }, 60_000);
});

describe("a whole organisation created, replaced or removed", () => {
  let repo: string;
  beforeAll(() => {
    const r = tempGitRepo({ "README.md": "no org yet\n" });
    repo = r.repo;
    execFileSync("mkdir", ["-p", join(repo, "org")]);
    writeFileSync(join(repo, "org/org.yaml"), ORG);
    r.commit("the organisation");
    // A fresh start: another organisation (id and domains) replaces it, with its own state.
    writeFileSync(join(repo, "org/org.yaml"), "organisation:\n  name: Fresh Start\n  region: eu-west-1\n  default_department: hq\n  owners: [\"@fresh/admins\"]\n  state: { bucket: fresh-state, region: eu-west-1 }\ndomains:\n  - { name: fresh.example }\ndepartments:\n  - { id: hq, name: HQ }\nmembers:\n  - { address: zoe@fresh.example, name: Zoe }\n");
    r.commit("our own organisation");
    rmSync(join(repo, "org"), { recursive: true });
    r.commit("remove the org");
  });

  it("a base without an org: one change, a new organisation listing what it creates, approved by the head's owners", () => {
    const r = review(repo, "HEAD~3", "HEAD~2");
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ section: "Organisation", subject: "trust-co", kind: "create", before: null, destructive: false });
    expect(r.changes[0]!.after).toMatchObject({ domains: ["example.com"], members: ["ann@example.com", "bob@example.com"], mailboxes: ["archive@example.com", "lost@example.com"], relay: "mx.corp.example.com" });
    expect(renderText(r.changes)).toBe("+ CREATE [Organisation] trust-co: a new organisation in eu-west-1 (state: s3://trust-state/mailorg/ (eu-west-1)), creating 1 domain (example.com); 2 departments (hq, sales); 2 members (ann@example.com, bob@example.com); 2 mailboxes (archive@example.com, lost@example.com); 1 backup rule (hold); the relay to mx.corp.example.com\n");
    expect(scopes(r)).toEqual([["organisation owners", ["@trust/mail-admins"]]]);
  });

  it("another organisation id and domains: a new organisation replacing the old, approved by the base's owners", () => {
    const r = review(repo, "HEAD~2", "HEAD~1");
    expect(r.changes.map((c) => [c.subject, c.kind, c.destructive])).toEqual([["fresh-start", "create", false]]);
    expect(renderText(r.changes)).toContain("a new organisation in eu-west-1 (state: s3://fresh-state/mailorg/ (eu-west-1)), replacing trust-co, creating 1 domain (fresh.example)");
    expect(scopes(r)).toEqual([["organisation owners", ["@trust/mail-admins"]]]);
  });

  it("in the same state as the old one it is destructive: the old organisation's resources would be destroyed", () => {
    const r = review(edited((o) => o.replace("name: Trust Co", "name: Other Co").replace("name: example.com", "name: example.org").replace(/@example\.com/g, "@example.org")));
    expect(r.changes.map((c) => [c.subject, c.destructive])).toEqual([["other-co", true]]);
    expect(r.changes[0]!.reason).toMatch(/^organisation other-co replaces trust-co in the same Terraform state \(s3:\/\/trust-state\/mailorg\/ \(eu-west-1\)\)/);
  });

  it("a removed org directory: one destructive change listing what is removed; exit 1 from the CLI, for a commit and for the working tree", () => {
    const r = review(repo, "HEAD~1", "HEAD");
    expect(r.changes.map((c) => [c.subject, c.kind, c.destructive])).toEqual([["fresh-start", "delete", true]]);
    expect(r.changes[0]!.reason).toBe("the org directory is removed: organisation fresh-start and everything mailorg deploys for it would be destroyed (1 domain (identities and DNS records), the credentials of 1 member, 0 groups, 0 mailboxes, the receipt rules and the router); restore the org directory, or pass --allow-destructive to retire the organisation");
    expect(scopes(r)).toEqual([["organisation owners", ["@fresh/admins"]]]);
    const commit = runCli(["diff", "HEAD~1", "HEAD", "--org", "org", "--format", "text"], { cwd: repo });
    expect(commit.status).toBe(1);
    expect(commit.stdout).toBe("- DELETE [Organisation] fresh-start: organisation removed with all it held: 1 domain (fresh.example); 1 department (hq); 1 member (zoe@fresh.example)  (destructive)\n");
    expect(commit.stderr).toContain("mailorg: refusing 1 destructive change:\n  - the org directory is removed");
    const tree = runCli(["diff", "HEAD~1", "--org", "org", "--format", "json"], { cwd: repo });
    expect(tree.status).toBe(1);
    expect(JSON.parse(tree.stdout)).toMatchObject({ base: "HEAD~1", head: "working tree", summary: { changes: 1, destructive: 1 } });
    // Neither side has an org: a usage error, not a change.
    const neither = runCli(["diff", "HEAD", "--org", "org"], { cwd: repo });
    expect(neither.status).toBe(2);
    expect(neither.stderr).toBe("mailorg: org holds no org file at HEAD or in the working tree; pass --org with the org directory (default org, run from the repository's top level)\n");
  }, 60_000);
});

describe("review tools on real histories", () => {
  it("audit --address refuses a shallow clone with the git fetch --unshallow hint", () => {
    const r = tempGitRepo({ "org/org.yaml": ORG });
    writeFileSync(join(r.repo, "org/org.yaml"), ORG.replace("{ address: bob@example.com, name: Bob, departments: [hq] }", "{ address: bob@example.com, name: Bob, departments: [hq], title: Boss }"));
    r.commit("Bob's title");
    const shallow = join(mkdtempSync(join(tmpdir(), "mailorg-shallow-")), "clone");
    git(r.repo, "clone", "-q", "--depth", "1", `file://${r.repo}`, shallow);
    // The full history names the first commit; the shallow one would name the cut-off commit instead.
    expect(addressHistory(join(r.repo, "org"), "ann@example.com", undefined, DAY).map((h) => h.subject)).toEqual(["initial"]);
    expect(() => addressHistory(join(shallow, "org"), "ann@example.com", undefined, DAY)).toThrow(/is a shallow clone: .*git fetch --unshallow; in GitHub Actions, actions\/checkout with fetch-depth: 0/);
    const cli = runCli(["audit", "--address", "ann@example.com", "--org", "org"], { cwd: shallow });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/^mailorg: the repository at .* is a shallow clone: its history starts at a cut-off commit, which audit --address would report as the moment everything in it was created; fetch the whole history first \(git fetch --unshallow; in GitHub Actions, actions\/checkout with fetch-depth: 0\)\n$/);
    git(shallow, "fetch", "-q", "--unshallow");
    expect(addressHistory(join(shallow, "org"), "ann@example.com", undefined, DAY).map((h) => h.subject)).toEqual(["initial"]);
  }, 60_000);

  it("CODEOWNERS: a file name holding glob characters is refused (exit 1), a space is escaped", () => {
    const r = tempGitRepo({ "org/org.yaml": ORG.replace(/members:\n[\s\S]*?backups:/, "backups:"), "org/sales team.yaml": "members:\n  - { address: ann@example.com, name: Ann, departments: [sales] }\n", "org/hq.yaml": "members:\n  - { address: bob@example.com, name: Bob, departments: [hq] }\n" });
    const owners = () => {
      const { org, index, sources } = loadValidOrg(join(r.repo, "org"));
      return codeowners(org, index, sources, repoPaths(join(r.repo, "org")));
    };
    const ok = owners();
    expect(ok.unsafe).toEqual([]);
    expect(ok.text).toContain("\n/org/sales\\ team.yaml @trust/sales-leads\n");
    renameSync(join(r.repo, "org/hq.yaml"), join(r.repo, "org/*.yaml"));
    renameSync(join(r.repo, "org/sales team.yaml"), join(r.repo, "org/sales[1].yaml"));
    expect(owners().unsafe).toEqual([{ path: "org/*.yaml", chars: ["*"] }, { path: "org/sales[1].yaml", chars: ["[", "]"] }]);
    const cli = runCli(["owners", "--org", "org"], { cwd: r.repo });
    expect(cli.status).toBe(1);
    expect(cli.stdout).toBe("");
    expect(cli.stderr).toBe(
      "mailorg: org/*.yaml: the name holds '*', which CODEOWNERS reads as a pattern and cannot escape; rename it using letters, digits, '.', '-', '_' and spaces\n" +
        "mailorg: org/sales[1].yaml: the name holds '[', ']', which CODEOWNERS reads as a pattern and cannot escape; rename it using letters, digits, '.', '-', '_' and spaces\n",
    );
  }, 60_000);

  it("audit shows members' forwards out of the company and the relay", async () => {
    const repo = edited((o) => o.replace("{ address: ann@example.com, name: Ann, departments: [sales] }", "{ address: ann@example.com, name: Ann, departments: [sales], forward: { to: [ann@gmail.example.org], keep_copy: false } }"));
    const { auditReport } = await import("../review/audit.ts");
    const side = sideAt(join(repo, "org"), undefined, DAY)!;
    const report = auditReport(side.org, side.index);
    expect(report.forwards).toEqual([{ member: "ann@example.com", to: ["ann@gmail.example.org"], keepCopy: false }]);
    expect(report.relay).toEqual({ host: "mx.corp.example.com", port: 25, authSecret: null });
  });
});
