/** Hostile or careless org files: what is not a regular UTF-8 file inside the org dir, alias bombs, odd values. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../model/diagnostics.ts";
import { firstInvalidUtf8, loadOrg, MAX_FILE_BYTES } from "../model/load.ts";
import { validateOrg } from "../model/validate.ts";
import { orgIdFromName, orgSlug } from "../plan/naming.ts";
import { BASE_ORG, findings, runCli, writeOrg } from "./helpers.ts";

const diagnostics = (dir: string): string[] => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return validateOrg(".", { today: "2026-06-01" }).diagnostics.map(formatDiagnostic);
  } finally {
    process.chdir(cwd);
  }
};

const BOMB = `a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
`;

describe("files that are not what they seem", () => {
  it("refuses a symlink leaving the org directory, without reading it; follows one that stays inside", () => {
    const outside = mkdtempSync(join(tmpdir(), "mailorg-outside-"));
    writeFileSync(join(outside, "secret.yaml"), "members:\n  - { address: secret-value@example.com }\n");
    const dir = writeOrg({ "a.yaml": BASE_ORG, "real/m.yaml": "members:\n  - { address: m@example.com, name: M }\n" });
    symlinkSync(join(outside, "secret.yaml"), join(dir, "leak.yaml"));
    symlinkSync(outside, join(dir, "linked-dir"));
    symlinkSync(join(dir, "real/m.yaml"), join(dir, "z-inside.yaml"));
    const d = diagnostics(dir);
    expect(d).toEqual([
      "leak.yaml: error [org-file] is a symbolic link to a path outside the org directory; only regular files inside the org directory are read (replace it with a regular file or remove it)",
      "linked-dir: error [org-file] is a symbolic link to a path outside the org directory; only regular files inside the org directory are read (replace it with a regular file or remove it)",
    ]);
    // The link that stays inside is read like the file it points at.
    expect(loadOrg(dir).sources.files.map((f) => f.path.slice(dir.length + 1))).toEqual(["a.yaml", "real/m.yaml", "z-inside.yaml"]);
    expect(d.join("\n")).not.toContain("secret-value");
  });

  it("refuses a FIFO named *.yaml at once instead of hanging (CLI exit 1)", () => {
    const dir = writeOrg({ "a.yaml": BASE_ORG });
    execFileSync("mkfifo", [join(dir, "pipe.yaml")]);
    const t0 = Date.now();
    const r = runCli(["validate", "--org", "."], { cwd: dir, timeoutMs: 20_000 });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("pipe.yaml: error [org-file] is a named pipe (FIFO), not a regular file");
  });

  it("refuses bytes that are not UTF-8, at the first bad byte's line and column", () => {
    const dir = writeOrg({ "a.yaml": BASE_ORG });
    writeFileSync(join(dir, "m.yaml"), Buffer.concat([Buffer.from("members:\n  - { address: a@example.com, name: Z"), Buffer.from([0xc3, 0x28]), Buffer.from(" }\n")]));
    expect(diagnostics(dir)).toEqual(["m.yaml:2:38: error [org-file] byte 0xc3 at offset 46 is not valid UTF-8; org files must be UTF-8 (re-save the file as UTF-8)"]);
  });

  it("decodes UTF-8 strictly: overlongs, surrogates and truncated sequences are invalid", () => {
    expect(firstInvalidUtf8(Buffer.from("héllo 示例 😀"))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf]))).toBe(1); // overlong '/'
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // UTF-16 surrogate
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe4, 0xbd]))).toBe(1); // truncated
    expect(firstInvalidUtf8(Buffer.from([0xf5, 0x80, 0x80, 0x80]))).toBe(0); // past U+10FFFF
  });

  it("caps alias expansion: a billion-laughs file is one error, quickly and in little memory (CLI exit 1)", () => {
    const dir = writeOrg({ "a.yaml": BASE_ORG, "bomb.yaml": BOMB });
    const t0 = Date.now();
    const r = runCli(["validate", "--org", "."], { cwd: dir, env: { NODE_OPTIONS: "--max-old-space-size=256" }, timeoutMs: 30_000 });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      "bomb.yaml:2:8: error [yaml-aliases] aliases expand to more than 100 nodes (nested aliases grow exponentially); write the values out or nest fewer aliases",
      "1 error in 1 file",
    ]);
  });

  it("keeps ordinary anchors and aliases working", () => {
    const dir = writeOrg({ "a.yaml": BASE_ORG + "ip_ranges:\n  office: &office [192.0.2.0/24]\n  vpn: *office\n" });
    expect(diagnostics(dir)).toEqual([]);
  });

  it("refuses a file over the size cap without parsing it", () => {
    const dir = writeOrg({ "a.yaml": BASE_ORG, "big.yaml": "#" + "x".repeat(MAX_FILE_BYTES) + "\n" });
    expect(diagnostics(dir)).toEqual([`big.yaml: error [org-file] is ${MAX_FILE_BYTES + 2} bytes; an org file may be at most ${MAX_FILE_BYTES} bytes (split it into several files)`]);
  });

  it("refuses cdktf's token marker in any string", async () => {
    expect(await findings({ "m.yaml": 'members:\n  - { address: a@example.com, name: "A ${TfToken[TOKEN.7]}" }\n' })).toEqual([
      "m.yaml:2:37: error [token-marker] 'A ${TfToken[TOKEN.7]}' contains 'TfToken[', cdktf's token marker, which synthesis would turn into a live Terraform reference; remove it",
    ]);
  });
});

describe("values that validate but should not", () => {
  it("refuses addresses RFC 5321's dot-atom forbids", async () => {
    const f = await findings({ "m.yaml": "members:\n  - { address: .a@example.com, name: A }\n  - { address: b.@example.com, name: B }\n  - { address: c..d@example.com, name: C }\n  - { address: e.f@example.com, name: E }\n" });
    expect(f).toEqual([
      "m.yaml:2:16: error [schema] 'address' '.a@example.com' is not an email address such as lin.wei@example.com (before the @: letters, digits and _%+'-, dots only between them, at most 64)",
      "m.yaml:3:16: error [schema] 'address' 'b.@example.com' is not an email address such as lin.wei@example.com (before the @: letters, digits and _%+'-, dots only between them, at most 64)",
      "m.yaml:4:16: error [schema] 'address' 'c..d@example.com' is not an email address such as lin.wei@example.com (before the @: letters, digits and _%+'-, dots only between them, at most 64)",
    ]);
  });

  it("refuses a local part over 64 characters and dot-atom faults in sender patterns and references", async () => {
    const f = await findings({ "m.yaml": `inbound:\n  blocked: []\nbackups:\n  - { name: b, to: x@example.com, match: { senders: [a..b@partner.example], recipients: [${"l".repeat(65)}@example.com] } }\n` }, {});
    expect(f.filter((l) => l.includes("[schema]"))).toEqual([
      "m.yaml:4:54: error [schema] item 1 of 'senders' 'a..b@partner.example' is not a domain such as example.net or an address such as spam@example.net",
      `m.yaml:4:90: error [schema] item 1 of 'recipients' '${"l".repeat(57)}...' is not an address such as lin.wei@example.com or department:<id>`,
    ]);
  });

  it("refuses a BIMI URL that would break its TXT record", async () => {
    const f = await findings({ "a.yaml": BASE_ORG.replace("  - name: example.com\n", '  - name: example.com\n    dmarc: { policy: reject }\n    bimi_logo_url: "https://x.example/logo.svg\\"; v=spf1 +all"\n') });
    expect(f).toEqual([`a.yaml:8:20: error [schema] 'bimi_logo_url' 'https://x.example/logo.svg"; v=spf1 +all' is not an https:// URL without spaces, quotes, backslashes or semicolons (it is published in a DNS TXT record)`]);
  });

  it("names like constructor, toString and __proto__ resolve to nothing", async () => {
    const f = await findings({
      "m.yaml": "sending:\n  allowed_ip_ranges: [constructor, toString, __proto__, hasOwnProperty]\nip_ranges:\n  office: [192.0.2.0/24]\n",
    }, { rule: "ip-range-exists" });
    expect(f).toEqual([
      "m.yaml:2:23: error [ip-range-exists] sending.allowed_ip_ranges names 'constructor', which is not declared under ip_ranges; declared: office",
      "m.yaml:2:36: error [ip-range-exists] sending.allowed_ip_ranges names 'toString', which is not declared under ip_ranges; declared: office",
      "m.yaml:2:46: error [ip-range-exists] sending.allowed_ip_ranges names '__proto__', which is not declared under ip_ranges; declared: office",
      "m.yaml:2:57: error [ip-range-exists] sending.allowed_ip_ranges names 'hasOwnProperty', which is not declared under ip_ranges; declared: office",
    ]);
  });

  it("an ip range and a department called constructor are ordinary names", async () => {
    const f = await findings({
      "m.yaml": "ip_ranges:\n  constructor: [192.0.2.0/24]\nsending:\n  allowed_ip_ranges: [constructor]\ndepartments:\n  - { id: constructor, name: C, parent: hq }\nmembers:\n  - { address: c@example.com, name: C, departments: [constructor] }\ngroups:\n  - { address: g@example.com, name: G, members: [department:constructor, department:tostring] }\n",
    });
    expect(f).toEqual(["m.yaml:10:74: error [ref-resolves] group g@example.com refers to department:tostring, an unknown department; declare the department or fix the id"]);
    expect(f).toHaveLength(1);
    const bad = await findings({ "m.yaml": "ip_ranges:\n  constructor: [1]\n" });
    expect(bad.join("\n")).not.toMatch(/function|native code/);
  });
});

describe("organisation ids", () => {
  it("derives a readable id from an ASCII name, unchanged from before", () => {
    expect(orgIdFromName("Example Trading")).toBe("example-trading");
  });
  it("gives non-ASCII names distinct, stable, readable ids", () => {
    const a = orgIdFromName("示例贸易");
    const b = orgIdFromName("示例科技");
    expect(a).toMatch(/^org-[0-9a-f]{7}$/);
    expect(b).toMatch(/^org-[0-9a-f]{7}$/);
    expect(a).not.toBe(b);
    expect(orgIdFromName("示例贸易")).toBe(a);
    expect(orgIdFromName("Café Müller GmbH")).toMatch(/^cafe-muller-gmbh-[0-9a-f]{7}$/);
    expect(orgIdFromName("Café Müller GmbH").length).toBeLessThanOrEqual(24);
    expect(orgIdFromName("!!!")).toMatch(/^org-[0-9a-f]{7}$/);
    expect(orgIdFromName("!!!")).not.toBe(orgIdFromName("???"));
  });
  it("organisation.id overrides the derived id", () => {
    const org = { organisation: { name: "示例贸易", id: "example-trading", region: "eu-west-1", default_department: "hq" } } as Parameters<typeof orgSlug>[0];
    expect(orgSlug(org)).toBe("example-trading");
  });
});
