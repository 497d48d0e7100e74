import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

const M = "members:\n  - { address: a@example.com, name: A }\n  - { address: b@example.com, name: B }\n";

describe("duplicate-identities", () => {
  it("accepts lists that name each identity once", async () => {
    const f = await findings({
      "m.yaml": M + "groups:\n  - { address: g@example.com, name: G, members: [a@example.com, b@example.com], senders: [a@example.com] }\nmailboxes:\n  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: 2026-12-31 }, { member: b@example.com }] }\n",
    }, { rule: "duplicate-identities" });
    expect(f).toEqual([]);
  });
  it("refuses a second delegate entry for the same member (it would make a dated delegation permanent)", async () => {
    const f = await findings({ "m.yaml": M + "mailboxes:\n  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: 2026-12-31 }, { member: A@Example.com }] }\n" }, { rule: "duplicate-identities" });
    expect(f).toEqual(["m.yaml:5:110: error [duplicate-identities] mailbox hr@example.com's delegates list A@Example.com twice (entries 1 and 2); name each once (remove the later entry, or merge the two into one with the until that is meant)"]);
  });
  it("refuses duplicates in group members and senders, aliases, applies_to, sending lists and owners", async () => {
    const f = await findings({
      "m.yaml": "members:\n  - { address: a@example.com, name: A, aliases: [x@example.com, X@example.com] }\n  - { address: b@example.com, name: B }\n" +
        "groups:\n  - { address: g@example.com, name: G, members: [a@example.com, b@example.com, a@example.com], senders: [b@example.com, b@example.com] }\n" +
        "sending: { exempt: [a@example.com, a@example.com], internal_only: [department:hq, department:hq] }\n" +
        "signatures:\n  - { id: s, applies_to: [department:hq, department:hq], html: \"<p>{{name}}</p>\", text: \"{{name}}\" }\n",
    }, { rule: "duplicate-identities" });
    expect(f.map((x) => x.replace(/^m\.yaml:\d+:\d+: error \[duplicate-identities\] /, ""))).toEqual([
      "member a@example.com's aliases list X@example.com twice (entries 1 and 2); name each once (remove the later entry)",
      "group g@example.com's members list a@example.com twice (entries 1 and 3); name each once (remove the later entry)",
      "group g@example.com's senders list b@example.com twice (entries 1 and 2); name each once (remove the later entry)",
      "sending.exempt list a@example.com twice (entries 1 and 2); name each once (remove the later entry)",
      "sending.internal_only list department:hq twice (entries 1 and 2); name each once (remove the later entry)",
      "signature s's applies_to list department:hq twice (entries 1 and 2); name each once (remove the later entry)",
    ]);
  });
  it("compares owners and admins without case", async () => {
    const f = await findings({ "d.yaml": "departments:\n  - { id: ops, name: Ops, parent: hq, admins: [\"@co/ops\", \"@CO/Ops\"] }\n" }, { rule: "duplicate-identities" });
    expect(f).toEqual(["d.yaml:2:59: error [duplicate-identities] department ops's admins list @CO/Ops twice (entries 1 and 2); name each once (remove the later entry)"]);
  });
});
