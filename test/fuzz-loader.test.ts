/**
 * Fuzzing the loader: arbitrary bytes, arbitrary YAML trees shaped like org files, and YAML text built from
 * hostile fragments (anchors, aliases, merge keys, tags, directives) never make validation throw (which the CLI
 * would report as an internal error, exit 70); every outcome is a list of well-formed diagnostics (exit 0 or 1),
 * in bounded time and memory.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Diagnostic } from "../model/diagnostics.ts";
import { validateOrg } from "../model/validate.ts";
import { BASE_ORG, writeOrg } from "./helpers.ts";

const MAX_MS_PER_CASE = 2_000;
const MAX_HEAP_GROWTH = 256 * 1024 * 1024;

/** Validates the files and checks the outcome is well-formed, fast and small. */
function check(files: Record<string, string | Uint8Array>): void {
  const dir = writeOrg({});
  for (const [rel, content] of Object.entries(files)) writeFileSync(join(dir, rel), content);
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const r = validateOrg(dir, { today: "2026-06-01" }); // a throw here fails the property
  const ms = performance.now() - t0;
  expect(ms).toBeLessThan(MAX_MS_PER_CASE);
  expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(MAX_HEAP_GROWTH);
  expect(r.ok).toBe(!r.diagnostics.some((d) => d.severity === "error"));
  for (const d of r.diagnostics as Diagnostic[]) {
    expect(d.rule).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.message).not.toMatch(/\n\s+at |\.ts:\d+:\d+|\[native code\]|function \w*\(/);
    expect(Number.isInteger(d.line) && Number.isInteger(d.col)).toBe(true);
  }
}

const KEYS = ["organisation", "domains", "departments", "members", "groups", "mailboxes", "ip_ranges", "sending", "inbound", "backups", "signatures", "name", "address", "id", "parent", "aliases", "senders", "members", "status", "delegates", "until", "match", "html", "text", "constructor", "__proto__", "toString", "<<"];
const STRINGS = ["", "a@example.com", "A@Example.COM", ".a@example.com", "department:hq", "department:constructor", "example.com", "192.0.2.0/24", "::1/128", "{{#if name}}", "{{{name}}}", "TfToken[TOKEN.1]", "${x}", "%{y}", "departed", "anyone", "members", "2026-02-30", "\u0000", "\u202e", "示例", "x".repeat(300)];

const leaf = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const tree = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie("node"), { maxKeys: 5 }),
  ),
})).node;

/** An org-shaped mapping: known sections with arbitrary contents. */
const orgShaped = fc.dictionary(fc.constantFrom(...KEYS.slice(0, 11)), tree, { maxKeys: 6 });

const FRAGMENTS = [
  "a: &x [1, 2]\n", "b: *x\n", "c: *missing\n", "<<: *x\n", "%YAML 1.1\n---\n", "d: !!binary aGVsbG8=\n", "e: !!set { a, b }\n",
  "f: !!omap [ a: 1 ]\n", "g: 2026-01-01T00:00:00Z\n", "h: !custom x\n", "--- \n", "...\n", "? [complex, key]\n: v\n", "i: 'unterminated\n",
  "\t- tab\n", "members:\n  - &m { address: a@example.com, name: A }\n  - *m\n", "j: [*x, *x, *x, *x]\n", "k: &k [*x, *x]\nl: [*k, *k, *k]\n",
  "ip_ranges: { constructor: [192.0.2.1], __proto__: [x] }\n", "organisation: { name: 示例, region: eu-west-1, default_department: hq }\n",
];

describe("loader fuzz", () => {
  it("arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => check({ "a.yaml": BASE_ORG, "z.yaml": bytes })), { numRuns: 150 });
  });

  it("arbitrary YAML trees shaped like org files, beside a valid base", () => {
    fc.assert(fc.property(orgShaped, (data) => check({ "a.yaml": BASE_ORG, "z.yaml": stringify(data) })), { numRuns: 150 });
  });

  it("arbitrary YAML trees as the only file", () => {
    fc.assert(fc.property(tree, (data) => check({ "a.yaml": stringify(data) })), { numRuns: 100 });
  });

  it("hostile YAML fragments, in any order, mutated", () => {
    const text = fc.tuple(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 6 }), fc.nat(), fc.string({ maxLength: 3 })).map(([parts, at, ins]) => {
      const t = parts.join("");
      const i = t.length ? at % t.length : 0;
      return t.slice(0, i) + ins + t.slice(i);
    });
    fc.assert(fc.property(text, (t) => check({ "a.yaml": BASE_ORG, "z.yaml": t })), { numRuns: 150 });
  });
});
