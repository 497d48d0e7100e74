import { describe, expect, it } from "vitest";
import { BASE_ORG, findings, writeOrg } from "./helpers.ts";
import { validateOrg } from "../model/validate.ts";
import { formatDiagnostic } from "../model/diagnostics.ts";

describe("schema diagnostics name file, line and column", () => {
  it("missing required key: points at the entity", async () => {
    expect(await findings({ "m.yaml": "members:\n  - address: a@example.com\n    title: Boss\n" })).toEqual([
      "m.yaml:2:5: error [schema] member a@example.com is missing required key 'name' (add it)",
    ]);
  });
  it("wrong type: names the field, what was expected and what was received", async () => {
    expect(await findings({ "m.yaml": "members:\n  - address: a@example.com\n    name: A\n    aliases: a1@example.com\n" })).toEqual([
      "m.yaml:4:14: error [schema] 'aliases' must be a list, got 'a1@example.com'",
    ]);
  });
  it("unknown key: points at the key, suggests the closest allowed one", async () => {
    expect(await findings({ "g.yaml": "groups:\n  - address: g@example.com\n    name: G\n    members: [department:hq]\n    sender: anyone\n" })).toEqual([
      "g.yaml:5:5: error [schema] unknown key 'sender' in group g@example.com; did you mean 'senders'? allowed keys: address, name, description, members, senders",
    ]);
  });
  it("unknown top-level section", async () => {
    expect(await findings({ "x.yaml": "member:\n  - address: a@example.com\n" })).toEqual([
      "x.yaml:1:1: error [schema] unknown key 'member' in the file; did you mean 'members'? allowed keys: organisation, domains, departments, members, groups, mailboxes, ip_ranges, sending, inbound, backups, signatures",
    ]);
  });
  it("bad enum and bad address pattern", async () => {
    expect(await findings({ "m.yaml": "members:\n  - address: not-an-address\n    name: A\n    status: left\n" })).toEqual([
      "m.yaml:2:14: error [schema] 'address' 'not-an-address' is not an email address such as lin.wei@example.com (before the @: letters, digits and _%+'-, dots only between them, at most 64)",
      "m.yaml:4:13: error [schema] 'status' is 'left'; allowed: active, disabled, departed",
    ]);
  });
  it("YAML syntax error and duplicate key", async () => {
    const f = await findings({
      "bad.yaml": "members:\n  - address: a@example.com\n   name: A\n",
      "dup.yaml": "members:\n  - address: b@example.com\n    name: B\n    name: C\n",
    });
    expect(f).toEqual([
      "bad.yaml:3:1: error [yaml-syntax] sequence item without - indicator (check the indentation and quoting on this line)",
      "dup.yaml:4:5: error [yaml-syntax] map keys must be unique (keep one of them)",
    ]);
  });
  it("organisation declared twice and an ip range declared in two files", async () => {
    const f = await findings({
      "b.yaml": "organisation: { name: X, region: eu-west-1, default_department: hq }\nip_ranges:\n  office: [192.0.2.0/24]\n",
      "c.yaml": "ip_ranges:\n  office: [198.51.100.0/24]\n",
    });
    expect(f).toEqual([
      "b.yaml:1:1: error [section-once] 'organisation' is already declared at a.yaml:1:1; it may appear in one file only (merge the two)",
      "c.yaml:2:3: error [section-once] ip range 'office' is already declared at b.yaml:3:3; rename one or merge them",
    ]);
  });
  it("no organisation section at all, and a missing directory", () => {
    const dir = writeOrg({ "m.yaml": "members: []\n" });
    const r = validateOrg(dir);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.rule)).toEqual(["organisation-missing"]);
    const missing = validateOrg(dir + "/nope");
    expect(missing.diagnostics.map(formatDiagnostic)[0]).toMatch(/error \[org-directory\] org directory '.*nope' does not exist/);
  });
  it("reads *.yaml and *.yml recursively in sorted path order and sorts findings by file and line", async () => {
    const dir = writeOrg({
      "z.yaml": BASE_ORG,
      "a/b.yml": "members:\n  - { address: x@example.com, name: X, status: nope }\n",
      "a/a.yaml": "members:\n  - { address: y@example.com, name: Y, status: nope }\n",
      "ignored.txt": "members: [oops]\n",
    });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = validateOrg(".");
      expect(r.diagnostics.map((d) => `${d.file}:${d.line}`)).toEqual(["a/a.yaml:2", "a/b.yml:2"]);
    } finally {
      process.chdir(cwd);
    }
  });
  it("applies schema defaults to the merged org", () => {
    const dir = writeOrg({ "a.yaml": BASE_ORG + "members:\n  - { address: a@example.com, name: A }\n" });
    const r = validateOrg(dir, { today: "2026-06-01" });
    expect(r.ok).toBe(true);
    expect(r.org.members[0]!.status).toBe("active");
    expect(r.org.organisation.retention_days).toBe(365);
    expect(r.org.organisation.max_message_size_mb).toBe(40);
    expect(r.org.domains[0]!.receive).toBe(true);
    expect(r.org.domains[0]!.mail_from).toBe("mail");
  });
});
