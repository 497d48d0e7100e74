import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const members = (n: number) => "members:\n" + Array.from({ length: n }, (_, i) => `  - { address: u${i}@example.com, name: U }\n`).join("");

describe("receipt-rule-quota", () => {
  it("accepts 20,000 addresses without a catch-all (200 rules)", async () => {
    expect(await findings({ "m.yaml": members(20000) }, { rule: "receipt-rule-quota" })).toEqual([]);
  }, 60_000);
  it("rejects 20,000 addresses with a catch-all (201 rules), naming the counts", async () => {
    const org = BASE_ORG.replace("default_department: hq", "default_department: hq\n  catch_all: u0@example.com");
    expect(await findings({ "a.yaml": org, "m.yaml": members(20000) }, { rule: "receipt-rule-quota" })).toEqual([
      "a.yaml:2:9: error [receipt-rule-quota] 20000 deliverable addresses need 200 receipt rules (100 each) plus 1 catch-all rules; SES allows 200 per rule set (remove addresses or split the org across accounts)",
    ]);
  }, 60_000);
});
