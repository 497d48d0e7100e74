import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const HOST = BASE_ORG.replace("default_department: hq", "default_department: hq\n  mailbox_host: { hostname: mail.example.com }").replace("  - name: example.com\n", "  - name: example.com\n    hosted_zone_id: Z0123456789ABC\n");
const REPLY = "auto_reply: { subject: Away, body: Write to b@example.com, until: 2026-06-30 }";
const MEMBERS = (extra: string) => `members:\n  - { address: a@example.com, name: A, ${extra}${REPLY} }\n  - { address: b@example.com, name: B }\n`;

describe("auto-reply-host", () => {
  it("accepts an auto_reply on the mailbox host: an active member, or a departed one without forward_to", async () => {
    expect(await findings({ "a.yaml": HOST, "m.yaml": MEMBERS("") }, { rule: "auto-reply-host", today: "2026-06-30" })).toEqual([]);
    expect(await findings({ "a.yaml": HOST, "m.yaml": MEMBERS("status: departed, ") }, { rule: "auto-reply-host", today: "2026-06-01" })).toEqual([]);
  });
  it("rejects an auto_reply without a mailbox host", async () => {
    expect(await findings({ "a.yaml": BASE_ORG, "m.yaml": MEMBERS("") }, { rule: "auto-reply-host", today: "2026-06-01" })).toEqual([
      "m.yaml:2:40: error [auto-reply-host] member a@example.com has an auto_reply but the org declares no organisation.mailbox_host, which sends it; remove auto_reply or declare the host",
    ]);
  });
  it("rejects an auto_reply of a departed member whose mail goes to a successor", async () => {
    expect(await findings({ "a.yaml": HOST, "m.yaml": MEMBERS("status: departed, forward_to: [b@example.com], ") }, { rule: "auto-reply-host", today: "2026-06-01" })).toEqual([
      "m.yaml:2:87: error [auto-reply-host] member a@example.com has an auto_reply but has departed with forward_to, so their mail never reaches the mailbox host; remove forward_to (their mailbox then receives and answers) or remove auto_reply",
    ]);
  });
  it("warns the day after until", async () => {
    expect(await findings({ "a.yaml": HOST, "m.yaml": MEMBERS("") }, { rule: "auto-reply-host", today: "2026-07-01" })).toEqual([
      "m.yaml:2:106: warning [auto-reply-host] member a@example.com's auto_reply ended on 2026-06-30 (today is 2026-07-01); remove it",
    ]);
  });
});
