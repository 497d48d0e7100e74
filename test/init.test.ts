/** `mailorg init`: a minimal valid org in the example's layout, with schema modelines that resolve. */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { initOrg, initProblems } from "../adopt/init.ts";
import { SCHEMA_FILE } from "../model/schema.ts";
import { validatePlan } from "../plan/validate.ts";
import { readTree, ROOT, runCli, writeOrg } from "./helpers.ts";

describe("initOrg", () => {
  it("writes a valid org in the example org's file layout, every file with a modeline that finds the schema", () => {
    const dir = join(writeOrg({}), "org");
    initOrg(dir, { name: "Acme Trading", domains: ["Acme.example"], region: "eu-west-1", owners: ["@acme/mail-admins"] });
    const tree = readTree(dir);
    expect(Object.keys(tree)).toEqual(["departments.yaml", "groups.yaml", "mailboxes.yaml", "members/acme-trading.yaml", "organisation.yaml"]);
    // The same top-level files as the example org, and members/ per department.
    for (const f of Object.keys(tree).filter((f) => !f.startsWith("members/"))) expect(existsSync(join(ROOT, "org", f))).toBe(true);
    expect(readdirSync(join(ROOT, "org", "members")).length).toBeGreaterThan(0);
    for (const [f, text] of Object.entries(tree)) {
      const m = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
      expect(m, f).not.toBeNull();
      expect(resolve(dirname(join(dir, f)), m![1]!)).toBe(SCHEMA_FILE);
    }
    const r = validatePlan(dir, { today: "2026-06-01" });
    expect(r.diagnostics).toEqual([]);
    expect(r.org.organisation).toMatchObject({ name: "Acme Trading", region: "eu-west-1", default_department: "acme-trading", owners: ["@acme/mail-admins"] });
    expect(r.org.domains).toMatchObject([{ name: "acme.example", dmarc: { policy: "none", rua: ["dmarc@acme.example"] } }]);
    expect(r.plan!.domains.map((d) => d.name)).toEqual(["acme.example"]);
  });

  it("refuses a directory that holds an org, and options the schema would refuse", () => {
    expect(() => initOrg(join(ROOT, "org"), { name: "X", domains: ["x.example"], region: "eu-west-1" })).toThrow("already holds an org");
    expect(initProblems({ name: "X", domains: ["not a domain"], region: "Ireland", owners: ["acme"] })).toEqual([
      "--domain is 'not a domain'; expected a domain name such as example.com",
      "--region is 'Ireland'; expected an AWS region such as eu-west-1",
      "--owners is 'acme'; expected a code-host owner such as @lin or @acme/hr-leads",
    ]);
  });
});

describe("mailorg init (wiring)", () => {
  it("writes the org and exits 0; exit 2 for a bad region or an existing org, writing nothing", () => {
    const tmp = writeOrg({});
    const out = join(tmp, "org");
    const ok = runCli(["init", "--out", out, "--name", "Acme", "--domain", "acme.example", "--region", "eu-west-1", "--owners", "@acme/admins"]);
    expect([ok.status, ok.stderr]).toEqual([0, ""]);
    expect(ok.stdout).toContain(`wrote ${out}/organisation.yaml\n`);
    expect(runCli(["validate", "--org", out]).status).toBe(0);
    const again = runCli(["init", "--out", out, "--name", "Acme", "--domain", "acme.example", "--region", "eu-west-1"]);
    expect([again.status, again.stderr]).toEqual([2, `mailorg: --out ${out} already holds an org; choose an empty directory\n`]);
    const bad = runCli(["init", "--out", join(tmp, "other"), "--name", "Acme", "--domain", "acme.example", "--region", "Ireland"]);
    expect([bad.status, bad.stderr, existsSync(join(tmp, "other"))]).toEqual([2, "mailorg: --region is 'Ireland'; expected an AWS region such as eu-west-1\n", false]);
  });
});
