import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateOrg } from "../bench/generate.ts";
import { validateOrg } from "../model/validate.ts";
import { readTree } from "./helpers.ts";

describe("bench org generator", () => {
  it("generates a valid org with every kind of entity", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailorg-gen-"));
    const g = generateOrg(300, dir);
    const r = validateOrg(dir, { today: "2026-06-01" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.org.members).toHaveLength(300);
    expect(g.departments).toBeGreaterThan(5);
    expect(r.org.members.some((m) => m.status === "departed")).toBe(true);
    expect(r.org.members.some((m) => (m.aliases?.length ?? 0) > 0)).toBe(true);
    expect(r.org.groups.some((grp) => grp.members.some((x) => x.startsWith("department:")))).toBe(true);
  });
  it("is deterministic: same n, byte-identical files", () => {
    const a = mkdtempSync(join(tmpdir(), "mailorg-gen-"));
    const b = mkdtempSync(join(tmpdir(), "mailorg-gen-"));
    generateOrg(200, a);
    generateOrg(200, b);
    expect(readTree(a)).toEqual(readTree(b));
  });
});
