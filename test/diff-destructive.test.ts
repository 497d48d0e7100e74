/** `diff` refuses edits that lose mail, records or routing unless --allow-destructive; on real git repositories. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { orgAt } from "../review/git.ts";
import { diffOrgs } from "../review/diff.ts";
import { runCli, tempGitRepo, writeOrg } from "./helpers.ts";

const ORG = `organisation:
  name: Keep Co
  region: eu-west-1
  default_department: hq
  retention_days: 365
  max_message_size_mb: 40
domains:
  - { name: example.com, hosted_zone_id: Z0123456789ABC }
  - { name: example.net, hosted_zone_id: Z0123456789DEF }
departments:
  - { id: hq, name: HQ }
members:
  - { address: ann@example.com, name: Ann }
  - { address: bob@example.com, name: Bob }
groups:
  - { address: team@example.com, name: Team, members: [ann@example.com, bob@example.com] }
mailboxes:
  - { address: hr@example.com, name: HR, delegates: [{ member: ann@example.com }] }
  - { address: archive@example.com, name: Archive }
backups:
  - { name: legal-hold, to: archive@example.com, match: { recipients: [bob@example.com] } }
`;

/** Every edit the guard must refuse, applied together. */
const EDITED = ORG.replace("retention_days: 365", "retention_days: 30")
  .replace("max_message_size_mb: 40", "max_message_size_mb: 10")
  .replace("name: Keep Co", "name: Kept Company")
  .replace("{ name: example.com, hosted_zone_id: Z0123456789ABC }", "{ name: example.com }")
  .replace("{ name: example.net, hosted_zone_id: Z0123456789DEF }", "{ name: example.net, hosted_zone_id: Z0123456789DEF, receive: false }")
  .replace("  - { address: team@example.com, name: Team, members: [ann@example.com, bob@example.com] }\n", "  []\n")
  .replace("  - { address: hr@example.com, name: HR, delegates: [{ member: ann@example.com }] }\n", "")
  .replace("backups:\n  - { name: legal-hold, to: archive@example.com, match: { recipients: [bob@example.com] } }\n", "");

let repo: string;

beforeAll(() => {
  const r = tempGitRepo({ "org/org.yaml": ORG });
  repo = r.repo;
  writeFileSync(join(repo, "org/org.yaml"), EDITED.replace("groups:\n  []\n", "groups: []\n"));
  r.commit("careless edit");
});

describe("diff refuses destructive edits", () => {
  it("names what each would lose and how to proceed; exit 1, and 0 with --allow-destructive", () => {
    const r = runCli(["diff", "HEAD~1", "HEAD", "--org", "org", "--format", "text"], { cwd: repo });
    expect(r.status).toBe(1);
    const refused = r.stderr.split("\n").filter((l) => l.startsWith("  - ")).map((l) => l.slice(4));
    expect(refused).toEqual([
      "group team@example.com is removed: mail to it will be rejected at SMTP time instead of reaching its 2 recipients (keep the group, or remove it after telling its senders)",
      "shared mailbox hr@example.com is removed: new mail to it is no longer delivered and its delegates lose the right to send as it (its stored mail stays until it expires; keep the mailbox, or forward its address through a group first)",
      "hosted_zone_id of example.com is removed (was Z0123456789ABC): every mail record of example.com in zone Z0123456789ABC (MX, SPF, DKIM, MAIL FROM, DMARC) is destroyed, which prevent_destroy does not stop for a removed block, and mail to and from example.com fails until they exist again (create the records elsewhere first, then pass --allow-destructive)",
      "receive is turned off for example.net: its MX record and receipt rules are removed, so mail to every address @example.net stops being delivered (point the MX at another provider first, then pass --allow-destructive)",
      "the organisation's name change renames every AWS resource named after it (keep-co -> kept-company): the mail store bucket, IAM groups, receipt rules and the configuration set would be destroyed and recreated, and stored mail would be left in the old bucket (set organisation.id: keep-co to keep the names)",
      "retention_days is lowered from 365 to 30: stored mail older than 30 days (incoming/, mailboxes/, quarantine/) expires at the next lifecycle run (export what must be kept, then pass --allow-destructive)",
      "max_message_size_mb is cut from 40 to 10: messages between 10 and 40 MB are dropped instead of delivered (tell senders first, then pass --allow-destructive)",
      "backup rule legal-hold is removed: matching mail is no longer copied to archive@example.com (copies already made stay; keep the rule, or pass --allow-destructive once the retention obligation has ended)",
    ]);
    expect(r.stderr).toContain("mailorg: refusing 8 destructive changes:");
    expect(runCli(["diff", "HEAD~1", "HEAD", "--org", "org", "--allow-destructive", "--format", "json"], { cwd: repo }).status).toBe(0);
  });
});

describe("the opposite edits are not destructive", () => {
  const destructive = (before: string, after: string) =>
    diffOrgs(orgAt(writeOrg({ "org.yaml": before }), undefined, "2026-06-01"), orgAt(writeOrg({ "org.yaml": after }), undefined, "2026-06-01"), { today: "2026-06-01" })
      .filter((c) => c.destructive)
      .map((c) => c.reason);

  it("raising retention and size, adding a zone, turning receive on", () => {
    const lower = ORG.replace("retention_days: 365", "retention_days: 30").replace("max_message_size_mb: 40", "max_message_size_mb: 10").replace("{ name: example.com, hosted_zone_id: Z0123456789ABC }", "{ name: example.com }").replace("hosted_zone_id: Z0123456789DEF }", "hosted_zone_id: Z0123456789DEF, receive: false }");
    expect(destructive(lower, ORG)).toEqual([]);
  });

  it("renaming the organisation when organisation.id keeps the resource names", () => {
    const withId = ORG.replace("  name: Keep Co\n", "  name: Keep Co\n  id: keep-co\n");
    expect(destructive(withId, withId.replace("name: Keep Co", "name: Kept Company"))).toEqual([]);
    // Adding the id that the name already derived changes no name either.
    expect(destructive(ORG, withId.replace("name: Keep Co", "name: Kept Company"))).toEqual([]);
    expect(destructive(withId, withId.replace("id: keep-co", "id: other"))).toHaveLength(1);
  });

  it("moving a domain to another hosted zone is destructive too", () => {
    expect(destructive(ORG, ORG.replace("Z0123456789ABC", "Z9999999999ABC"))[0]).toMatch(/^hosted_zone_id of example\.com is changed from Z0123456789ABC to Z9999999999ABC: every mail record/);
  });
});
