import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

function chain(n: number): string {
  // hq is level 1; d2..dn below it.
  const lines = ["departments:"];
  for (let i = 2; i <= n; i++) lines.push(`  - { id: d${i}, name: D${i}, parent: ${i === 2 ? "hq" : `d${i - 1}`} }`);
  return lines.join("\n") + "\n";
}

describe("department-tree", () => {
  it("accepts ten levels", async () => {
    expect(await findings({ "d.yaml": chain(10) })).toEqual([]);
  });
  it("rejects the eleventh level", async () => {
    expect(await findings({ "d.yaml": chain(11) })).toEqual([
      "d.yaml:11:35: error [department-tree] department d11 is at level 11; at most 10 levels are allowed (attach it higher in the tree)",
    ]);
  });
  it("reports a parent cycle once, with its path", async () => {
    const f = await findings({ "d.yaml": "departments:\n  - { id: x, name: X, parent: a }\n  - { id: a, name: A, parent: b }\n  - { id: b, name: B, parent: a }\n" });
    expect(f).toEqual(["d.yaml:3:31: error [department-tree] department a is its own ancestor: a -> b -> a; change one parent to break the cycle"]);
  });
});
