import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const HOST = (volume: number): string =>
  BASE_ORG.replace("default_department: hq", `default_department: hq\n  mailbox_host: { hostname: mail.example.com, volume_gb: ${volume}, default_quota_mb: 1024 }`).replace(
    "  - name: example.com\n",
    "  - name: example.com\n    hosted_zone_id: Z0123456789ABC\n",
  );
const MEMBERS = "members:\n  - { address: a@example.com, name: A, quota_mb: 9216 }\n  - { address: b@example.com, name: B }\n";

describe("mailbox-quota", () => {
  it("accepts quotas within the data volume", async () => {
    expect(await findings({ "a.yaml": HOST(10), "m.yaml": MEMBERS }, { rule: "mailbox-quota" })).toEqual([]);
  });
  it("warns when the quotas add up to more than the volume", async () => {
    expect(await findings({ "a.yaml": HOST(9), "m.yaml": MEMBERS }, { rule: "mailbox-quota" })).toEqual([
      "a.yaml:5:3: warning [mailbox-quota] mailbox quotas add up to 10240 MB, more than the 9 GB data volume (9216 MB); raise volume_gb to at least 10 or lower quotas",
    ]);
  });
  it("rejects quota_mb without a mailbox host", async () => {
    expect(await findings({ "m.yaml": MEMBERS }, { rule: "mailbox-quota" })).toEqual([
      "m.yaml:2:40: error [mailbox-quota] member a@example.com has quota_mb 9216 but the org declares no organisation.mailbox_host; remove quota_mb or declare the host",
    ]);
  });
});
