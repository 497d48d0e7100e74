/**
 * Everything a reviewer must see, on a real temporary git repository: aliases, credentials, effective recipients
 * labelled by how they are reached, sending rights, delegations with end dates, backups and whom they copy, DNS
 * records; approvals checked against the rules; CODEOWNERS from a nested org directory; the audit report.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli, tempGitRepo } from "./helpers.ts";

const ORG = `organisation:
  name: Show Co
  region: eu-west-1
  default_department: hq
  owners: ["@sc/Mail-Admins"]
domains:
  - { name: example.com }
departments:
  - { id: hq, name: HQ, admins: ["@sc/leaders"] }
  - { id: sales, name: Sales, parent: hq, admins: ["@sc/sales-leads"] }
  - { id: ops, name: Ops, parent: hq, admins: ["@ops-alice", "@ops-bob"] }
mailboxes:
  - { address: shared@example.com, name: Shared, department: ops }
  - { address: archive@example.com, name: Archive }
groups:
  - { address: sales-team@example.com, name: Sales team, members: [department:sales] }
  - { address: everyone@example.com, name: Everyone, members: [sales-team@example.com, oli@example.com], senders: anyone }
  - { address: leads@example.com, name: Leads, members: [sam@example.com], senders: members }
backups:
  - { name: sales-hold, to: archive@example.com, match: { recipients: [department:sales] } }
`;
const PEOPLE = `members:
  - { address: sam@example.com, name: Sam, departments: [sales], aliases: [s@example.com] }
  - { address: oli@example.com, name: Oli, departments: [ops] }
  - { address: dan@example.com, name: Dan, departments: [ops] }
`;
/** One change touching every section a reviewer must see. */
const ORG_AFTER = ORG.replace("  - { name: example.com }", "  - { name: example.com, dmarc: { rua: [archive@example.com] } }")
  .replace("{ address: shared@example.com, name: Shared, department: ops }", "{ address: shared@example.com, name: Shared, department: ops, delegates: [{ member: sam@example.com, until: 2026-12-31 }] }")
  .replace("members: [sam@example.com], senders: members", "members: [sam@example.com, oli@example.com], senders: members");
const PEOPLE_AFTER = `members:
  - { address: sam@example.com, name: Sam, departments: [sales], aliases: [sam.s@example.com] }
  - { address: oli@example.com, name: Oli, departments: [ops], status: disabled }
  - { address: dan@example.com, name: Dan, departments: [ops], status: departed }
  - { address: nia@example.com, name: Nia, departments: [sales] }
`;

interface Change {
  section: string;
  subject: string;
  kind: string;
  field?: string;
  before: unknown;
  after: unknown;
  via?: Record<string, string>;
}

let repo: string;
let changes: Change[];
let markdown: string;
const cli = (...args: string[]) => runCli([...args, "--org", "org"], { cwd: repo });
const find = (section: string, subject: string, field?: string): Change | undefined => changes.find((c) => c.section === section && c.subject === subject && c.field === field);

beforeAll(() => {
  const r = tempGitRepo({ "org/org.yaml": ORG, "org/people.yaml": PEOPLE });
  repo = r.repo;
  writeFileSync(join(repo, "org/org.yaml"), ORG_AFTER);
  writeFileSync(join(repo, "org/people.yaml"), PEOPLE_AFTER);
  r.commit("the change");
  const json = cli("diff", "HEAD~1", "HEAD", "--format", "json");
  expect(json.stderr).toBe("");
  changes = JSON.parse(json.stdout).changes;
  markdown = cli("diff", "HEAD~1", "HEAD").stdout;
});

describe("diff shows what a reviewer must see", () => {
  it("aliases added and removed, each as an address of its own", () => {
    expect(find("Aliases", "sam.s@example.com")).toMatchObject({ kind: "create", before: null, after: "sam@example.com" });
    expect(find("Aliases", "s@example.com")).toMatchObject({ kind: "delete", before: "sam@example.com", after: null });
    expect(markdown).toContain("| + CREATE | `sam.s@example.com` | alias of sam@example.com added |");
    expect(markdown).toContain("| - DELETE | `s@example.com` | alias of sam@example.com removed |");
  });

  it("credentials created, disabled and revoked; a departure says SMTP credentials revoked", () => {
    expect(find("Credentials", "nia@example.com")).toMatchObject({ kind: "create", before: null, after: { status: "active" } });
    expect(find("Credentials", "oli@example.com", "status")).toMatchObject({ kind: "modify", before: "active", after: "disabled" });
    expect(find("Credentials", "dan@example.com")).toMatchObject({ kind: "delete", before: { status: "active" }, after: null });
    expect(markdown).toMatch(/\| - DELETE \| `dan@example\.com` \| SMTP credentials revoked \(IAM user and access key deleted from stack sending-\d\d\) \|/);
    expect(markdown).toContain("| ± MODIFY | `oli@example.com` | SMTP credentials disabled (access key set inactive) |");
    expect(markdown).toMatch(/\| \+ CREATE \| `nia@example\.com` \| SMTP credentials created \(IAM user and access key in stack sending-\d\d\) \|/);
  });

  it("effective recipients before and after, each person labelled with how they are reached, the group modified not created", () => {
    expect(find("Group recipients", "sales-team@example.com", "recipients")).toMatchObject({ kind: "modify", before: ["sam@example.com"], after: ["nia@example.com", "sam@example.com"], via: { "nia@example.com": "through department sales" } });
    expect(find("Group recipients", "everyone@example.com", "recipients")).toMatchObject({ kind: "modify", via: { "nia@example.com": "through group sales-team@example.com, department sales" } });
    expect(markdown).toContain("| ± MODIFY | `everyone@example.com` | gains 1: nia@example.com (through group sales-team@example.com, department sales) (2 -> 3 recipients) |");
    expect(changes.filter((c) => c.subject === "everyone@example.com" && c.kind !== "modify")).toEqual([]);
  });

  it("sending rights gained or lost: who may mail a group, and what each member may send as", () => {
    expect(find("Group senders", "leads@example.com", "may mail")).toMatchObject({ before: ["sam@example.com"], after: ["oli@example.com", "sam@example.com"], via: { "oli@example.com": "listed" } });
    expect(markdown).toContain("| ± MODIFY | `oli@example.com` | loses: may not mail leads@example.com |");
    const sam = find("Sending rights", "sam@example.com", "rights")!;
    expect(sam.before).toEqual(["send as s@example.com"]);
    expect(sam.after).toEqual(["send as sam.s@example.com", "send as shared@example.com before 2027-01-01T00:00:00Z"]);
  });

  it("opening a group to every member is a change of senders, not a loss of the senders it had", () => {
    const r = tempGitRepo({ "org/org.yaml": ORG, "org/people.yaml": PEOPLE });
    writeFileSync(join(r.repo, "org/org.yaml"), ORG.replace("members: [sam@example.com], senders: members", "members: [sam@example.com], senders: organisation"));
    r.commit("anyone in the org may mail leads@");
    const d = JSON.parse(runCli(["diff", "HEAD~1", "HEAD", "--org", "org", "--format", "json"], { cwd: r.repo }).stdout).changes as Change[];
    expect(d.filter((c) => c.section === "Group senders").map((c) => [c.field, c.before, c.after])).toEqual([["senders", "members", "organisation"]]);
    // Every other member may now mail it: their policies lose the deny.
    expect(d.find((c) => c.section === "Sending rights" && c.subject === "oli@example.com")).toMatchObject({ before: ["may not mail leads@example.com"], after: [] });
  });

  it("delegations with their end dates", () => {
    expect(find("Delegations", "shared@example.com", "delegate")).toMatchObject({ kind: "create", after: { member: "sam@example.com", until: "2026-12-31" } });
    expect(markdown).toContain("| + CREATE | `shared@example.com` | delegated to sam@example.com until 2026-12-31 |");
  });

  it("backup rules and whom they copy", () => {
    expect(find("Backups", "sales-hold", "recipients")).toMatchObject({ before: ["sam@example.com"], after: ["nia@example.com", "sam@example.com"], via: { "nia@example.com": "through department sales" } });
    expect(markdown).toContain("| ± MODIFY | `sales-hold` | now copies mail to: nia@example.com (through department sales) |");
  });

  it("DNS records that change, under a heading spelled DNS", () => {
    expect(find("DNS", "_dmarc.example.com TXT", "values")).toEqual(expect.objectContaining({ before: ["v=DMARC1; p=quarantine; adkim=r; aspf=r"], after: ["v=DMARC1; p=quarantine; rua=mailto:archive@example.com; adkim=r; aspf=r"] }));
    expect(find("DNS", "_smtp._tls.example.com TXT")).toMatchObject({ kind: "create", before: null, after: ["v=TLSRPTv1; rua=mailto:archive@example.com"] });
    expect(markdown).toContain("\n### DNS\n");
    expect(markdown).not.toMatch(/^### Dns/m);
  });
});

describe("approvers --check", () => {
  it("lists one requirement per affected department and the organisation owners", () => {
    const r = cli("approvers", "HEAD~1", "HEAD", "--format", "json");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).requirements.map((q: { scope: string; anyOf: string[] }) => [q.scope, q.anyOf])).toEqual([
      ["department ops", ["@ops-alice", "@ops-bob"]],
      ["department sales", ["@sc/sales-leads"]],
      ["organisation owners", ["@sc/Mail-Admins"]],
    ]);
  });
  it("exits 1 naming what is missing", () => {
    const r = cli("approvers", "HEAD~1", "HEAD", "--check", "--approved-by", "@ops-bob,@sc/sales-leads");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("mailorg: missing approval: organisation owners (one of @sc/Mail-Admins)\n");
    expect(r.stdout).toContain("organisation owners: one of @sc/Mail-Admins  MISSING\n");
    expect(r.stdout).toContain("department ops: one of @ops-alice, @ops-bob  approved\n");
    const none = cli("approvers", "HEAD~1", "HEAD", "--check");
    expect(none.status).toBe(1);
    expect(none.stderr).toBe("mailorg: missing approval: department ops (one of @ops-alice, @ops-bob); department sales (one of @sc/sales-leads); organisation owners (one of @sc/Mail-Admins)\n");
  });
  it("exits 0 when every requirement has an approval (handles compared without case, '@' optional)", () => {
    const r = cli("approvers", "HEAD~1", "HEAD", "--check", "--approved-by", "ops-bob, @SC/mail-admins,@sc/sales-leads");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("audit", () => {
  it("lists every group's senders, anyone included, as structured records", () => {
    const r = cli("audit", "--format", "json");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).groups).toEqual([
      { group: "everyone@example.com", senders: "anyone", listed: [], mayMail: null },
      { group: "leads@example.com", senders: "members", listed: [], mayMail: ["oli@example.com", "sam@example.com"] },
      { group: "sales-team@example.com", senders: "organisation", listed: [], mayMail: null },
    ]);
    expect(cli("audit").stdout).toContain("| everyone@example.com | anyone | anyone, inside or outside the org |");
  });
  it("--address finds a commit that changed the address only inside a long list (read from data, not from a shortened sentence)", () => {
    const ops = Array.from({ length: 12 }, (_, i) => `  - { address: op${String(i).padStart(2, "0")}@example.com, name: Op ${i}, departments: [ops] }`).join("\n");
    const r = tempGitRepo({ "org/org.yaml": ORG, "org/people.yaml": PEOPLE + ops + "\n" });
    writeFileSync(join(r.repo, "org/org.yaml"), ORG.replace("members: [sales-team@example.com, oli@example.com]", "members: [sales-team@example.com, oli@example.com, department:ops]"));
    r.commit("everyone gains the ops department");
    const h = runCli(["audit", "--address", "op11@example.com", "--org", "org", "--format", "json"], { cwd: r.repo });
    expect(h.status).toBe(0);
    const history = JSON.parse(h.stdout).history as { subject: string; changes: Change[] }[];
    expect(history.map((x) => x.subject)).toEqual(["initial", "everyone gains the ops department"]);
    // One of 12 recipients gained, past the 10 a sentence names: found in the change's data.
    expect(history[1]!.changes.map((c) => [c.section, c.subject, c.field, c.via?.["op11@example.com"]])).toEqual([["Group recipients", "everyone@example.com", "recipients", "through department ops"]]);
  });
  it("exits 1 for an address the org never had", () => {
    const r = cli("audit", "--address", "never@example.com");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("mailorg: never@example.com was never in the org: no commit of HEAD mentions it\n");
    expect(cli("audit", "--address", "nia@example.com").status).toBe(0);
  });
});

describe("owners", () => {
  const nested = (files: Record<string, string>) => {
    const r = tempGitRepo(Object.fromEntries(Object.entries(files).map(([k, v]) => [`config/mail/${k}`, v])));
    mkdirSync(join(r.repo, "tools"));
    return r.repo;
  };
  it("writes paths relative to the repository root wherever --org points, with fallbacks and no ownerless line", () => {
    const top = nested({ "org.yaml": ORG, "my people.yaml": PEOPLE });
    const r = runCli(["owners", "--org", "../config/mail"], { cwd: join(top, "tools") });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines).toEqual([
      "* @sc/Mail-Admins",
      "/config/mail/ @sc/Mail-Admins",
      "/config/mail/my\\ people.yaml @ops-alice @ops-bob @sc/sales-leads",
      "/config/mail/org.yaml @ops-alice @ops-bob @sc/Mail-Admins @sc/leaders @sc/sales-leads",
    ]);
  });
  it("refuses an org without owners: the code would have no owner", () => {
    const top = nested({ "org.yaml": ORG.replace('  owners: ["@sc/Mail-Admins"]\n', ""), "people.yaml": PEOPLE });
    const r = runCli(["owners", "--org", "config/mail"], { cwd: top });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^mailorg: organisation\.owners is empty in config\/mail: CODEOWNERS needs them/);
  });
  it("the README and docs/review.md redirect npx mailorg owners, not npm run (which prints its own banner)", () => {
    for (const doc of ["README.md", "docs/review.md"]) {
      const text = readFileSync(join(ROOT, doc), "utf8");
      expect(text).toContain("npx mailorg owners > .github/CODEOWNERS");
      expect(text).not.toContain("npm run mailorg -- owners >");
    }
  });
});

describe("one error style, --version, stacks --member", () => {
  it("--version prints package.json's version", () => {
    const r = runCli(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}\n`);
  });
  it("argument errors read like every other error: one line, mailorg:, exit 2", () => {
    const r = runCli(["diff"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mailorg: missing required argument 'base' (see mailorg --help)\n");
    expect(runCli(["audit", "--bogus"]).stderr).toBe("mailorg: unknown option '--bogus' (see mailorg --help)\n");
  });
  it("stacks --member honours --format json and exits 1 for an address that is not a member", () => {
    const ok = cli("stacks", "--member", "Sam@example.com", "--format", "json");
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ member: "sam@example.com", stack: expect.stringMatching(/^sending-\d\d$/), status: "active" });
    const cases: [string, string][] = [
      ["stranger@example.com", "mailorg: --member stranger@example.com is not a member of the org in org\n"],
      ["sam.s@example.com", "mailorg: --member sam.s@example.com is not a member of the org in org: it is an alias of sam@example.com (pass that address)\n"],
      ["leads@example.com", "mailorg: --member leads@example.com is not a member of the org in org: it is a group\n"],
    ];
    for (const [address, stderr] of cases) {
      const r = cli("stacks", "--member", address);
      expect(r.status, address).toBe(1);
      expect(r.stderr).toBe(stderr);
    }
    expect(cli("stacks", "--member", "dan@example.com").stderr).toMatch(/^mailorg: --member dan@example\.com has departed: their credentials were revoked \(they were in sending-\d\d\)\n$/);
  });
});
