import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const withHost = (org: string): string =>
  org.replace("default_department: hq", "default_department: hq\n  mailbox_host: { hostname: mail.example.com }").replace("  - name: example.com\n", "  - name: example.com\n    hosted_zone_id: Z0123456789ABC\n");

describe("mailbox-host-address", () => {
  it("accepts every other character the schema allows, and '+' without a mailbox host", async () => {
    const org = BASE_ORG + "members:\n  - { address: a_b%c-d.e@example.com, name: Odd }\n  - { address: jo+ann@example.com, name: Jo }\n";
    expect(await findings({ "a.yaml": org }, { rule: "mailbox-host-address" })).toEqual([]);
    expect(await findings({ "a.yaml": withHost(org.replace("jo+ann@", "jo.ann@")) }, { rule: "mailbox-host-address" })).toEqual([]);
  });
  it("refuses '+' in a member's or a shared mailbox's address on the host, at the address", async () => {
    const org = withHost(BASE_ORG + "members:\n  - { address: Jo+Ann@example.com, name: Jo }\n") + "mailboxes:\n  - { address: eu+sales@example.com, name: EU }\n";
    const out = await findings({ "a.yaml": org }, { rule: "mailbox-host-address" });
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^a\.yaml:\d+:\d+: error \[mailbox-host-address\] jo\+ann@example\.com has '\+' in its local part, which the mailbox host reads as plus-addressing \(mail for jo@example\.com with a tag\); use an address without '\+', e\.g\. jo\.ann@example\.com, and keep jo\+ann@example\.com as an alias$/);
    expect(out[1]).toMatch(/error \[mailbox-host-address\] eu\+sales@example\.com has '\+'/);
  });
});
