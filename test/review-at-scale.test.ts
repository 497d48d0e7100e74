/**
 * Reviews at scale (issue #31, item 5): what makes `diff` and `approvers` fast must never change what they say.
 * - The built CLI runs the rules on a second thread (review/rules-worker.ts) while it plans and compares; it
 *   must answer, and refuse, exactly as the serial path (`sides` + `diffSides`, in process) does.
 * - A file whose text is the same on both sides is parsed once and its data shared (model/load.ts, `shared`):
 *   a change in a shared file (groups, departments) that reaches members whose own files did not change must
 *   still show, and nothing may write to the shared data.
 * - The plan's host files and address book are planned on first read: the plan reads the same as before.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostics, OrgInvalidError } from "../model/diagnostics.ts";
import { validateOrg } from "../model/validate.ts";
import { planAddressBook } from "../plan/address-book.ts";
import { planMailhost } from "../plan/mailhost.ts";
import { planOrg } from "../plan/plan.ts";
import { sendDecisionInput } from "../plan/send-decision.ts";
import { requiredApprovals } from "../review/approvers.ts";
import { diffSides, type Change } from "../review/diff.ts";
import { materialiseOrg, sideAt, sides } from "../review/git.ts";
import { renderJson, renderMarkdown } from "../review/render.ts";
import { readTree, ROOT, runCli, tempGitRepo } from "./helpers.ts";

const DAY = "2026-06-01";

/** A repository whose first commit is the example org (org/) and whose second applies `edit` to its files. */
function exampleEdited(edit: Record<string, (text: string) => string>, opts: { commit?: boolean } = {}): ReturnType<typeof tempGitRepo> {
  const r = tempGitRepo(Object.fromEntries(Object.entries(readTree(join(ROOT, "org"))).map(([k, v]) => [`org/${k}`, v])));
  for (const [file, f] of Object.entries(edit)) {
    const p = join(r.repo, "org", file);
    const before = readFileSync(p, "utf8");
    const after = f(before);
    if (after === before) throw new Error(`the edit of ${file} changed nothing`);
    writeFileSync(p, after);
  }
  if (opts.commit ?? true) r.commit("the change");
  return r;
}

/** What the serial path (in process, no worker) says, with the working directory at the repository as the CLI has it. */
function serial(repo: string, base: string, head: string | undefined): { changes: Change[]; json: unknown; markdown: string; approvers: unknown } {
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    const { b, h, labels, day } = sides("org", base, head);
    const changes = diffSides(b, h, { today: day });
    return { changes, json: renderJson(changes, labels.base, labels.head), markdown: renderMarkdown(changes, labels.base, labels.head), approvers: { requirements: requiredApprovals(changes, { base: b, head: h }) } };
  } finally {
    process.chdir(cwd);
  }
}

/** The refusal the serial path prints (stderr) for an invalid side. */
function serialRefusal(repo: string, base: string, head: string | undefined): string {
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    sides("org", base, head);
  } catch (e) {
    if (e instanceof OrgInvalidError) return formatDiagnostics(e.diagnostics) + "\n";
    throw e;
  } finally {
    process.chdir(cwd);
  }
  throw new Error("the serial path accepted both sides");
}

/** The changes with nothing shared: each side read on its own (sideAt), so no object is the same on both sides. */
function unshared(repo: string, base: string, head: string | undefined): unknown {
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    const h = sideAt("org", head, DAY);
    const b = sideAt("org", base, DAY);
    return renderJson(diffSides(b, h, { today: DAY }), base, head ?? "working tree");
  } finally {
    process.chdir(cwd);
  }
}

/** The built CLI's diff (json and markdown) and approvers equal the serial path's, and both equal the changes with nothing shared. */
function expectSameAsSerial(repo: string, base: string, head?: string): Change[] {
  const refs = head === undefined ? [base] : [base, head];
  const want = serial(repo, base, head);
  expect(want.json).toEqual(unshared(repo, base, head));
  const json = runCli(["diff", ...refs, "--org", "org", "--format", "json", "--allow-destructive"], { cwd: repo });
  expect(json.stderr).toBe("");
  expect(JSON.parse(json.stdout)).toEqual(want.json);
  expect(runCli(["diff", ...refs, "--org", "org", "--allow-destructive"], { cwd: repo }).stdout).toBe(want.markdown);
  const approvers = runCli(["approvers", ...refs, "--org", "org", "--format", "json"], { cwd: repo });
  expect(JSON.parse(approvers.stdout)).toEqual(want.approvers);
  return want.changes;
}

describe("a change in a shared file reaches members whose own files did not change", () => {
  it("a group nested into another in groups.yaml: its members, whose files did not change, are reached, shown and approved as before", () => {
    // Only groups.yaml changes; every member file is shared between the sides.
    const { repo } = exampleEdited({ "groups.yaml": (t) => t.replace("members: [support@example.com, yw@example.com]", "members: [support@example.com, yw@example.com, it-team@example.com]") });
    const changes = expectSameAsSerial(repo, "HEAD~1", "HEAD");
    const recipients = changes.find((c) => c.section === "Group recipients" && c.subject === "customers@example.com");
    expect(recipients?.via).toMatchObject({ "lin.tao@example.com": "through group it-team@example.com, department it" });
    const approvers = serial(repo, "HEAD~1", "HEAD").approvers as { requirements: { scope: string }[] };
    expect(approvers.requirements.map((r) => r.scope)).toContain("department it");
  });

  it("a department's admins change in departments.yaml: the new authority is named, from the base side", () => {
    const { repo } = exampleEdited({ "departments.yaml": (t) => t.replace('admins: ["@example-trading/it-leads"]', 'admins: ["@mallory"]') });
    const changes = expectSameAsSerial(repo, "HEAD~1", "HEAD");
    expect(changes.map((c) => `${c.section} ${c.subject} ${c.field}`)).toEqual(["Departments it admins"]);
    const reqs = (serial(repo, "HEAD~1", "HEAD").approvers as { requirements: { scope: string; anyOf: string[] }[] }).requirements;
    expect(reqs.find((r) => r.scope === "department it")?.anyOf).toEqual(["@example-trading/it-leads"]);
  });

  it("a department leaves head-office in departments.yaml: its members lose the signature template, with signatures.yaml shared", () => {
    const { repo } = exampleEdited({ "departments.yaml": (t) => t.replace("{ id: support, name: Customer Support, parent: head-office,", "{ id: support, name: Customer Support,") });
    const changes = expectSameAsSerial(repo, "HEAD~1", "HEAD");
    const lost = changes.filter((c) => c.section === "Signatures" && c.field === "member's template");
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((c) => c.before === "standard" && c.after === null)).toBe(true);
  });

  it("the default department changes in organisation.yaml: members without departments of their own move", () => {
    const org = readFileSync(join(ROOT, "org/organisation.yaml"), "utf8");
    const current = /default_department: ([\w-]+)/.exec(org)![1]!;
    const other = current === "support" ? "it" : "support";
    const { repo } = exampleEdited({ "organisation.yaml": (t) => t.replace(`default_department: ${current}`, `default_department: ${other}`) });
    const moved = expectSameAsSerial(repo, "HEAD~1", "HEAD").filter((c) => c.section === "Members" && c.field === "departments");
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((c) => JSON.stringify(c.before) === JSON.stringify([current]) && JSON.stringify(c.after) === JSON.stringify([other]))).toBe(true);
  });

  it("one member's name in the working tree: one change, as the serial path says", () => {
    const { repo } = exampleEdited({ "members/admin.yaml": (t) => t.replace("name: Ma Li", "name: Ma Lili") }, { commit: false });
    const changes = expectSameAsSerial(repo, "HEAD");
    expect(changes.map((c) => `${c.subject} ${c.field} ${String(c.before)} -> ${String(c.after)}`)).toEqual(["ma.li@example.com name Ma Li -> Ma Lili"]);
  });
});

describe("credentials and sending rights, compared on the worker, take their place in the list", () => {
  it("a member disabled and a group's senders changed: the same changes in the same order as the serial path", () => {
    const { repo } = exampleEdited({
      "members/it.yaml": (t) => t.replace("    title: IT Intern\n", "    title: IT Intern\n    status: disabled\n"),
      "groups.yaml": (t) => t.replace("senders: [department:sales, management@example.com]", "senders: [department:sales, management@example.com, department:it]"),
    });
    const changes = expectSameAsSerial(repo, "HEAD~1", "HEAD");
    const sections = changes.map((c) => c.section);
    expect(sections).toContain("Credentials");
    expect(sections).toContain("Sending rights");
    // Credentials come right after the members' own sections, before the groups', as diffOrgs orders them.
    expect(sections.indexOf("Credentials")).toBeLessThan(sections.indexOf("Group senders"));
  });
});

describe("an invalid side is refused as by the serial path, whichever thread finds it", () => {
  // A group that lists an alias (gq@ is Guo Qiang's) is refused by a rule, not by the schema: the worker finds it.
  const aliasInGroup = (t: string) => t.replace("      - guo.qiang@example.com\n", "      - gq@example.com\n");

  it("an invalid head: exit 1 with the head's findings; approvers the same", () => {
    const { repo } = exampleEdited({ "groups.yaml": aliasInGroup });
    const want = serialRefusal(repo, "HEAD~1", "HEAD");
    expect(want).toContain("HEAD:org/groups.yaml:");
    expect(want).toContain("[group-member-is-alias]");
    for (const cmd of ["diff", "approvers"]) {
      const r = runCli([cmd, "HEAD~1", "HEAD", "--org", "org"], { cwd: repo });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(want);
    }
  });

  it("an invalid base and a valid head: the base's findings; both invalid: the head's, as the serial path reads the head first", () => {
    const { repo, commit } = exampleEdited({ "groups.yaml": aliasInGroup });
    writeFileSync(join(repo, "org/groups.yaml"), readFileSync(join(ROOT, "org/groups.yaml"), "utf8"));
    commit("mended");
    const base = serialRefusal(repo, "HEAD~1", "HEAD");
    expect(base).toContain("HEAD~1:org/groups.yaml:");
    const r = runCli(["diff", "HEAD~1", "HEAD", "--org", "org"], { cwd: repo });
    expect([r.status, r.stdout, r.stderr]).toEqual([1, "", base]);
    // Both invalid (HEAD~1 and a working tree with its own rule error in another file).
    writeFileSync(join(repo, "org/departments.yaml"), readFileSync(join(repo, "org/departments.yaml"), "utf8").replace("parent: head-office, admins: [\"@example-trading/it-leads\"]", "parent: no-such-department, admins: [\"@example-trading/it-leads\"]"));
    const head = serialRefusal(repo, "HEAD~1", undefined);
    expect(head).toContain("org/departments.yaml:");
    expect(head).not.toContain("HEAD~1:");
    const both = runCli(["diff", "HEAD~1", "--org", "org"], { cwd: repo });
    expect([both.status, both.stderr]).toEqual([1, head]);
  });

  it("an invalid working tree and a base ref naming no commit: the working tree's findings first, as before", () => {
    const { repo } = exampleEdited({ "groups.yaml": aliasInGroup }, { commit: false });
    const want = serialRefusal(repo, "no-such-ref", undefined);
    const r = runCli(["diff", "no-such-ref", "--org", "org"], { cwd: repo });
    expect([r.status, r.stderr]).toEqual([1, want]);
  });
});

describe("the data the two sides share", () => {
  /** A shared map that freezes what it is given: any later write to shared data throws (ES modules are strict). */
  class FreezingMap extends Map<string, unknown> {
    override set(k: string, v: unknown): this {
      const freeze = (x: unknown): void => {
        if (x === null || typeof x !== "object" || Object.isFrozen(x)) return;
        Object.freeze(x);
        for (const y of Object.values(x)) freeze(y);
      };
      freeze(v);
      return super.set(k, v);
    }
  }

  it("is parsed once per text, and validation, planning, comparison and approvers never write to it", () => {
    const { repo } = exampleEdited({
      "members/admin.yaml": (t) => t.replace("name: Ma Li", "name: Ma Lili"),
      "groups.yaml": (t) => t.replace("members: [support@example.com, yw@example.com]", "members: [support@example.com, yw@example.com, it-team@example.com]"),
    });
    const shared = new FreezingMap();
    const files = Object.keys(readTree(join(repo, "org"))).filter((f) => /\.ya?ml$/.test(f));
    const h = validateOrg(join(repo, "org"), { today: DAY, shared });
    const b = validateOrg(materialiseOrg(join(repo, "org"), "HEAD~1"), { today: DAY, shared, displayAs: "HEAD~1:org" });
    expect([h.ok, b.ok]).toEqual([true, true]);
    // Every file of the head once, plus the base's two files that differ.
    expect(shared.size).toBe(files.length + 2);
    // An untouched file's data is the very same object on both sides; a changed file's is not.
    expect(b.org.departments[0]).toBe(h.org.departments[0]);
    expect(b.org.groups[0]).not.toBe(h.org.groups[0]);
    const sideB = { org: b.org, index: b.index! };
    const sideH = { org: h.org, index: h.index! };
    const changes = diffSides(sideB, sideH, { today: DAY });
    expect(changes.map((c) => `${c.section} ${c.subject}`)).toContain("Members ma.li@example.com");
    expect(requiredApprovals(changes, { base: sideB, head: sideH }).length).toBeGreaterThan(0);
    // Everything the plan holds, the lazily planned parts included.
    expect(JSON.stringify(planOrg(h.org, h.index!, { today: DAY })).length).toBeGreaterThan(0);
    expect(JSON.stringify(planOrg(b.org, b.index!, { today: DAY })).length).toBeGreaterThan(0);
  });
});

describe("the plan's parts planned on first read", () => {
  it("read as before: the same values under the same keys, in the same order", () => {
    const r = validateOrg(join(ROOT, "org"), { today: DAY });
    const index = r.index!;
    // The example org has no host: no mailhost key at all, and members' credentials are IAM's.
    expect(r.org.organisation.mailbox_host).toBeUndefined();
    const bare = planOrg(r.org, index, { today: DAY });
    expect("mailhost" in bare).toBe(false);
    expect(Object.keys(bare).at(-1)).toBe("addressBook");
    expect(bare.sending.credentials).toBe("iam");
    expect(bare.addressBook).toEqual(planAddressBook(r.org, index));
    // With a host: planned on first read, under the key it always had, before the address book.
    const org = { ...r.org, organisation: { ...r.org.organisation, mailbox_host: { hostname: "mail.example.com" } } };
    const plan = planOrg(org, index, { today: DAY });
    expect(plan.sending.credentials).toBe("mailbox-host");
    expect(plan.sending.shards.every((s) => s.members.length === 0)).toBe(true);
    expect(Object.keys(plan).slice(-2)).toEqual(["mailhost", "addressBook"]);
    const direct = planMailhost(org, plan.inbound.table, () => sendDecisionInput(plan, org), index);
    expect(direct?.mailboxes.length).toBeGreaterThan(0);
    expect(plan.mailhost).toEqual(direct);
    expect(plan.mailhost).toBe(plan.mailhost); // computed once
    expect(JSON.parse(JSON.stringify(plan)).mailhost).toEqual(JSON.parse(JSON.stringify(direct)));
  });
});

describe("the routing table's gates, found only when a limiting group is nested", () => {
  it("a limiting group two levels down through an open group gates its recipients; nesting only open groups gates no one", async () => {
    const { gates } = await import("../plan/routing.ts");
    const files = Object.fromEntries(Object.entries(readTree(join(ROOT, "org"))).map(([k, v]) => [`org/${k}`, v]));
    files["org/groups.yaml"] += [
      "  - address: outer@example.com",
      "    name: Outer",
      "    members: [middle@example.com]",
      "    senders: anyone",
      "  - address: middle@example.com",
      "    name: Middle",
      "    members: [all@example.com]",
      "    senders: anyone",
      "  - address: open-only@example.com",
      "    name: Open only",
      "    members: [customers@example.com, department:it]",
      "    senders: anyone",
      "",
    ].join("\n");
    const { repo } = tempGitRepo(files);
    const r = validateOrg(join(repo, "org"), { today: DAY });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const group = (a: string) => r.org.groups.find((g) => g.address === a)!;
    const outer = gates(r.index!, group("outer@example.com"));
    expect(Object.keys(outer).length).toBeGreaterThan(0);
    expect(Object.values(outer).every((ways) => JSON.stringify(ways) === JSON.stringify([["all@example.com"]]))).toBe(true);
    // open-only nests customers@ (senders: anyone): every way is open, so no one is gated.
    expect(gates(r.index!, group("open-only@example.com"))).toEqual({});
    // back-office nests it-team, whose senders are its members: it-team's recipients are gated by it.
    expect(Object.values(gates(r.index!, group("back-office@example.com")))).toContainEqual([["it-team@example.com"]]);
  });
});

