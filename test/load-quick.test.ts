/**
 * The loader's quick path (js-yaml, no positions) must give exactly the data of the exact path (the `yaml`
 * library's positioned Document), or step aside. These tests hold the two equal on every YAML file in the
 * repository and on the scalar forms where YAML libraries are known to differ, and check that a finding in a
 * file read the quick way is still located at its line and column.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LineCounter, parseDocument } from "yaml";
import { loadOrg, quickData } from "../model/load.ts";
import { validateOrg } from "../model/validate.ts";

const ROOT = join(import.meta.dirname, "..");

function exact(text: string): unknown {
  return parseDocument(text, { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: true, logLevel: "error" }).toJS({ maxAliasCount: 100 }) ?? {};
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

describe("the loader's quick path", () => {
  it("gives the exact path's data for every YAML file in the repository that it reads", () => {
    const files = yamlFiles(ROOT).filter((f) => !f.includes("/cdktf.out/"));
    let quick = 0;
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      const q = quickData(text);
      if (q === undefined) continue;
      quick++;
      expect(q, f).toEqual(exact(text));
    }
    // The example org and most fixtures take the quick path; the check above is not vacuous.
    expect(quick).toBeGreaterThan(10);
    expect(readdirSync(join(ROOT, "org")).filter((n) => n.endsWith(".yaml")).every((n) => quickData(readFileSync(join(ROOT, "org", n), "utf8")) !== undefined)).toBe(true);
  });

  // Plain scalars resolved alike by both (YAML 1.2 core: strings, decimal integers, true/false).
  const agreed: [string, unknown][] = [
    ["a: 012", 12],
    ["a: +7", 7],
    ["a: -0", -0],
    ["a: 99999999999999999999", 99999999999999999999],
    ["a: 1_000", "1_000"],
    ["a: 0b101", "0b101"],
    ["a: yes", "yes"],
    ["a: No", "No"],
    ["a: on", "on"],
    ["a: TRUE", true],
    ["a: False", false],
    ["a: tRUE", "tRUE"],
    ["a: 2026-06-01", "2026-06-01"],
    ["a: 12:30", "12:30"],
    ["a: 0x", "0x"],
    ["a: 1.2.3", "1.2.3"],
    ["a: +86 10 5555 0007", "+86 10 5555 0007"],
    ["a: '~'", "~"],
    ['a: "null"', "null"],
    ["a: <<", "<<"],
    ["a: |\n  one\n  two\n", "one\ntwo\n"],
    ["a: >-\n  one\n  two\n\n  three\n", "one two\nthree"],
    ['a: "tab\\tand \\u00e9"', "tab\tand é"],
    ["a: 'it''s'", "it's"],
    ["a: multi\n  line\n  plain", "multi line plain"],
    ["a: [x, 'y', 3]", ["x", "y", 3]],
    ["a: {b: c}", { b: "c" }],
    ["a: x # comment", "x"],
    ["a: 中文 名字", "中文 名字"],
  ];
  it.each(agreed)("reads %j as the exact path does", (text, value) => {
    expect(exact(text)).toEqual({ a: value });
    expect(quickData(text)).toEqual({ a: value });
  });
  it("reads a `<<` key as a plain key, as YAML 1.2 does", () => {
    expect(exact("<<: x\nb: y")).toEqual({ "<<": "x", b: "y" });
    expect(quickData("<<: x\nb: y")).toEqual({ "<<": "x", b: "y" });
  });

  // Forms the quick path leaves to the exact path: other core-schema types, anchors, aliases, tags, directives,
  // tab indentation, duplicate keys, several documents, syntax errors, the __proto__ key.
  const stepsAside = [
    "a: ~",
    "a: null",
    "a:",
    "a: NULL",
    "a: 0o17",
    "a: 0x1F",
    "a: 1.5",
    "a: 1e3",
    "a: .inf",
    "a: -.Inf",
    "a: .nan",
    "a: 2.",
    "a: &x b\nc: *x",
    "a: !!str 1",
    "%YAML 1.2\n---\na: b",
    "a:\n\t- b",
    "a: 1\na: 2",
    "a: b\n---\nc: d",
    "a: [b",
    "a: b: c",
    "__proto__: x",
    "? [a]\n: b",
  ];
  it.each(stepsAside)("leaves %j to the exact path", (text) => {
    expect(quickData(text)).toBeUndefined();
  });

  it("locates a finding in a file read the quick way at its line and column", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailorg-quick-"));
    writeFileSync(
      join(dir, "org.yaml"),
      [
        "organisation: { name: Demo, region: eu-west-1, default_department: hq }",
        "domains: [{ name: example.com }]",
        "departments: [{ id: hq, name: HQ }]",
        "members:",
        "  - address: ann@example.com",
        "    name: Ann",
        "  - address: bob@example.com",
        "    name: Bob",
        "    aliases: [ann@example.com]",
        "",
      ].join("\n"),
    );
    expect(quickData(readFileSync(join(dir, "org.yaml"), "utf8"))).toBeDefined();
    const r = validateOrg(dir, { today: "2026-06-01" });
    const dup = r.diagnostics.find((d) => d.severity === "error");
    expect(dup).toMatchObject({ line: 9, col: 15 });
  });

  it("gives a schema error the exact path's position and message", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailorg-quick-"));
    writeFileSync(join(dir, "org.yaml"), "organisation: { name: Demo, region: eu-west-1, default_department: hq }\ndomains: [{ name: example.com }]\ndepartments: [{ id: hq, name: HQ }]\nmembers:\n  - address: ann@example.com\n    name: Ann\n    colour: blue\n");
    const r = loadOrg(dir);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ line: 7, col: 5, severity: "error" });
    expect(r.diagnostics[0]!.message).toMatch(/colour/);
  });
});
