/**
 * How the org schema is compiled, in one place for both paths: model/schema.ts compiles it at run time when
 * mailorg runs from source (tests, tsx), and scripts/build.mjs compiles it ahead of time into Ajv standalone code
 * for the built CLI (about 150 ms of every command's start-up).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SCHEMA_FILE = fileURLToPath(new URL("../schemas/org.schema.json", import.meta.url));

/** Options for `new Ajv2020(...)`: every error, with its schema and data (messages use both), defaults applied. */
export const AJV_OPTIONS = { allErrors: true, verbose: true, useDefaults: true, strict: true };

/** Adds what the schema uses beyond JSON Schema: the `x-hint` annotation and the `date` format. */
export function configureAjv(ajv, addFormats) {
  ajv.addKeyword({ keyword: "x-hint", schemaType: "string" });
  addFormats(ajv, ["date"]);
  return ajv;
}

/** The schema document. */
export function readSchema() {
  return JSON.parse(readFileSync(SCHEMA_FILE, "utf8"));
}
