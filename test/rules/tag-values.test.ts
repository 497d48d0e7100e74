import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

describe("tag-values", () => {
  it("accepts letters of any script, digits and the allowed punctuation", async () => {
    expect(await findings({ "a.yaml": BASE_ORG.replace("name: Test Co", "name: 示例贸易 Test-Co_1 @HQ/1.0") }, { rule: "tag-values" })).toEqual([]);
  });
  it("rejects characters AWS refuses in the Organisation tag", async () => {
    expect(await findings({ "a.yaml": BASE_ORG.replace("name: Test Co", 'name: "Test & Co (EU)"') }, { rule: "tag-values" })).toEqual([
      `a.yaml:2:9: error [tag-values] organisation name 'Test & Co (EU)' becomes the Organisation tag, and AWS tag values may not contain "&", "(", ")"; allowed: letters, digits, spaces and _ . : / = + - @ (remove them)`,
    ]);
  });
  it("rejects a Departments tag over 256 characters", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `department-number-${i}`);
    const deps = ids.map((id) => `  - { id: ${id}, name: D, parent: hq }\n`).join("");
    expect(await findings({ "m.yaml": `departments:\n${deps}members:\n  - { address: a@example.com, name: A, departments: [${ids.join(", ")}] }\n` }, { rule: "tag-values" })).toEqual([
      "m.yaml:23:40: error [tag-values] member a@example.com's departments make a 409-character Departments tag; AWS allows 256 (list fewer departments or shorter ids)",
    ]);
  });
});
