/**
 * What a synthesized output was made from, so that nothing reads an output older than the org or the code
 * (`mailorg stacks` refuses one): the MailPlan (every decision synthesis renders, today's included) and the
 * code that renders it (mailorg's sources, its schema and its locked dependencies).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { MailPlan } from "./plan.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The folders and files whose content decides what synthesis writes. */
const CODE = ["adopt", "cli", "constructs", "mailhost", "model", "plan", "runtime", "schemas", "main.ts", "package-lock.json"];

export interface OutputSource {
  /** sha256 of the MailPlan's JSON. */
  readonly plan: string;
  /** sha256 of the code that synthesised it (codeFingerprint). */
  readonly code: string;
}

export function planFingerprint(plan: MailPlan): string {
  return createHash("sha256").update(JSON.stringify(plan)).digest("hex");
}

let code: string | undefined;

/** sha256 over the path and content of every file that decides synthesis, in sorted order; computed once. */
export function codeFingerprint(root = ROOT): string {
  if (code !== undefined && root === ROOT) return code;
  const hash = createHash("sha256");
  const add = (p: string): void => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) add(join(p, name));
      return;
    }
    hash.update(relative(root, p).split(sep).join("/") + "\0").update(readFileSync(p)).update("\0");
  };
  for (const entry of CODE) add(join(root, entry));
  const digest = hash.digest("hex");
  if (root === ROOT) code = digest;
  return digest;
}

/** Why an output made from `recorded` is stale for `current`, or undefined when it is current. */
export function staleness(recorded: Partial<OutputSource> | undefined, current: OutputSource): string | undefined {
  if (!recorded?.plan || !recorded.code) return "it carries no record of the org and code it was made from";
  if (recorded.code !== current.code) return "it was made by another version of mailorg";
  if (recorded.plan !== current.plan) return "the org has changed since (or a date in it has passed)";
  return undefined;
}
