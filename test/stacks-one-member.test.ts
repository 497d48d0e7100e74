/**
 * Issue #31 item 5: a one-member change names at most two stacks in `mailorg stacks --changed`, with a mailbox
 * host and without one. Each change is synthesised on both sides, as `stacks --changed` does, and the stacks
 * named are asserted exactly (which, not only how many).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { changedStacks } from "../constructs/synth.ts";
import { sendingShard } from "../plan/stacks.ts";
import { runCli, writeOrg } from "./helpers.ts";

const SIGNATURES = `signatures:
  - id: standard
    applies_to: [department:hq]
    html: "<b>{{name}}</b>{{#if title}} · {{title}}{{/if}}<br>{{department}}<br>{{address}}"
    text: "{{name}}{{#if title}} · {{title}}{{/if}}\\n{{department}}\\n{{address}}"
`;

function org(host: boolean, members: string): string {
  return `organisation:
  name: Stack Co
  region: eu-west-1
  default_department: hq
${host ? "  mailbox_host: { hostname: mail.example.com, volume_gb: 20 }\n" : ""}domains: [{ name: example.com, hosted_zone_id: Z0123456789ABC }]
departments:
  - { id: hq, name: HQ }
  - { id: sales, name: Sales, parent: hq }
  - { id: ops, name: Operations, parent: hq }
groups:
  - { address: sales@example.com, name: Sales, members: [department:sales] }
  - { address: ops@example.com, name: Ops, members: [department:ops] }
mailboxes:
  - { address: desk@example.com, name: Desk, delegates: [{ member: ann@example.com }, { member: cat@example.com }] }
${SIGNATURES}members:
  - { address: ann@example.com, name: Ann, title: CEO }
  - { address: bob@example.com, name: Bob, departments: [sales] }
  - { address: cat@example.com, name: Cat, departments: [ops] }
${members}`;
}

/** The one-member changes, each from the same base: its extra member lines, and its edit of the base's. */
type Change = { add?: string; edit?: [string, string][] };
const CHANGES: Record<string, Change> = {
  "add a member": { add: "  - { address: dan@example.com, name: Dan, departments: [sales] }\n" },
  "rename a member": { edit: [["name: Bob,", "name: Robert,"]] },
  "a member leaves with a successor": { edit: [["{ address: bob@example.com, name: Bob, departments: [sales] }", "{ address: bob@example.com, name: Bob, departments: [sales], status: departed, forward_to: [ann@example.com] }"]] },
  // Validation refuses a departed delegate: the same change takes them off the shared mailbox.
  "a delegate leaves with a successor": {
    edit: [
      ["{ address: cat@example.com, name: Cat, departments: [ops] }", "{ address: cat@example.com, name: Cat, departments: [ops], status: departed, forward_to: [ann@example.com] }"],
      ["{ member: ann@example.com }, { member: cat@example.com }", "{ member: ann@example.com }"],
    ],
  },
  "a member changes department": { edit: [["{ address: bob@example.com, name: Bob, departments: [sales] }", "{ address: bob@example.com, name: Bob, departments: [ops] }"]] },
};

function changed(host: boolean, change: Change, edit: (yaml: string) => string = (y) => y): string[] {
  const base = edit(org(host, ""));
  const head = change.edit ? change.edit.reduce((y, [from, to]) => (expect(y).toContain(from), y.replace(from, to)), base) : edit(org(host, change.add ?? ""));
  expect(head).not.toBe(base);
  const result = changedStacks(writeOrg({ "org.yaml": head }), writeOrg({ "org.yaml": base }), "base", "2026-06-01");
  expect(result.reason).toBeUndefined();
  return result.changed;
}

describe("stacks --changed for a one-member change", () => {
  it("with a mailbox host: the host's files and the inbound stack (routing table, published signatures), nothing else", () => {
    const counts = Object.fromEntries(Object.entries(CHANGES).map(([name, change]) => [name, changed(true, change)]));
    expect(counts).toEqual({
      "add a member": ["mailhost", "inbound"],
      // The name is in the published signature (inbound); the host's files hold it only in a welcome letter, which this org has not.
      "rename a member": ["inbound"],
      "a member leaves with a successor": ["mailhost", "inbound"],
      "a delegate leaves with a successor": ["mailhost", "inbound"],
      "a member changes department": ["mailhost", "inbound"],
    });
    // A welcome letter that names the member is in the host's files: a rename then touches both, still two.
    const welcome = (y: string) => y.replace("  mailbox_host:", '  welcome: { subject: "Welcome, {{name}}", text: "Hello {{name}}" }\n  mailbox_host:');
    expect(changed(true, CHANGES["rename a member"]!, welcome)).toEqual(["mailhost", "inbound"]);
  }, 120_000);

  it("without a host: the inbound stack and the member's own credential shard, nothing else", () => {
    const shard = sendingShard("dan@example.com");
    const counts = Object.fromEntries(Object.entries(CHANGES).map(([name, change]) => [name, changed(false, change)]));
    expect(counts).toEqual({
      "add a member": ["inbound", shard],
      "rename a member": ["inbound"],
      "a member leaves with a successor": ["inbound", sendingShard("bob@example.com")],
      "a delegate leaves with a successor": ["inbound", sendingShard("cat@example.com")],
      // The member's own IAM policy (the groups they may send to) is in their shard.
      "a member changes department": ["inbound", sendingShard("bob@example.com")],
    });
  }, 120_000);

  it("mailorg stacks --changed HEAD~1 after adding one member to an org with a host prints mailhost and inbound", () => {
    const repo = mkdtempSync(join(tmpdir(), "mailorg-changed-"));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=x", "-c", "user.email=x@x", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q", "-b", "main");
    mkdirSync(join(repo, "org"));
    writeFileSync(join(repo, "org", "org.yaml"), org(true, ""));
    git("add", "-A");
    git("commit", "-q", "-m", "org");
    writeFileSync(join(repo, "org", "org.yaml"), org(true, CHANGES["add a member"]!.add!));
    git("commit", "-q", "-am", "dan joins");
    const r = runCli(["stacks", "--changed", "HEAD~1", "--org", join(repo, "org")], { env: { MAILORG_TODAY: "2026-06-01" } });
    expect([r.status, r.stderr, r.stdout]).toEqual([0, "", "mailhost\ninbound\n"]);
  }, 60_000);
});
