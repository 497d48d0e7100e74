/** The org as it was at a git ref: materialised into a temporary directory and validated. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { OrgInvalidError } from "./diagnostics.ts";
import type { Org } from "./org.ts";
import { UsageError } from "./today.ts";
import { validateOrg } from "./validate.ts";
import type { OrgIndex } from "./views/org-index.ts";

function git(args: string[], cwd: string): string {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new UsageError(`git ${args.join(" ")} failed: ${(e.stderr || e.message).trim().split("\n")[0]}`);
  }
}

/** The repository's top level and the org directory's path inside it (forward slashes). */
export function repoPaths(orgDir: string): { top: string; rel: string } {
  const abs = resolve(orgDir);
  const top = git(["rev-parse", "--show-toplevel"], existsDir(abs) ? abs : process.cwd()).trim();
  return { top, rel: relative(top, abs).split(sep).join("/") };
}

function existsDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** Writes the org directory's files as they are at `ref` into a new temporary directory. */
export function materialiseOrg(orgDir: string, ref: string): string {
  const { top, rel } = repoPaths(orgDir);
  git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], top);
  const out = mkdtempSync(join(tmpdir(), "mailorg-ref-"));
  const files = git(["ls-tree", "-r", "-z", "--name-only", ref, "--", rel || "."], top).split("\0").filter(Boolean);
  for (const f of files) {
    if (!/\.ya?ml$/.test(f)) continue;
    const target = join(out, rel ? relative(rel, f) : f);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, execFileSync("git", ["show", `${ref}:${f}`], { cwd: top, maxBuffer: 64 * 1024 * 1024 }));
  }
  return out;
}

export interface OrgAt {
  readonly org: Org;
  readonly index: OrgIndex;
  /** "working tree" or the ref. */
  readonly label: string;
}

/** The valid org at a ref (undefined: the working tree); OrgInvalidError with located diagnostics otherwise. */
export function orgAt(orgDir: string, ref: string | undefined, today: string): OrgAt {
  const dir = ref === undefined ? orgDir : materialiseOrg(orgDir, ref);
  const r = validateOrg(dir, { today, displayAs: ref === undefined ? undefined : `${ref}:${repoPaths(orgDir).rel || "."}` });
  // Expired delegations are an error today but not a reason to refuse reading history.
  const blocking = r.diagnostics.filter((d) => d.severity === "error" && !(ref !== undefined && d.rule === "delegation"));
  if (blocking.length > 0 || !r.index) throw new OrgInvalidError(blocking.length ? blocking : r.diagnostics);
  return { org: r.org, index: r.index, label: ref ?? "working tree" };
}

export interface Commit {
  readonly sha: string;
  readonly parent: string | undefined;
  readonly author: string;
  readonly date: string;
  readonly subject: string;
}

/** Commits that touched the org directory, oldest first (first-parent history of `ref`). */
export function orgCommits(orgDir: string, ref = "HEAD"): Commit[] {
  const { top, rel } = repoPaths(orgDir);
  const out = git(["log", "--first-parent", "--reverse", "--format=%H%x1f%P%x1f%an%x1f%aI%x1f%s", ref, "--", rel || "."], top);
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [sha, parents, author, date, subject] = line.split("\x1f") as [string, string, string, string, string];
      return { sha, parent: parents.split(" ")[0] || undefined, author, date, subject };
    });
}
