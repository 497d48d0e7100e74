import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const members = (n: number) => "members:\n" + Array.from({ length: n }, (_, i) => `  - { address: u${i}@example.com, name: U }\n`).join("");

describe("receipt-rule-quota", () => {
  it("accepts 20,000 addresses without a catch-all (200 rules)", async () => {
    expect(await findings({ "m.yaml": members(20000) }, { rule: "receipt-rule-quota" })).toEqual([]);
  }, 60_000);
  it("accepts 20,000 addresses with a catch-all (201 rules listed would be too many: one rule per domain instead)", async () => {
    const org = BASE_ORG.replace("default_department: hq", "default_department: hq\n  catch_all: u0@example.com");
    expect(await findings({ "a.yaml": org, "m.yaml": members(20000) }, { rule: "receipt-rule-quota" })).toEqual([]);
  }, 60_000);
  it("rejects more than 200 receiving domains, which need a rule each, naming the count", async () => {
    const domains = Array.from({ length: 201 }, (_, i) => `  - name: d${i}.example.org\n`).join("");
    const org = BASE_ORG.replace("default_department: hq", "default_department: hq\n  catch_all: u0@example.com").replace("domains:\n  - name: example.com\n", `domains:\n  - name: example.com\n${domains}`);
    expect(await findings({ "a.yaml": org, "m.yaml": members(1) }, { rule: "receipt-rule-quota" })).toEqual([
      "a.yaml:6:1: error [receipt-rule-quota] 202 receiving domains need one receipt rule each; SES allows 200 per rule set (set receive: false on domains that take no mail, or split the org across accounts)",
    ]);
  });
});
