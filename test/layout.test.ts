/**
 * The import graph follows the flow: model -> plan -> constructs / review / simulate; runtime reads only the
 * plan's contract; the framework (cdktf, constructs, the AWS provider) stays in constructs/, main.ts and the
 * benchmarks, so a move to CDK Terrain stays small.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "./helpers.ts";

const FOLDERS = ["model", "plan", "mailhost", "runtime", "constructs", "review", "simulate", "adopt", "cli"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every import of every source file: [file, target] with paths relative to the repository. */
const imports = [...FOLDERS.filter((f) => existsSync(join(ROOT, f))).flatMap((f) => sources(join(ROOT, f))), join(ROOT, "main.ts")].flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(/^(?:import|export)[^;]*?from\s+["']([^"']+)["']/gm)].map((m) => {
    const spec = m[1]!;
    const target = spec.startsWith(".") ? relative(ROOT, normalize(join(dirname(file), spec))).split(sep).join("/") : spec;
    return [relative(ROOT, file).split(sep).join("/"), target, spec] as const;
  }),
);

const top = (path: string): string => path.split("/")[0]!;

/** What each layer may import from the project (packages are checked separately). */
const ALLOWED: Record<string, (target: string) => boolean> = {
  model: (t) => top(t) === "model",
  plan: (t) => ["model", "plan"].includes(top(t)),
  runtime: (t) => top(t) === "runtime" || t === "plan/contract.ts",
  // The host's programs (policy service, SES relay) run mail like the router does: they may use runtime's message code.
  mailhost: (t) => ["model", "plan", "mailhost", "runtime"].includes(top(t)),
  constructs: (t) => ["model", "plan", "mailhost", "constructs"].includes(top(t)),
  review: (t) => ["model", "plan", "review"].includes(top(t)),
  simulate: (t) => ["model", "plan", "mailhost", "simulate", "runtime"].includes(top(t)),
  adopt: (t) => ["model", "plan", "adopt"].includes(top(t)),
  cli: (t) => top(t) !== "main.ts",
  "main.ts": (t) => ["cli", "constructs"].includes(top(t)),
};

it("imports flow model -> plan -> constructs / review / simulate, never upward", () => {
  const upward = imports.filter(([file, target]) => target.includes("/") || target.endsWith(".ts")).filter(([file, target]) => !target.startsWith("node:") && FOLDERS.concat("main.ts").includes(top(target)) && !ALLOWED[top(file)]!(target));
  expect(upward.map(([f, t]) => `${f} -> ${t}`)).toEqual([]);
});

it("only constructs/, main.ts and the synth command's helpers import the CDK framework", () => {
  const framework = imports.filter(([, , spec]) => /^(cdktn|cdktf|constructs|@cdktn\/|@cdktf\/)/.test(spec)).map(([f]) => f);
  expect([...new Set(framework.filter((f) => top(f) !== "constructs"))]).toEqual([]);
});
