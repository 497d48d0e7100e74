import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateOrg } from "../bench/generate.ts";
import { validateOrg } from "../model/validate.ts";

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out[rel + e.name] = readFileSync(join(d, e.name), "utf8");
    }
  };
  walk(dir, "");
  return out;
}

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
    expect(snapshot(a)).toEqual(snapshot(b));
  });
});
