/** Generates docs/rules.md from model/rules/index.ts (`tsx scripts/gen-rules-doc.ts`); test/docs.test.ts checks it is fresh. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RULES } from "../model/rules/index.ts";
import { PLAN_RULES } from "../plan/rules/index.ts";

export const RULES_DOC = fileURLToPath(new URL("../docs/rules.md", import.meta.url));

export function rulesDoc(): string {
  const rows = [...RULES, ...PLAN_RULES]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((r) => `| \`${r.id}\` | ${r.summary} | ${r.explanation.replace(/\|/g, "\\|")} |`);
  return [
    "# Semantic rules",
    "",
    "Generated from `model/rules/` and `plan/rules/` by `tsx scripts/gen-rules-doc.ts`; do not edit by hand. Each",
    "rule is one file, `model/rules/<id>.ts` (rules on the org) or `plan/rules/<id>.ts` (rules on the computed plan:",
    "AWS quotas, DNS records), with its tests in `test/rules/<id>.test.ts`. Shape errors (`yaml-syntax`, `schema`,",
    "`section-once`, `organisation-missing`, `org-directory`) come from loading and the JSON Schema.",
    "",
    "| id | enforces | why, and how to comply |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(RULES_DOC, rulesDoc());
  console.log(`wrote ${RULES_DOC}`);
}
