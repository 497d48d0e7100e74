import { beforeAll, describe, expect, it } from "vitest";
import type { OrgIndex } from "../model/org-index.ts";
import { validateOrg } from "../model/validate.ts";
import { buildRoutingTable, packRecipientRules, ruleCount, type RoutingTable } from "../plan/routing.ts";
import { connectingIp, decide, type InboundMessage } from "../runtime/router/core.ts";
import { writeOrg } from "./helpers.ts";

const ORG = `organisation:
  name: Route Co
  region: eu-west-1
  default_department: hq
  catch_all: lost@example.com
  max_message_size_mb: 10
domains:
  - name: example.com
  - name: send-only.example
    receive: false
departments:
  - { id: hq, name: HQ }
  - { id: sales, name: Sales, parent: hq }
  - { id: sales-east, name: Sales East, parent: sales }
members:
  - { address: boss@example.com, name: Boss, aliases: [b@example.com] }
  - { address: ann@example.com, name: Ann, departments: [sales], aliases: [a@example.com], blocked_senders: [pushy.example.net] }
  - { address: eve@example.com, name: Eve, departments: [sales-east] }
  - { address: old@example.com, name: Old, departments: [sales-east], status: departed, forward_to: [eve@example.com] }
  - { address: off@example.com, name: Off, status: disabled }
mailboxes:
  - { address: lost@example.com, name: Lost }
  - { address: archive@example.com, name: Archive }
  - { address: support@example.com, name: Support }
groups:
  - { address: all@example.com, name: All, members: [department:hq], senders: [boss@example.com] }
  - { address: sales@example.com, name: Sales, members: [department:sales, support@example.com], senders: [department:sales] }
  - { address: outer@example.com, name: Outer, members: [sales@example.com, boss@example.com], senders: anyone }
  - { address: staff@example.com, name: Staff, members: [ann@example.com] }
  - { address: gone@example.com, name: Gone, members: [old@example.com], senders: anyone }
inbound:
  blocked: [spam.example.net, bad@evil.example, 203.0.113.0/24]
  allowed: [trusted.example.org, 203.0.113.7]
backups:
  - { name: sales-copy, to: archive@example.com, match: { recipients: [department:sales] } }
  - { name: from-bank, to: archive@example.com, match: { senders: [bank.example] } }
`;

let index: OrgIndex | undefined;
let table: RoutingTable;
beforeAll(() => {
  const r = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
  index = r.index;
  table = buildRoutingTable(r.org, r.index!);
});
const send = (m: Partial<InboundMessage> & { to: string[] }) =>
  decide(table, { from: "someone@outside.example", spam: "PASS", virus: "PASS", dmarc: "PASS", recipients: m.to, ...m });

describe("router core", () => {
  it("validates the test org", () => {
    expect(index).toBeDefined();
  });
  it("delivers to a member by address and by alias, once", () => {
    expect(send({ to: ["ann@example.com", "A@example.com"] })).toEqual({ accepted: true, rejected_reason: null, deliveries: ["ann@example.com"], dropped: [], backups: ["archive@example.com"], quarantined: false, junk: null });
  });
  it("expands nested groups and department groups with sub-departments, excluding departed members", () => {
    const d = send({ from: "ann@example.com", to: ["outer@example.com"] });
    expect(d.deliveries).toEqual(["ann@example.com", "boss@example.com", "eve@example.com", "support@example.com"]);
  });
  it("keeps a nested group's sender rules: an outsider reaches through outer@ only whom sales@ does not gate (#28)", () => {
    const d = send({ to: ["outer@example.com"] });
    expect(d.deliveries).toEqual(["boss@example.com"]);
    expect(d.dropped).toEqual(["ann@example.com", "eve@example.com", "support@example.com"].map((t) => ({ recipient: t, reason: `someone@outside.example may not send to group sales@example.com, through which outer@example.com reaches ${t}` })));
  });
  it("delivers a departed member's mail to the successor", () => {
    expect(send({ to: ["old@example.com"] }).deliveries).toEqual(["eve@example.com"]);
  });
  it("delivers to a disabled member (mail is kept while the account is disabled)", () => {
    expect(send({ to: ["off@example.com"] }).deliveries).toEqual(["off@example.com"]);
  });
  it("sends unknown recipients in a receiving domain to the catch-all, and rejects other domains at SMTP time", () => {
    const d = send({ to: ["typo@example.com", "x@send-only.example"] });
    expect(d.deliveries).toEqual(["lost@example.com"]);
    expect(d.dropped).toEqual([{ recipient: "x@send-only.example", reason: "not a receiving domain of the org: rejected by SES at SMTP time" }]);
  });
  it("without a catch-all, unknown recipients are rejected by SES", () => {
    const t2 = { ...table, catchAll: null };
    const d = decide(t2, { from: "x@outside.example", recipients: ["typo@example.com"] });
    expect(d).toMatchObject({ accepted: false, rejected_reason: "no recipient is accepted by the receipt rules", deliveries: [] });
  });
  it("enforces group senders: a listed member passes with DMARC, a forged From does not", () => {
    expect(send({ from: "boss@example.com", to: ["all@example.com"] }).deliveries).toHaveLength(4);
    expect(send({ from: "b@example.com", to: ["all@example.com"] }).deliveries).toHaveLength(4); // alias of a sender
    const forged = send({ from: "boss@example.com", dmarc: "FAIL", to: ["all@example.com"] });
    expect(forged.deliveries).toEqual([]);
    expect(forged.dropped).toEqual([{ recipient: "all@example.com", reason: "boss@example.com may not send to group all@example.com (DMARC did not pass)" }]);
    expect(send({ from: "ann@example.com", to: ["all@example.com"] }).dropped[0]!.reason).toBe("ann@example.com may not send to group all@example.com");
  });
  it("a group whose senders are a department admits that department's members and no one else", () => {
    expect(send({ from: "eve@example.com", to: ["sales@example.com"] }).deliveries).toContain("support@example.com");
    expect(send({ from: "boss@example.com", to: ["sales@example.com"] }).deliveries).toEqual([]);
  });
  it("default senders (organisation) admit verified org senders only", () => {
    expect(send({ from: "boss@example.com", to: ["staff@example.com"] }).deliveries).toEqual(["ann@example.com"]);
    expect(send({ from: "x@outside.example", to: ["staff@example.com"] }).dropped[0]!.reason).toMatch(/accepts mail from the organisation only/);
  });
  it("blocks globally blocked senders and domains (with subdomains) unless allowed", () => {
    expect(send({ from: "x@mail.spam.example.net", to: ["ann@example.com"] })).toMatchObject({ accepted: true, deliveries: [], dropped: [{ recipient: "ann@example.com", reason: "sender x@mail.spam.example.net is blocked by inbound.blocked" }] });
    expect(send({ from: "bad@evil.example", to: ["ann@example.com"] }).deliveries).toEqual([]);
    expect(send({ from: "good@evil.example", to: ["ann@example.com"] }).deliveries).toEqual(["ann@example.com"]);
  });
  it("honours personal blocks even for globally allowed senders; allowed overrides the global block and spam", () => {
    const personal = send({ from: "x@pushy.example.net", to: ["ann@example.com", "outer@example.com"] });
    // Through outer@, sales@'s sender rules hold (#28): only boss@ is reached; ann@'s own block is still named.
    expect(personal.deliveries).toEqual(["boss@example.com"]);
    expect(personal.dropped).toContainEqual({ recipient: "ann@example.com", reason: "ann@example.com blocks mail from x@pushy.example.net (blocked_senders)" });
    const t2 = { ...table, allowedSenders: [...table.allowedSenders, "pushy.example.net"], blockedSenders: [...table.blockedSenders, "pushy.example.net"] };
    const d = decide(t2, { from: "x@pushy.example.net", recipients: ["ann@example.com", "eve@example.com"], spam: "FAIL", dmarc: "PASS" });
    expect(d.deliveries).toEqual(["eve@example.com"]);
    expect(d.quarantined).toBe(false);
  });
  it("quarantines spam from others and never delivers viruses, even from allowed senders", () => {
    expect(send({ spam: "FAIL", to: ["ann@example.com"] })).toMatchObject({ quarantined: true, deliveries: [] });
    expect(send({ from: "x@trusted.example.org", spam: "FAIL", to: ["ann@example.com"] }).deliveries).toEqual(["ann@example.com"]);
    expect(send({ from: "x@trusted.example.org", virus: "FAIL", to: ["ann@example.com"] })).toMatchObject({ quarantined: true, deliveries: [] });
  });
  it("rejects blocked IPs at SMTP time unless the IP is allowed", () => {
    expect(send({ ip: "203.0.113.9", to: ["ann@example.com"] })).toMatchObject({ accepted: false, rejected_reason: "sending IP 203.0.113.9 is blocked by a receipt filter (inbound.blocked)" });
    expect(send({ ip: "203.0.113.7", to: ["ann@example.com"] }).deliveries).toEqual(["ann@example.com"]);
  });
  it("drops oversize messages with the reason", () => {
    const d = send({ sizeBytes: 11 * 1048576, to: ["ann@example.com"] });
    expect(d.deliveries).toEqual([]);
    expect(d.dropped[0]!.reason).toBe("message of 11.0 MB exceeds max_message_size_mb 10");
  });
  it("adds backup copies by recipient (department, via aliases and groups) and by sender", () => {
    expect(send({ to: ["a@example.com"] }).backups).toEqual(["archive@example.com"]);
    expect(send({ to: ["boss@example.com"] }).backups).toEqual([]);
    expect(send({ from: "notice@bank.example", to: ["boss@example.com"] }).backups).toEqual(["archive@example.com"]);
  });
});

describe("recipient rule packing (SES: 100 recipients per rule, 200 rules)", () => {
  const entries = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`u${String(i).padStart(5, "0")}@example.com`, { kind: "member" as const, deliver: [] }]));
  const t = (n: number) => ({ ...table, entries: entries(n) });
  it("packs 100 into one rule and 101 into two, keyed by domain and position", () => {
    expect(packRecipientRules(t(100)).map((r) => [r.key, r.recipients.length])).toEqual([["example_com-01", 100]]);
    expect(packRecipientRules(t(101)).map((r) => [r.key, r.recipients.length])).toEqual([["example_com-01", 100], ["example_com-02", 1]]);
  });
  it("counts the catch-all rule per receiving domain", () => {
    expect(ruleCount(t(19900))).toBe(200);
    expect(ruleCount(t(19901))).toBe(201);
  });
  it("keys two domains whose dash-slugs coincide apart (a-b.example.com, a.b-example.com)", () => {
    const two = { ...table, receivingDomains: ["a-b.example.com", "a.b-example.com"], entries: { "x@a-b.example.com": { kind: "member" as const, deliver: [] }, "x@a.b-example.com": { kind: "member" as const, deliver: [] } } };
    const keys = packRecipientRules(two).map((r) => r.key);
    expect(keys).toEqual(["a-b_example_com-01", "a_b-example_com-01"]);
  });
  it("only lists addresses of receiving domains", () => {
    expect(packRecipientRules(table).flatMap((r) => r.recipients).every((a) => a.endsWith("@example.com"))).toBe(true);
  });
});

describe("inbound decisions that must not be steerable", () => {
  it("an allowed sender address or domain counts only when DMARC passed: a forged From is filtered like anyone", () => {
    expect(send({ from: "x@trusted.example.org", spam: "FAIL", dmarc: "FAIL", to: ["ann@example.com"] })).toMatchObject({ quarantined: true, deliveries: [] });
    expect(send({ from: "x@trusted.example.org", spam: "FAIL", dmarc: undefined, to: ["ann@example.com"] })).toMatchObject({ quarantined: true, deliveries: [] });
    expect(send({ from: "x@trusted.example.org", spam: "FAIL", dmarc: "PASS", to: ["ann@example.com"] }).deliveries).toEqual(["ann@example.com"]);
  });
  it("an allowed IP (the TCP peer) skips the spam check whatever DMARC says", () => {
    expect(send({ ip: "203.0.113.7", spam: "FAIL", dmarc: "FAIL", to: ["ann@example.com"] })).toMatchObject({ quarantined: false, deliveries: ["ann@example.com"] });
    expect(send({ ip: "198.51.100.1", spam: "FAIL", dmarc: "FAIL", to: ["ann@example.com"] })).toMatchObject({ quarantined: true });
  });
  it("takes the peer IP only from the Received header SES added on top", () => {
    const ses = { name: "Received", value: "from mail.partner.example (mail.partner.example [203.0.113.7]) by inbound-smtp.eu-west-1.amazonaws.com with SMTP id abc for ann@example.com; Mon, 1 Jun 2026 10:00:00 +0000 (UTC)" };
    const forged = { name: "Received", value: "from x ([198.51.100.1]) by mx.partner.example" };
    expect(connectingIp([ses, forged])).toBe("203.0.113.7");
    expect(connectingIp([forged, ses])).toBeUndefined();
    expect(connectingIp([{ name: "received", value: "from h (h [IPv6:2001:DB8::7]) by inbound-smtp.us-east-1.amazonaws.com" }])).toBe("2001:db8::7");
    expect(connectingIp([])).toBeUndefined();
  });
  it("local parts are case-insensitive", () => {
    expect(send({ to: ["ANN@EXAMPLE.COM", "Eve@Example.Com"] }).deliveries).toEqual(["ann@example.com", "eve@example.com"]);
    expect(send({ from: "Boss@Example.com", to: ["ALL@example.com"] }).deliveries).toContain("eve@example.com");
  });
  it("user+tag@ reaches user (members, aliases, mailboxes), not the catch-all; a group is never reached by +tag", () => {
    expect(send({ to: ["ann+news@example.com"] }).deliveries).toEqual(["ann@example.com"]);
    expect(send({ to: ["A+x@Example.com"] }).deliveries).toEqual(["ann@example.com"]);
    expect(send({ to: ["support+case-7@example.com"] }).deliveries).toEqual(["support@example.com"]);
    expect(send({ to: ["old+x@example.com"] }).deliveries).toEqual(["eve@example.com"]);
    expect(send({ to: ["all+x@example.com"] }).deliveries).toEqual(["lost@example.com"]);
    expect(send({ to: ["+x@example.com"] }).deliveries).toEqual(["lost@example.com"]);
  });
  it("backs up only mail actually delivered to a matching recipient, including members reached through a group", () => {
    // Ann refuses pushy.example.net: nothing is delivered to her, so the sales backup copies nothing.
    expect(send({ from: "x@pushy.example.net", to: ["ann@example.com"] })).toMatchObject({ deliveries: [], backups: [] });
    // staff@ reaches Ann (sales) through the group: her mail is backed up.
    expect(send({ from: "boss@example.com", to: ["staff@example.com"] })).toMatchObject({ deliveries: ["ann@example.com"], backups: ["archive@example.com"] });
    // all@ refused for a forged sender: no delivery, no backup.
    expect(send({ from: "boss@example.com", dmarc: "FAIL", to: ["all@example.com"] })).toMatchObject({ deliveries: [], backups: [] });
  });
  it("a group whose members all departed says where its mail goes", () => {
    const d = send({ to: ["gone@example.com"] });
    expect(d.deliveries).toEqual(["lost@example.com"]);
    expect(d.dropped).toEqual([{ recipient: "gone@example.com", reason: "group gone@example.com has no active recipients: delivered to the catch-all lost@example.com instead" }]);
    const noCatchAll = decide({ ...table, catchAll: null }, { from: "a@outside.example", recipients: ["gone@example.com"] });
    expect(noCatchAll.dropped).toEqual([{ recipient: "gone@example.com", reason: "group gone@example.com has no active recipients: nothing is delivered (add members, or set catch_all)" }]);
  });
});
