/**
 * The review gate, second round (issue #28): each finding of an insider's review of the example org, on a real
 * git repository holding it. The base commit is the example org as shipped; the head commit is the insider's
 * edit; what `diff`, `approvers` and validation make of it is read from the repository as the CLI reads it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OrgInvalidError } from "../model/diagnostics.ts";
import { requiredApprovals } from "../review/approvers.ts";
import { diffSides } from "../review/diff.ts";
import { sideAt } from "../review/git.ts";
import { readTree, ROOT, tempGitRepo } from "./helpers.ts";

const DAY = "2026-06-01";

/** A repository whose first commit is the example org (org/), and whose second is `edit` applied to its files. */
function exampleEdited(edit: Record<string, (text: string) => string>): string {
  const files = Object.fromEntries(Object.entries(readTree(join(ROOT, "org"))).map(([k, v]) => [`org/${k}`, v]));
  const r = tempGitRepo(files);
  for (const [file, f] of Object.entries(edit)) {
    const p = join(r.repo, "org", file);
    writeFileSync(p, f(readFileSync(p, "utf8")));
  }
  r.commit("the insider's change");
  return r.repo;
}

/** The last commit's changes and the approvals they need, read as `mailorg diff HEAD~1` and `approvers` read them. */
function review(repo: string) {
  const org = join(repo, "org");
  const b = sideAt(org, "HEAD~1", DAY);
  const h = sideAt(org, "HEAD", DAY);
  const changes = diffSides(b, h, { today: DAY });
  return { changes, reqs: requiredApprovals(changes, { base: b, head: h }) };
}

/** The diagnostics that make the head commit invalid (none: it is valid). */
function refusal(repo: string): string[] {
  try {
    sideAt(join(repo, "org"), "HEAD", DAY);
    return [];
  } catch (e) {
    if (e instanceof OrgInvalidError) return e.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.rule}: ${d.message}`);
    throw e;
  }
}

describe("3. a duplicate delegate entry cannot make a dated delegation permanent", () => {
  it("a second entry for the same delegate, without until, is refused by validation", () => {
    const repo = exampleEdited({ "mailboxes.yaml": (t) => t.replace('        until: "2030-12-31"\n', '        until: "2030-12-31"\n      - member: shi.lei@example.com\n') });
    expect(refusal(repo)).toEqual(["duplicate-identities: mailbox yw@example.com's delegates list shi.lei@example.com twice (entries 2 and 3); name each once (remove the later entry, or merge the two into one with the until that is meant)"]);
  });
});
