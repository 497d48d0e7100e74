import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateOrg } from "../model/validate.ts";
import { ROOT, writeOrg } from "./helpers.ts";

const DOC = readFileSync(join(ROOT, "docs/org-format.md"), "utf8");

/** Every property name declared anywhere in the schema. */
function schemaProperties(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => schemaProperties(n, out));
  else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (o.properties && typeof o.properties === "object") for (const k of Object.keys(o.properties)) out.add(k);
    for (const v of Object.values(o)) schemaProperties(v, out);
  }
  return out;
}

describe("docs/org-format.md", () => {
  it("mentions every field of the schema", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "schemas/org.schema.json"), "utf8"));
    const missing = [...schemaProperties(schema)].filter((p) => !DOC.includes(`\`${p}\``) && !DOC.includes(`.${p}\``) && !DOC.includes(`\`${p}.`));
    expect(missing).toEqual([]);
  });
  it("its single-file example is a valid org", () => {
    const example = DOC.split("```yaml\n").pop()!.split("```")[0]!;
    expect(parse(example)).toBeTruthy();
    const r = validateOrg(writeOrg({ "org.yaml": example }), { today: "2026-06-01" });
    expect(r.diagnostics).toEqual([]);
  });
});

describe("docs/rules.md", () => {
  it("is generated from the current rules (run tsx scripts/gen-rules-doc.ts)", async () => {
    const { rulesDoc, RULES_DOC } = await import("../scripts/gen-rules-doc.ts");
    expect(readFileSync(RULES_DOC, "utf8")).toBe(rulesDoc());
  });
  it("every rule has a test file named after its id", async () => {
    const { RULES } = await import("../model/rules/index.ts");
    const { PLAN_RULES } = await import("../plan/rules/index.ts");
    const { existsSync } = await import("node:fs");
    expect([...RULES, ...PLAN_RULES].map((r) => r.id).filter((id) => !existsSync(join(ROOT, "test/rules", `${id}.test.ts`)))).toEqual([]);
  });
});
