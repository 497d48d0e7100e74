import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const members = (n: number, extra = "") => "members:\n" + Array.from({ length: n }, (_, i) => `  - { address: u${i}@example.com, name: U${extra} }\n`).join("");

describe("iam-quota", () => {
  it("accepts 5,000 members with credentials, departed members not counted", async () => {
    const f = await findings({ "m.yaml": members(5000) + "  - { address: gone@example.com, name: G, status: departed, forward_to: [u0@example.com] }\n" }, { rule: "iam-quota" });
    expect(f).toEqual([]);
  }, 60_000);
  it("rejects 5,001", async () => {
    expect(await findings({ "m.yaml": members(5001) }, { rule: "iam-quota" })).toEqual([
      "a.yaml:2:9: error [iam-quota] 5001 members need sending credentials (IAM users); IAM allows 5000 per account (mark leavers departed, or split the org across accounts)",
    ]);
  }, 60_000);
  it("accepts 50,000 members with a mailbox host: their accounts live on the host, none is an IAM user", async () => {
    const org = (host: boolean) =>
      BASE_ORG.replace("default_department: hq\n", `default_department: hq\n${host ? "  mailbox_host: { hostname: mail.example.com, volume_gb: 16000, default_quota_mb: 256 }\n" : ""}`).replace(
        "  - name: example.com\n",
        "  - { name: example.com, hosted_zone_id: Z0123456789ABC }\n",
      );
    const many = members(50_000);
    // The same org without the host: the rule runs on it and counts every member as an IAM user.
    expect(await findings({ "a.yaml": org(false), "m.yaml": many }, { rule: "iam-quota" })).toEqual([
      "a.yaml:2:9: error [iam-quota] 50000 members need sending credentials (IAM users); IAM allows 5000 per account (mark leavers departed, or split the org across accounts)",
    ]);
    expect(await findings({ "a.yaml": org(true), "m.yaml": many }, { rule: "iam-quota" })).toEqual([]);
  }, 120_000);
  it("rejects an inline policy over 2,048 characters", async () => {
    const boxes = Array.from({ length: 12 }, (_, i) => `  - { address: shared-mailbox-number-${i}@example.com, name: S, delegates: [{ member: u0@example.com, until: "2030-01-0${(i % 9) + 1}" }] }\n`).join("");
    const f = await findings({ "m.yaml": members(1) + "mailboxes:\n" + boxes }, { rule: "iam-quota" });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatch(/^m\.yaml:2:16: error \[iam-quota\] member u0@example\.com needs a \d+-character inline policy for their aliases and delegations; IAM allows 2048/);
  });
  it("rejects an address too long to name an IAM user", async () => {
    const long = "a".repeat(53) + "@example.com";
    expect(await findings({ "m.yaml": `members:\n  - { address: ${long}, name: L }\n` }, { rule: "iam-quota" })).toEqual([
      `m.yaml:2:16: error [iam-quota] member ${long} is 65 characters long; their IAM user is named by the address and IAM allows 64 (use a shorter primary address and keep this one as an alias)`,
    ]);
  });
  it("rejects an address with a character IAM user names do not allow", async () => {
    expect(await findings({ "m.yaml": "members:\n  - { address: 50%off@example.com, name: L }\n" }, { rule: "iam-quota" })).toEqual([
      "m.yaml:2:16: error [iam-quota] member 50%off@example.com names their IAM user, and IAM user names may not contain '%'; allowed: letters, digits and +=,.@_- (use an address without it as the primary and keep this one as an alias)",
    ]);
  });
});
