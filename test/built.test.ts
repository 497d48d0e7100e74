/**
 * The built CLI is rebuilt when any input of the build is newer than it (bin/built.mjs): the sources and the
 * schema, whose validator the build compiles ahead of time. An input missing from that list would leave users
 * on stale code after an edit or a pull.
 */
import { readdirSync } from "node:fs";
import { expect, it } from "vitest";
import { buildInputs } from "../bin/built.mjs";
import { ROOT } from "./helpers.ts";

it("counts every folder that holds code the CLI is built from, and the schema, as an input of the build", () => {
  const inputs = buildInputs();
  for (const d of ["adopt", "cli", "constructs", "mailhost", "model", "plan", "review", "runtime", "schemas", "simulate"]) expect(inputs, d).toContain(d);
  for (const f of ["main.ts", "package.json", "scripts/build.mjs"]) expect(inputs).toContain(f);
  // Every top-level folder holding TypeScript outside tests, benchmarks and scripts is an input.
  const withTs = readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !["node_modules", "test", "bench", "scripts", "dist"].includes(e.name) && !e.name.startsWith("."))
    .filter((e) => readdirSync(`${ROOT}/${e.name}`, { recursive: true }).some((f) => String(f).endsWith(".ts")))
    .map((e) => e.name);
  expect(withTs.filter((d) => !inputs.includes(d))).toEqual([]);
  expect(inputs).not.toContain("test");
  expect(inputs).not.toContain("node_modules");
});
