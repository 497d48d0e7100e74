/**
 * Property tests: arbitrary valid orgs (random department trees, members with aliases, acyclic nested
 * groups, mailboxes), split at random across files with shuffled keys, validate cleanly; and each
 * mutation of such an org is caught by the right rule, at the file and line of the mutated entry.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { validateOrg } from "../model/validate.ts";
import { writeOrg } from "./helpers.ts";

interface Spec {
  depParents: number[];
  members: { dep: number; aliases: number; status: "active" | "disabled" }[];
  groups: { members: number[]; deps: number[]; nested: number[] }[];
  mailboxes: number;
  split: number[];
  keySeed: number;
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  depParents: fc.array(fc.nat(), { minLength: 0, maxLength: 8 }),
  members: fc.array(
    fc.record({ dep: fc.nat(), aliases: fc.integer({ min: 0, max: 5 }), status: fc.constantFrom("active" as const, "disabled" as const) }),
    { minLength: 1, maxLength: 25 },
  ),
  groups: fc.array(fc.record({ members: fc.array(fc.nat(), { maxLength: 6 }), deps: fc.array(fc.nat(), { maxLength: 2 }), nested: fc.array(fc.nat(), { maxLength: 2 }) }), { maxLength: 6 }),
  mailboxes: fc.integer({ min: 0, max: 4 }),
  split: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 40, maxLength: 40 }),
  keySeed: fc.nat(),
});

/** Reorders an object's keys deterministically from a seed (the format must not care about key order). */
function shuffleKeys<T extends object>(o: T, seed: number): T {
  const entries = Object.entries(o);
  const sorted = entries.map((e, i) => ({ e, k: (i * 7919 + seed) % 101 })).sort((a, b) => a.k - b.k);
  return Object.fromEntries(sorted.map((x) => x.e)) as T;
}

function build(spec: Spec): { files: Record<string, string>; memberAddresses: string[] } {
  const deps = [{ id: "root", name: "Root" }, ...spec.depParents.map((p, i) => ({ id: `dep${i + 1}`, name: `Dep ${i + 1}`, parent: i === 0 ? "root" : p % (i + 1) === 0 ? "root" : `dep${p % (i + 1)}` }))];
  const members = spec.members.map((m, i) => {
    const o: Record<string, unknown> = { address: `m${i}@example.com`, name: `Member ${i}`, departments: [deps[m.dep % deps.length]!.id], status: m.status };
    if (m.aliases) o.aliases = Array.from({ length: m.aliases }, (_, k) => `m${i}.a${k}@example.com`);
    return shuffleKeys(o, spec.keySeed + i);
  });
  const groups = spec.groups.map((g, i) => ({
    address: `g${i}@example.com`,
    name: `Group ${i}`,
    // Only earlier groups may be nested: acyclic by construction. Always at least one active recipient.
    members: [
      ...new Set([
        "department:root",
        ...g.members.map((k) => `m${k % spec.members.length}@example.com`),
        ...g.deps.map((k) => `department:${deps[k % deps.length]!.id}`),
        ...(i > 0 ? g.nested.map((k) => `g${k % i}@example.com`) : []),
      ]),
    ],
  }));
  const mailboxes = Array.from({ length: spec.mailboxes }, (_, i) => ({ address: `box${i}@example.com`, name: `Box ${i}` }));
  const files: Record<string, string> = {
    "org.yaml": stringify({ organisation: { name: "P", region: "eu-west-1", default_department: "root" }, domains: [{ name: "example.com" }], departments: deps }),
  };
  const buckets: Record<string, unknown>[][] = [[], [], [], []];
  members.forEach((m, i) => buckets[spec.split[i % spec.split.length]!]!.push(m));
  buckets.forEach((b, i) => {
    if (b.length) files[`people/part-${i}.yaml`] = stringify({ members: b });
  });
  if (groups.length) files["groups.yml"] = stringify({ groups });
  if (mailboxes.length) files["sub/dir/mailboxes.yaml"] = stringify({ mailboxes });
  return { files, memberAddresses: spec.members.map((_, i) => `m${i}@example.com`) };
}

/** The file and 1-based line where a text first occurs. */
function whereIs(files: Record<string, string>, text: string): { file: string; line: number } {
  for (const [file, content] of Object.entries(files).sort()) {
    const i = content.split("\n").findIndex((l) => l.includes(text));
    if (i >= 0) return { file, line: i + 1 };
  }
  throw new Error(`not found: ${text}`);
}

const check = (files: Record<string, string>) => validateOrg(writeOrg(files), { today: "2026-06-01" });

describe("property: generated orgs", () => {
  it("valid orgs validate with no errors, however they are split and ordered", () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const r = check(build(spec).files);
        expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        expect(r.org.members).toHaveLength(spec.members.length);
      }),
      { numRuns: 25, seed: 20261122 },
    );
  });

  it("a duplicated address is caught by address-unique at the duplicate", () => {
    fc.assert(
      fc.property(specArb, fc.nat(), (spec, k) => {
        const { files, memberAddresses } = build(spec);
        const dup = memberAddresses[k % memberAddresses.length]!;
        files["zz-dup.yaml"] = stringify({ mailboxes: [{ address: dup.toUpperCase(), name: "Dup" }] });
        const r = check(files);
        const d = r.diagnostics.find((x) => x.rule === "address-unique");
        expect(d).toBeDefined();
        expect(d!.file.endsWith("zz-dup.yaml")).toBe(true);
        expect(d!.line).toBe(whereIs(files, dup.toUpperCase()).line);
      }),
      { numRuns: 15, seed: 7 },
    );
  });

  it("a sixth alias is caught by alias-limit on that member's aliases", () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        spec.members[0] = { ...spec.members[0]!, aliases: 6 };
        const { files } = build(spec);
        const r = check(files);
        const d = r.diagnostics.find((x) => x.rule === "alias-limit");
        expect(d).toBeDefined();
        const at = whereIs(files, "m0.a0@example.com");
        expect(d!.file.endsWith(at.file)).toBe(true);
        expect(d!.line).toBe(at.line - 1); // the aliases key, just above its first item
      }),
      { numRuns: 15, seed: 8 },
    );
  });

  it("an unknown key and a broken address are schema errors at their line", () => {
    fc.assert(
      fc.property(specArb, fc.constantFrom("nickname", "alias", "mail"), (spec, key) => {
        const { files } = build(spec);
        files["zz-bad.yaml"] = `members:\n  - address: broken.example.com\n    name: Broken\n  - address: ok@example.com\n    name: Ok\n    ${key}: x\n`;
        const r = check(files);
        const bad = r.diagnostics.filter((x) => x.file.endsWith("zz-bad.yaml")).map((x) => `${x.line}:${x.rule}`);
        expect(bad).toEqual(["2:schema", "6:schema"]);
      }),
      { numRuns: 10, seed: 9 },
    );
  });
});
