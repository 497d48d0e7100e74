/**
 * Generates model/org.generated.ts from schemas/org.schema.json.
 * Run `npm run gen:types` after editing the schema; test/schema-types.test.ts fails while it is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";

export const SCHEMA_PATH = fileURLToPath(new URL("../schemas/org.schema.json", import.meta.url));
export const TYPES_PATH = fileURLToPath(new URL("../model/org.generated.ts", import.meta.url));

export async function generateTypes(): Promise<string> {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8"));
  return compile(schema, "OrgFile", {
    bannerComment:
      "/* Generated from schemas/org.schema.json by `npm run gen:types`. Do not edit by hand. */",
    additionalProperties: false,
    unreachableDefinitions: true,
    format: true,
    style: { singleQuote: false, printWidth: 100 },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(TYPES_PATH, await generateTypes());
  console.log(`wrote ${TYPES_PATH}`);
}
