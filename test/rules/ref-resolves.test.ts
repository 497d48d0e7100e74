import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("ref-resolves", () => {
  it("accepts references to members, groups, mailboxes and departments", async () => {
    const f = await findings({
      "m.yaml": `members:
  - { address: a@example.com, name: A }
mailboxes:
  - { address: hr@example.com, name: HR }
groups:
  - { address: g1@example.com, name: G1, members: [a@example.com, hr@example.com] }
  - { address: g2@example.com, name: G2, members: [g1@example.com, department:hq], senders: [department:hq] }
sending:
  exempt: [a@example.com]
  internal_only: [department:hq]
backups:
  - { name: b, to: hr@example.com, match: { recipients: [g1@example.com] } }
signatures:
  - { id: s, html: "x", text: "x", applies_to: [department:hq] }
`,
    });
    expect(f).toEqual([]);
  });
  it("names each unknown reference, with a did-you-mean when close", async () => {
    const f = await findings({
      "m.yaml": `members:
  - { address: lin.wei@example.com, name: A }
groups:
  - { address: g@example.com, name: G, members: [lin.wie@example.com, department:hqq, nobody-at-all@example.com] }
sending:
  exempt: [department:finance]
`,
    }, { rule: "ref-resolves" });
    expect(f).toEqual([
      "m.yaml:4:50: error [ref-resolves] group g@example.com refers to lin.wie@example.com, an unknown address; did you mean lin.wei@example.com?",
      "m.yaml:4:71: error [ref-resolves] group g@example.com refers to department:hqq, an unknown department; did you mean department:hq?",
      "m.yaml:4:87: error [ref-resolves] group g@example.com refers to nobody-at-all@example.com, an unknown address; declare it as a member, group or mailbox, or fix the address",
      "m.yaml:6:12: error [ref-resolves] sending.exempt refers to department:finance, an unknown department; declare the department or fix the id",
    ]);
  });
});
