/**
 * JSON Schema validation of one org file, with ajv errors turned into located, readable diagnostics.
 */
import { distance } from "fastest-levenshtein";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Diagnostic } from "./diagnostics.ts";
import { AJV_OPTIONS, configureAjv, readSchema } from "./schema-ajv.mjs";
import { precompiled } from "./schema-precompiled.ts";
import { parsePointer } from "./pointer.ts";
import { positionIn, type SourceFile } from "./sources.ts";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020, formats: string[]) => Ajv2020;

export { SCHEMA_FILE } from "./schema-ajv.mjs";

let compiled: ValidateFunction | undefined = precompiled;

/** The compiled file schema (applies defaults in place): ahead of time in the built CLI, else compiled once here. */
export function fileValidator(): ValidateFunction {
  compiled ??= configureAjv(new Ajv2020(AJV_OPTIONS), addFormats).compile(readSchema());
  return compiled;
}

const SINGULAR: Record<string, string> = {
  domains: "domain",
  departments: "department",
  members: "member",
  groups: "group",
  mailboxes: "mailbox",
  backups: "backup rule",
  signatures: "signature",
  delegates: "delegate",
};

/** Validates one file's data; returns located diagnostics (empty when valid). Mutates data with defaults. */
export function validateFileData(source: SourceFile, data: unknown): Diagnostic[] {
  const validate = fileValidator();
  if (validate(data)) return [];
  const errors = collapse(validate.errors ?? []);
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const d = toDiagnostic(source, data, e);
    const key = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

/** Drops the errors of anyOf branches (the anyOf error itself says what is allowed) and propertyNames' inner errors. */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = errors.filter((e) => e.keyword === "anyOf").map((e) => e.schemaPath + "/");
  const propNamePaths = errors
    .filter((e) => e.keyword === "propertyNames")
    .map((e) => e.schemaPath + "/");
  return errors.filter(
    (e) =>
      !anyOfPaths.some((p) => e.schemaPath.startsWith(p)) &&
      !propNamePaths.some((p) => e.schemaPath.startsWith(p)),
  );
}

function toDiagnostic(source: SourceFile, data: unknown, e: ErrorObject): Diagnostic {
  const path = parsePointer(e.instancePath);
  const what = describe(data, path);
  const field = fieldName(path);
  const hint = (e.parentSchema as { "x-hint"?: string } | undefined)?.["x-hint"];
  let message: string;
  let at: "auto" | "key" = "auto";
  let locPath = path;
  switch (e.keyword) {
    case "required": {
      const key = (e.params as { missingProperty: string }).missingProperty;
      message = `${what} is missing required key '${key}' (add it)`;
      at = "key";
      break;
    }
    case "additionalProperties": {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(
        ((e.parentSchema as { properties?: object }).properties ?? {}) as object,
      );
      const guess = closest(key, allowed);
      message =
        `unknown key '${key}' in ${what}; ` +
        (guess ? `did you mean '${guess}'? ` : "") +
        `allowed keys: ${allowed.join(", ")}`;
      locPath = [...path, key];
      at = "key";
      break;
    }
    case "propertyNames": {
      const name = (e.params as { propertyName: string }).propertyName;
      message = `${what} has a key '${name}' that is not allowed; use lowercase letters, digits, '-' and '_'`;
      locPath = [...path, name];
      at = "key";
      break;
    }
    case "type": {
      const expected = String((e.params as { type: string }).type)
        .split(",")
        .map(typeName)
        .join(" or ");
      message = `${field} must be ${expected}, got ${valueName(e.data)}`;
      break;
    }
    case "enum": {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      message = `${field} is ${valueName(e.data)}; allowed: ${allowed.join(", ")}`;
      break;
    }
    case "anyOf":
      message = `${field} is ${valueName(e.data)}; allowed: ${hint ?? "see the schema"}`;
      break;
    case "pattern":
    case "format":
      message = `${field} ${valueName(e.data)} is not ${hint ?? `valid (${e.message})`}`;
      break;
    case "minimum":
    case "maximum": {
      const s = e.parentSchema as { minimum?: number; maximum?: number };
      const range =
        s.minimum !== undefined && s.maximum !== undefined
          ? `${s.minimum} to ${s.maximum}`
          : s.minimum !== undefined
            ? `at least ${s.minimum}`
            : `at most ${s.maximum}`;
      message = `${field} is ${valueName(e.data)}; allowed: ${range}`;
      break;
    }
    case "minLength":
      message = `${field} must not be empty`;
      break;
    case "minItems":
      message = `${field} must list at least ${(e.params as { limit: number }).limit} item(s)`;
      break;
    default:
      message = `${field} ${e.message ?? "is invalid"}`;
  }
  const pos = positionIn(source, locPath, at);
  return { file: pos.file, line: pos.line, col: pos.col, severity: "error", rule: "schema", message };
}

/** "member lin@example.com", "department sales", "organisation", "the file". */
function describe(data: unknown, path: readonly string[]): string {
  if (path.length === 0) return "the file";
  // Walk to the nearest entity (an item of a list section or of delegates).
  let node: unknown = data;
  let label = path[0] === "organisation" ? "organisation" : `'${path[0]}'`;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    node = node && typeof node === "object" ? (node as Record<string, unknown>)[seg] : undefined;
    const parent = path[i - 1];
    if (parent && Object.hasOwn(SINGULAR, parent) && /^\d+$/.test(seg)) {
      const rec = node as Record<string, unknown> | undefined;
      const ident = rec && (rec.address ?? rec.id ?? rec.name ?? rec.member);
      label =
        typeof ident === "string"
          ? `${SINGULAR[parent]} ${ident}`
          : `${SINGULAR[parent]} #${Number(seg) + 1}`;
    } else if (i > 0 && !/^\d+$/.test(seg)) {
      label = `'${seg}' of ${label}`;
    }
  }
  return label;
}

function fieldName(path: readonly string[]): string {
  const named = [...path].reverse().find((s) => !/^\d+$/.test(s));
  const last = path[path.length - 1];
  if (named === undefined) return "the file";
  return last !== undefined && /^\d+$/.test(last) ? `item ${Number(last) + 1} of '${named}'` : `'${named}'`;
}

function typeName(t: string): string {
  return (
    { array: "a list", object: "a mapping", string: "a string", integer: "a whole number", number: "a number", boolean: "true or false", null: "empty" } as Record<string, string>
  )[t] ?? t;
}

function valueName(v: unknown): string {
  if (v === null || v === undefined) return "empty";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `'${v.length > 60 ? v.slice(0, 57) + "..." : v}'`;
  return String(v);
}

/** The allowed key closest to a misspelt one, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best !== undefined && bestDist <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
