import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const org = (also: string): string =>
  BASE_ORG.replace("default_department: hq", `default_department: hq\n  mailbox_host: { hostname: mail.example.com }\n  delivery:\n    also: ${also}`).replace("  - name: example.com\n", "  - name: example.com\n    hosted_zone_id: Z0123456789ABC\n") +
  "members:\n  - { address: ann@example.com, name: Ann, aliases: [a@example.com] }\n  - { address: gone@example.com, name: Gone, status: departed, forward_to: [ann@example.com] }\ngroups:\n  - { address: all@example.com, name: All, members: [ann@example.com] }\n";

describe("delivery-also", () => {
  it("accepts members beside a mailbox host, on 587", async () => {
    expect(await findings({ "a.yaml": org("{ host: smtp-relay.gmail.com, port: 587, tls: required, auth_secret: mailorg/google, members: [Ann@example.com] }") })).toEqual([]);
  });
  it("refuses port 25, and entries that are not members with a mailbox", async () => {
    expect(await findings({ "a.yaml": org("{ host: example-com.mail.protection.outlook.com, port: 25, tls: required, members: [a@example.com, gone@example.com, all@example.com, who@example.com] }") }, { rule: "delivery-also" })).toEqual([
      "a.yaml:7:66: error [delivery-also] delivery.also port is 25, which AWS Lambda cannot open; use the old provider's submission relay on 587 (Google Workspace: smtp-relay.gmail.com with an app password in auth_secret)",
      "a.yaml:7:95: error [delivery-also] delivery.also lists a@example.com, an alias of ann@example.com; list the member's address",
      "a.yaml:7:110: error [delivery-also] delivery.also lists gone@example.com, a departed member",
      "a.yaml:7:128: error [delivery-also] delivery.also lists all@example.com, a group, not a member",
      "a.yaml:7:145: error [delivery-also] delivery.also lists who@example.com, not an address of the org",
    ]);
  });
});
