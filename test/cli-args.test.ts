/** CLI arguments that reach git or the disk: refs, --org, --out, --ip, --from. */
import { existsSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { orgCommits } from "../review/git.ts";
import { UsageError } from "../model/today.ts";
import { BASE_ORG, runCli, tempGitRepo } from "./helpers.ts";

let repo: string;
let git: (...args: string[]) => string;
let commit: (message: string) => void;

beforeAll(() => {
  ({ repo, git, commit } = tempGitRepo({ "org/org.yaml": BASE_ORG + "members:\n  - { address: a@example.com, name: A }\n" }));
});

describe("git refs", () => {
  it("a ref starting with '-' is refused before git runs (exit 2), so it cannot act as an option", () => {
    const target = join(repo, "pwned.txt");
    for (const args of [["diff", "--org", "org", "--", `--output=${target}`], ["audit", "--org", "org", `--at=--output=${target}`]]) {
      const r = runCli(args, { cwd: repo });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^mailorg: '--output=.*' is not a git ref \(a ref may not start with '-'\); pass a branch, tag or commit such as origin\/main\n$/);
    }
    // audit --address walks history from the same resolver.
    expect(() => orgCommits(join(repo, "org"), `--output=${target}`)).toThrow(UsageError);
    expect(existsSync(target)).toBe(false);
  });

  it("a ref naming no commit is a usage error (exit 2)", () => {
    const r = runCli(["diff", "no-such-ref", "--org", "org"], { cwd: repo });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^mailorg: 'no-such-ref' is not a branch, tag or commit of the repository at .*; pass one such as origin\/main \(run git fetch if it is a remote branch\)\n$/);
  });

  it("a symlink committed into the org is refused at that ref like in the working tree", () => {
    symlinkSync("/etc/passwd", join(repo, "org/leak.yaml"));
    commit("symlink");
    try {
      const r = runCli(["diff", "HEAD~1", "HEAD", "--org", "org"], { cwd: repo });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("HEAD:org/leak.yaml: error [org-file] is a symbolic link to a path outside the org directory");
      expect(r.stderr).not.toContain("root:");
    } finally {
      git("reset", "-q", "--hard", "HEAD~1");
    }
  });
});

describe("paths and values", () => {
  it("--org pointing nowhere is a usage error (exit 2)", () => {
    const r = runCli(["validate", "--org", "no/such/dir"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mailorg: --org no/such/dir is not a directory; pass the org directory (default org, run from the repository's top level)\n");
  });

  it("--out at an existing file is a usage error (exit 2) and the file is kept", () => {
    const file = join(repo, "not-a-dir");
    writeFileSync(file, "keep me");
    const r = runCli(["synth", "--org", "org", "--out", file], { cwd: repo });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mailorg: --out ${file} is an existing file, not a directory; pass a directory (it is created when missing)\n`);
  });

  it("--ip and --from are validated (exit 2)", () => {
    const route = runCli(["route", "--from", "a@partner.example", "--to", "li.na@example.com", "--ip", "10.0.0.0/8"]);
    expect(route.status).toBe(2);
    expect(route.stderr).toBe("mailorg: --ip is '10.0.0.0/8'; expected one IPv4 or IPv6 address such as 192.0.2.7 or 2001:db8::7 (no /prefix)\n");
    const from = runCli(["can-send", "--as", "li.na@example.com", "--from", "li..na@example.com", "--to", "x@example.org"]);
    expect(from.status).toBe(2);
    expect(from.stderr).toBe("mailorg: --from is 'li..na@example.com'; expected an email address such as li.na@example.com\n");
  });
});
