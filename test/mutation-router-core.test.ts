/**
 * The router's decisions on a routing table written out by hand (plain data, no org): the predicates it is
 * built from, each refusal with its reason, backups (never for refused mail), the size limit at its edge,
 * and where the peer IP is read from.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RoutingTable } from "../plan/contract.ts";
import { connectingIp, decide, lookupRecipient, receiptFilterBlocks, senderMatches, sesAccepts, type InboundMessage } from "../runtime/router/core.ts";

let table: RoutingTable;
beforeAll(() => {
  table = {
    version: 1,
    receivingDomains: ["example.com"],
    orgDomains: ["example.com", "send.example"],
    catchAll: "lost@example.com",
    maxMessageBytes: 1000,
    ownDmarc: {},
    entries: {
      "ann@example.com": { kind: "member", deliver: ["ann@example.com"] },
      "a@example.com": { kind: "alias", deliver: ["ann@example.com"] },
      "bob@example.com": { kind: "member", deliver: ["bob@example.com"] },
      "bob+x@example.com": { kind: "mailbox", deliver: ["desk@example.com"] },
      "desk@example.com": { kind: "mailbox", deliver: ["desk@example.com"] },
      "lost@example.com": { kind: "mailbox", deliver: ["lost@example.com"] },
      "open@example.com": { kind: "group", deliver: ["ann@example.com", "bob@example.com"], senders: { mode: "anyone" } },
      "org@example.com": { kind: "group", deliver: ["bob@example.com"], senders: { mode: "organisation" } },
      "list@example.com": { kind: "group", deliver: ["ann@example.com"], senders: { mode: "list", allowed: ["bob@example.com"] } },
      "empty@example.com": { kind: "group", deliver: [], senders: { mode: "anyone" } },
      "x@send.example": { kind: "member", deliver: ["x@send.example"] },
    },
    personalBlocks: { "bob@example.com": ["pushy.example"] },
    blockedSenders: ["spam.example"],
    allowedSenders: ["friend.example"],
    blockedIps: ["203.0.113.0/24"],
    allowedIps: ["203.0.113.7"],
    backups: [
      { name: "from-bank", to: "vault@example.com", recipients: [], senders: ["pay.example", "bank.example"] },
      { name: "ann-hold", to: "hold@example.com", recipients: ["a@example.com"], senders: [] },
      { name: "desk-hold", to: "desk-copy@example.com", recipients: ["desk@example.com"], senders: [] },
      { name: "all", to: "all-copy@example.com", recipients: [], senders: [] },
    ],
    forwards: {},
    relay: null,
  };
});

const msg = (m: Partial<InboundMessage> & { to: string[] }): InboundMessage => ({ from: "pat@partner.example", spam: "PASS", virus: "PASS", dmarc: "PASS", recipients: m.to, ...m });

describe("router predicates", () => {
  it("senderMatches: an address exactly, a domain with its subdomains, case-insensitively", () => {
    expect(senderMatches("Pat@Partner.Example", "pat@partner.example")).toBe(true);
    expect(senderMatches("pat@partner.example", "PARTNER.example")).toBe(true);
    expect(senderMatches("pat@mail.partner.example", "partner.example")).toBe(true);
    expect(senderMatches("pat@notpartner.example", "partner.example")).toBe(false);
    expect(senderMatches("kim@partner.example", "pat@partner.example")).toBe(false);
    expect(senderMatches("pat@partner.example", "at@partner.example")).toBe(false);
  });
  it("receiptFilterBlocks: a blocked range unless the address is allowed; no IP, no block", () => {
    expect(receiptFilterBlocks(table, "203.0.113.9")).toBe(true);
    expect(receiptFilterBlocks(table, "203.0.113.7")).toBe(false);
    expect(receiptFilterBlocks(table, "198.51.100.1")).toBe(false);
    expect(receiptFilterBlocks(table, undefined)).toBe(false);
    expect(receiptFilterBlocks({ ...table, blockedIps: ["not-a-cidr", "203.0.113.0/24"] }, "203.0.113.9")).toBe(true);
  });
  it("sesAccepts: a listed address of a receiving domain, or any address there with a catch-all", () => {
    expect(sesAccepts(table, "ANN@example.com")).toBe(true);
    expect(sesAccepts(table, "typo@example.com")).toBe(true);
    expect(sesAccepts({ ...table, catchAll: null }, "typo@example.com")).toBe(false);
    expect(sesAccepts({ ...table, catchAll: null }, "ann@example.com")).toBe(true);
    expect(sesAccepts(table, "x@send.example")).toBe(false);
  });
  it("lookupRecipient: the address, or user@ for user+tag@ unless declared or a group", () => {
    expect(lookupRecipient(table, "Ann@Example.com")).toEqual({ address: "ann@example.com", entry: table.entries["ann@example.com"] });
    expect(lookupRecipient(table, "ann+news@example.com")).toEqual({ address: "ann@example.com", entry: table.entries["ann@example.com"] });
    expect(lookupRecipient(table, "bob+x@example.com")).toEqual({ address: "bob+x@example.com", entry: table.entries["bob+x@example.com"] });
    expect(lookupRecipient(table, "open+x@example.com")).toBeUndefined();
    expect(lookupRecipient(table, "nobody+x@example.com")).toBeUndefined();
    expect(lookupRecipient(table, "+ann@example.com")).toBeUndefined();
    expect(lookupRecipient(table, "ann@exa+mple.com")).toBeUndefined();
    expect(lookupRecipient(table, "typo@example.com")).toBeUndefined();
  });
});

describe("connectingIp", () => {
  const ses = (from: string) => ({ name: "Received", value: `from ${from} by inbound-smtp.eu-west-1.amazonaws.com with SMTP id x; Mon, 1 Jun 2026 10:00:00 +0000` });
  it("reads the first Received header, whatever headers come before it", () => {
    expect(connectingIp([{ name: "X-SES-Spam-Verdict", value: "PASS [198.51.100.9]" }, ses("h (h [203.0.113.5])"), ses("h (h [198.51.100.1])")])).toBe("203.0.113.5");
  });
  it("only from the part before 'by', and only a valid address, IPv6 in lower case", () => {
    expect(connectingIp([{ name: "Received", value: "from h by inbound-smtp.eu-west-1.amazonaws.com ([203.0.113.5])" }])).toBeUndefined();
    expect(connectingIp([ses("h (h [999.1.1.1])")])).toBeUndefined();
    expect(connectingIp([ses("h (h [IPv6:2001:DB8::A])")])).toBe("2001:db8::a");
  });
  it("nothing when the top Received header was not written by SES's inbound endpoint", () => {
    expect(connectingIp([{ name: "Received", value: "from h (h [203.0.113.5]) by mx.inbound-smtp.example.net" }, ses("h (h [198.51.100.1])")])).toBeUndefined();
  });
});

describe("decide", () => {
  it("refuses a blocked IP at SMTP time, with nothing delivered or dropped", () => {
    expect(decide(table, msg({ ip: "203.0.113.9", to: ["ann@example.com"] }))).toEqual({ accepted: false, rejected_reason: "sending IP 203.0.113.9 is blocked by a receipt filter (inbound.blocked)", deliveries: [], dropped: [], backups: [], quarantined: false, junk: null });
  });
  it("refuses a message no recipient of which SES accepts, saying why for each", () => {
    expect(decide({ ...table, catchAll: null }, msg({ to: ["typo@example.com", "x@send.example"] }))).toEqual({
      accepted: false,
      rejected_reason: "no recipient is accepted by the receipt rules",
      deliveries: [],
      dropped: [
        { recipient: "typo@example.com", reason: "unknown recipient: rejected by SES at SMTP time (no catch_all)" },
        { recipient: "x@send.example", reason: "not a receiving domain of the org: rejected by SES at SMTP time" },
      ],
      backups: [],
      quarantined: false,
      junk: null,
    });
  });
  it("a virus: quarantined, every recipient dropped with the reason (SMTP-time refusals first), no backup", () => {
    expect(decide(table, msg({ virus: "FAIL", to: ["ann@example.com", "x@send.example"] }))).toEqual({
      accepted: true,
      rejected_reason: null,
      deliveries: [],
      dropped: [
        { recipient: "x@send.example", reason: "not a receiving domain of the org: rejected by SES at SMTP time" },
        { recipient: "ann@example.com", reason: "virus detected: quarantined, never delivered" },
      ],
      backups: [],
      quarantined: true,
      junk: null,
    });
  });
  it("a blocked sender is dropped unless it comes from an allowed IP; spam likewise", () => {
    expect(decide(table, msg({ from: "x@mail.spam.example", to: ["ann@example.com"] }))).toMatchObject({ deliveries: [], quarantined: false, dropped: [{ recipient: "ann@example.com", reason: "sender x@mail.spam.example is blocked by inbound.blocked" }] });
    expect(decide(table, msg({ from: "x@spam.example", ip: "203.0.113.7", to: ["ann@example.com"] })).deliveries).toEqual(["ann@example.com"]);
    expect(decide(table, msg({ spam: "FAIL", to: ["ann@example.com"] }))).toMatchObject({ deliveries: [], quarantined: true, dropped: [{ recipient: "ann@example.com", reason: "spam verdict FAIL: quarantined" }] });
    expect(decide(table, msg({ from: "x@friend.example", spam: "FAIL", to: ["ann@example.com"] })).deliveries).toEqual(["ann@example.com"]);
    expect(decide(table, msg({ from: "x@friend.example", dmarc: "FAIL", spam: "FAIL", to: ["ann@example.com"] })).quarantined).toBe(true);
  });
  it("the size limit: exactly the limit passes, one byte more is dropped with the sizes in MB", () => {
    expect(decide(table, msg({ sizeBytes: 1000, to: ["ann@example.com"] })).deliveries).toEqual(["ann@example.com"]);
    expect(decide(table, msg({ sizeBytes: 1001, to: ["ann@example.com"] })).dropped).toEqual([{ recipient: "ann@example.com", reason: "message of 0.0 MB exceeds max_message_size_mb 0.00095367431640625" }]);
    const mb = { ...table, maxMessageBytes: 10 * 1048576 };
    expect(decide(mb, msg({ sizeBytes: 10.5 * 1048576, to: ["ann@example.com"] })).dropped[0]!.reason).toBe("message of 10.5 MB exceeds max_message_size_mb 10");
  });
  it("group senders: anyone; the organisation (an org domain with DMARC passed); a list", () => {
    expect(decide(table, msg({ to: ["open@example.com"] })).deliveries).toEqual(["ann@example.com", "bob@example.com"]);
    expect(decide(table, msg({ from: "kim@send.example", to: ["org@example.com"] })).deliveries).toEqual(["bob@example.com"]);
    expect(decide(table, msg({ from: "kim@send.example", dmarc: "FAIL", to: ["org@example.com"] })).dropped).toEqual([{ recipient: "org@example.com", reason: "group org@example.com accepts mail from the organisation only; kim@send.example is not a verified org sender" }]);
    expect(decide(table, msg({ from: "Bob@example.com", to: ["list@example.com"] })).deliveries).toEqual(["ann@example.com"]);
    expect(decide(table, msg({ from: "pat@partner.example", to: ["list@example.com"] })).dropped).toEqual([{ recipient: "list@example.com", reason: "pat@partner.example may not send to group list@example.com" }]);
    expect(decide(table, msg({ from: "ann@example.com", to: ["list@example.com"] })).dropped).toEqual([{ recipient: "list@example.com", reason: "ann@example.com may not send to group list@example.com" }]);
    expect(decide(table, msg({ from: "bob@example.com", dmarc: "GRAY", to: ["list@example.com"] })).dropped).toEqual([{ recipient: "list@example.com", reason: "bob@example.com may not send to group list@example.com (DMARC did not pass)" }]);
  });
  it("an empty group goes to the catch-all, or nowhere, and says so", () => {
    expect(decide(table, msg({ to: ["empty@example.com"] }))).toMatchObject({ deliveries: ["lost@example.com"], dropped: [{ recipient: "empty@example.com", reason: "group empty@example.com has no active recipients: delivered to the catch-all lost@example.com instead" }] });
    expect(decide({ ...table, catchAll: null }, msg({ to: ["empty@example.com"] }))).toMatchObject({ deliveries: [], dropped: [{ recipient: "empty@example.com", reason: "group empty@example.com has no active recipients: nothing is delivered (add members, or set catch_all)" }] });
  });
  it("personal blocks drop one mailbox's copy; what is dropped is sorted by recipient then reason", () => {
    const d = decide(table, msg({ from: "x@pushy.example", to: ["x@send.example", "open@example.com", "list@example.com", "bob@example.com", "a@send.example"] }));
    expect(d.deliveries).toEqual(["ann@example.com"]);
    expect(d.dropped).toEqual([
      { recipient: "a@send.example", reason: "not a receiving domain of the org: rejected by SES at SMTP time" },
      { recipient: "bob@example.com", reason: "bob@example.com blocks mail from x@pushy.example (blocked_senders)" },
      { recipient: "bob@example.com", reason: "bob@example.com blocks mail from x@pushy.example (blocked_senders)" },
      { recipient: "list@example.com", reason: "x@pushy.example may not send to group list@example.com" },
      { recipient: "x@send.example", reason: "not a receiving domain of the org: rejected by SES at SMTP time" },
    ]);
    // Same recipient, two reasons: alphabetical by reason.
    const twice = decide({ ...table, personalBlocks: { "lost@example.com": ["pushy.example"] } }, msg({ from: "x@pushy.example", to: ["lost@example.com", "empty@example.com"] }));
    expect(twice.dropped.map((x) => x.recipient)).toEqual(["empty@example.com", "lost@example.com", "lost@example.com"]);
  });
  it("unknown recipients go to the catch-all; recipients are counted once in any case", () => {
    expect(decide(table, msg({ to: ["Typo@example.com", "typo@EXAMPLE.com", "ANN@example.com", "ann@example.com"] }))).toEqual({ accepted: true, rejected_reason: null, deliveries: ["ann@example.com", "lost@example.com"], dropped: [], backups: ["all-copy@example.com"], quarantined: false, junk: null });
  });
});

describe("backups", () => {
  it("a sender-only backup copies delivered mail from the sender, never mail refused for every recipient", () => {
    expect(decide(table, msg({ from: "n@bank.example", to: ["bob@example.com"] })).backups).toEqual(["all-copy@example.com", "vault@example.com"]);
    expect(decide(table, msg({ from: "n@bank.example", to: ["list@example.com"] }))).toMatchObject({ deliveries: [], backups: [] });
  });
  it("a recipient backup matches the envelope address, the base of a +tag address, or the final mailbox", () => {
    expect(decide(table, msg({ to: ["a@example.com"] })).backups).toEqual(["all-copy@example.com", "hold@example.com"]);
    expect(decide(table, msg({ to: ["ann@example.com"] })).backups).toEqual(["all-copy@example.com"]);
    expect(decide(table, msg({ to: ["a+x@example.com"] })).backups).toEqual(["all-copy@example.com", "hold@example.com"]);
    expect(decide(table, msg({ to: ["bob+x@example.com"] })).backups).toEqual(["all-copy@example.com", "desk-copy@example.com"]);
  });
});
