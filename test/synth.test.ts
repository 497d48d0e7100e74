import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BASE_ORG, ROOT, readTree, writeOrg } from "./helpers.ts";

function npmSynth(env: Record<string, string>): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "dist/main.mjs")], {
    cwd: ROOT,
    env: { ...process.env, MAILORG_TODAY: "2026-06-01", ...env },
    encoding: "utf8",
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run synth (main.ts)", () => {
  it("refuses an invalid org: diagnostics, exit 1, no stack trace, nothing written", () => {
    const org = writeOrg({ "a.yaml": BASE_ORG + "members:\n  - { address: a@elsewhere.example, name: A }\n" });
    const out = join(mkdtempSync(join(tmpdir(), "mailorg-out-")), "cdktf.out");
    const r = npmSynth({ MAILORG_ORG_DIR: org, CDKTF_OUTDIR: out });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error [address-domain] member a@elsewhere.example is in domain elsewhere.example");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("synthesises the example org into byte-identical output twice, with no absolute path", () => {
    const base = mkdtempSync(join(tmpdir(), "mailorg-out-"));
    const a = npmSynth({ CDKTF_OUTDIR: join(base, "a") });
    const b = npmSynth({ CDKTF_OUTDIR: join(base, "b") });
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    const ta = readTree(join(base, "a"));
    const tb = readTree(join(base, "b"));
    expect(Object.keys(ta).sort()).toEqual(Object.keys(tb).sort());
    for (const k of Object.keys(ta)) expect(ta[k], k).toBe(tb[k]);
    for (const [k, text] of Object.entries(ta)) {
      expect(text.includes(ROOT), `${k} holds an absolute path`).toBe(false);
      expect(text.includes(base), `${k} holds the output path`).toBe(false);
    }
    expect(Object.keys(ta)).toContain("stacks/domains/cdk.tf.json");
  });
});
