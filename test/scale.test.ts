/**
 * What the linear rewrites (issue 31) must keep: the same answers as the straightforward computations they
 * replaced, on a generated org; and results that callers may change without changing the next answer.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateOrg } from "../bench/generate.ts";
import { canon, groupSenders, memberStatus } from "../model/org.ts";
import { OrgIndex } from "../model/org-index.ts";
import { validateOrg } from "../model/validate.ts";
import { buildSendingModel } from "../plan/sending.ts";

const dir = mkdtempSync(join(tmpdir(), "mailorg-scale-"));
generateOrg(600, dir);
const { org } = validateOrg(dir, { today: "2026-06-01" });

describe("the org index at scale", () => {
  it("answers expand and departmentMembers again with a fresh list each time", () => {
    const index = new OrgIndex(org);
    const first = index.expand(["all@example.com"]);
    expect(first.length).toBeGreaterThan(500);
    first.length = 0;
    expect(index.expand(["all@example.com"]).length).toBeGreaterThan(500);
    const dept = index.departmentMembers("hq");
    dept.push("intruder@example.com");
    expect(index.departmentMembers("hq")).not.toContain("intruder@example.com");
  });

  it("keys a remembered expansion by the options and keeps department ids case-sensitive", () => {
    const index = new OrgIndex(org);
    const all = index.expand(["department:hq"]);
    const withDeparted = index.expand(["department:hq"], { includeDeparted: true });
    expect(withDeparted.length).toBeGreaterThan(all.length);
    expect(index.expand(["department:HQ"])).toEqual([]);
    expect(index.expand(["ALL@Example.com"])).toEqual(index.expand(["all@example.com"]));
  });
});

describe("the sending model at scale", () => {
  it("puts each member in the deny class the member-by-member scan gives", () => {
    const index = new OrgIndex(org);
    const model = buildSendingModel(org, index, "2026-06-01", { region: "eu-west-1", accountId: "123456789012" }, "bench");
    // The scan the model replaced: for each member, every restricted group (sorted) that does not allow them.
    const restricted = org.groups
      .flatMap((g) => {
        const who = groupSenders(g);
        return who.mode === "list" ? [{ address: canon(g.address), allowed: new Set(index.expand(who.refs)) }] : [];
      })
      .sort((a, b) => (a.address < b.address ? -1 : 1));
    expect(restricted.length).toBeGreaterThan(3);
    const policies = new Map(model.groups.map((g) => [g.name, g.policy]));
    let checked = 0;
    for (const m of org.members) {
      if (memberStatus(m) === "departed") continue;
      const denied = restricted.filter((g) => !g.allowed.has(canon(m.address))).map((g) => g.address);
      const creds = model.members.find((c) => c.address === canon(m.address))!;
      const classes = creds.groups.filter((g) => g.includes("-no-"));
      if (denied.length === 0) {
        expect(classes).toEqual([]);
        continue;
      }
      expect(classes).toHaveLength(1);
      const recipients = policies.get(classes[0]!)!.Statement[0]!.Condition!["ForAnyValue:StringEqualsIgnoreCase"]!["ses:Recipients"];
      expect(recipients, m.address).toEqual(denied);
      checked++;
    }
    expect(checked).toBeGreaterThan(400);
    // Members who may mail different restricted groups are in different classes.
    expect(new Set(model.members.flatMap((c) => c.groups.filter((g) => g.includes("-no-")))).size).toBeGreaterThan(3);
  });
});
