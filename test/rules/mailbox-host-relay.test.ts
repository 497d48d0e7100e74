import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const org = (extra: string): string =>
  BASE_ORG.replace("default_department: hq", `default_department: hq\n${extra}`).replace("  - name: example.com\n", "  - name: example.com\n    hosted_zone_id: Z0123456789ABC\n");

describe("mailbox-host-relay", () => {
  it("accepts a mailbox host alone, and a relay alone", async () => {
    expect(await findings({ "a.yaml": org("  mailbox_host: { hostname: mail.example.com }") }, { rule: "mailbox-host-relay" })).toEqual([]);
    expect(await findings({ "a.yaml": org("  delivery: { relay: { host: mx.corp.example, tls: required } }") }, { rule: "mailbox-host-relay" })).toEqual([]);
  });
  it("rejects both at once", async () => {
    expect(await findings({ "a.yaml": org("  mailbox_host: { hostname: mail.example.com }\n  delivery: { relay: { host: mx.corp.example, tls: required } }") }, { rule: "mailbox-host-relay" })).toEqual([
      "a.yaml:6:15: error [mailbox-host-relay] delivery.relay is mx.corp.example but organisation.mailbox_host mail.example.com is the relay target; remove one of them",
    ]);
  });
});
