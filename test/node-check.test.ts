/** An old Node gets one clear line and exit 2, not a SyntaxError from deep inside the built CLI. */
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MIN_NODE_MAJOR, nodeProblem } from "../bin/node-check.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const message = (v: string) => `mailorg needs Node 22 or later (this is ${v}); run it as npx mailorg or npm run mailorg --, which use the Node 24 that npm ci installed`;

describe("the Node check", () => {
  it("refuses every Node before 22 by name, and accepts 22 and later", () => {
    expect(MIN_NODE_MAJOR).toBe(22);
    for (const v of ["v20.20.2", "v21.7.3", "v18.0.0", "v8.17.0"]) expect(nodeProblem(v)).toBe(message(v));
    for (const v of ["v22.0.0", "v22.1.0", "v24.22.1", "v100.0.0"]) expect(nodeProblem(v)).toBeNull();
    expect(nodeProblem("nonsense")).toBe(message("nonsense"));
  });

  it("exits 2 with that line before loading anything", () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", `import("./bin/node-check.mjs").then((m) => { m.requireNode("v20.20.2"); console.log("went on"); })`], { cwd: ROOT, encoding: "utf8" });
    expect([r.status, r.stdout, r.stderr]).toEqual([2, "", `${message("v20.20.2")}\n`]);
  });

  // The machine's own Node, where it is older than 22 (Debian 12's and these machines' system Node is 20).
  const systemNode = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => {
    try {
      return Number(/^v(\d+)/.exec(execFileSync(p, ["--version"], { encoding: "utf8" }))?.[1]) < MIN_NODE_MAJOR;
    } catch {
      return false;
    }
  });
  it.skipIf(systemNode === undefined)("the real CLI and synth entry points on an old Node say so and exit 2 (skipped: no Node older than 22 on this machine)", () => {
    const version = execFileSync(systemNode!, ["--version"], { encoding: "utf8" }).trim();
    for (const entry of ["bin/mailorg.mjs", "bin/synth.mjs"]) {
      const r = spawnSync(systemNode!, [entry, "--version"], { cwd: ROOT, encoding: "utf8" });
      expect([entry, r.status, r.stderr]).toEqual([entry, 2, `${message(version)}\n`]);
    }
  });
});
