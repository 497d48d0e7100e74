import { describe, expect, it } from "vitest";
import { BASE_ORG, runCli, writeOrg } from "./helpers.ts";

describe("mailorg validate", () => {
  it("exits 0 on the example org", () => {
    const r = runCli(["validate"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^org: valid: /);
  });

  it("reports every finding with file:line:col, sorted, exit 1, no stack trace", () => {
    const dir = writeOrg({
      "a.yaml": BASE_ORG,
      "people/b.yaml": `members:
  - address: a@example.com
    nme: A
  - address: b@example.com
    name: B
    aliases: [b1@example.com, b2@example.com, b3@example.com, b4@example.com, b5@example.com, b6@example.com]
`,
    });
    const r = runCli(["validate", "--org", dir], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(r.stderr.trim().split("\n")).toEqual([
      "people/b.yaml:2:5: error [schema] member a@example.com is missing required key 'name' (add it)",
      "people/b.yaml:3:5: error [schema] unknown key 'nme' in member a@example.com; did you mean 'name'? allowed keys: address, name, departments, title, phone, aliases, status, forward_to, internal_only, blocked_senders, signature, forward, quota_mb, auto_reply",
      "2 errors in 1 file",
    ]);
  });

  it("prints json diagnostics with --format json", () => {
    const dir = writeOrg({ "a.yaml": BASE_ORG + "members:\n  - address: x@example.com\n    name: X\n    status: gone\n" });
    const r = runCli(["validate", "--org", dir, "--format", "json"], { cwd: dir });
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.diagnostics).toEqual([
      { file: "a.yaml", line: 13, col: 13, severity: "error", rule: "schema", message: "'status' is 'gone'; allowed: active, disabled, departed" },
    ]);
  });

  it("exits 0 with warnings, and 1 with --strict", () => {
    const dir = writeOrg({
      "a.yaml": BASE_ORG + "members:\n  - { address: a@example.com, name: A }\nmailboxes:\n  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: 2026-05-31 }] }\n",
    });
    const warned = "a.yaml:13:86: warning [delegation] delegation of hr@example.com to a@example.com ended on 2026-05-31 (today is 2026-06-01) and is left out of synthesis; remove the delegate or extend until\n1 warning in 1 file\n";
    const lax = runCli(["validate", "--org", dir], { cwd: dir });
    expect([lax.status, lax.stderr]).toEqual([0, warned]);
    expect(lax.stdout).toMatch(/valid: /);
    const strict = runCli(["validate", "--org", dir, "--strict"], { cwd: dir });
    expect([strict.status, strict.stderr, strict.stdout]).toEqual([1, warned, ""]);
  });

  it("exits 2 on a usage error", () => {
    expect(runCli(["validate", "--format", "xml"]).status).toBe(2);
    expect(runCli(["no-such-command"]).status).toBe(2);
    expect(runCli([]).status).toBe(2);
  });

  it("exits 0 for --help", () => {
    const r = runCli(["validate", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("--org <dir>");
  });
});
