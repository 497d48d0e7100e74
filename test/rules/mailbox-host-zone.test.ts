import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const withHost = (hostname: string, zoned = true): string =>
  BASE_ORG.replace("default_department: hq", `default_department: hq\n  mailbox_host: { hostname: ${hostname} }`).replace(
    "  - name: example.com\n",
    `  - name: example.com\n${zoned ? "    hosted_zone_id: Z0123456789ABC\n" : ""}  - name: example.net\n`,
  );

describe("mailbox-host-zone", () => {
  it("accepts a host below a domain with a hosted zone", async () => {
    expect(await findings({ "a.yaml": withHost("mail.example.com") }, { rule: "mailbox-host-zone" })).toEqual([]);
  });
  it("rejects a host below a domain without a zone, outside the org, or the apex itself", async () => {
    expect(await findings({ "a.yaml": withHost("mail.example.net") }, { rule: "mailbox-host-zone" })).toEqual([
      "a.yaml:5:29: error [mailbox-host-zone] mailbox_host.hostname is mail.example.net, which is not below a domain with a hosted_zone_id; name a host below example.com",
    ]);
    expect(await findings({ "a.yaml": withHost("example.com") }, { rule: "mailbox-host-zone" })).toHaveLength(1);
    expect(await findings({ "a.yaml": withHost("mail.example.org", false) }, { rule: "mailbox-host-zone" })).toEqual([
      "a.yaml:5:29: error [mailbox-host-zone] mailbox_host.hostname is mail.example.org, which is not below a domain with a hosted_zone_id; give one of the org's domains a hosted_zone_id",
    ]);
  });
});
