/**
 * The routing table, in process and whole: every entry kind, who may mail a group, members' forwards (never a
 * departed member's), the relay with its defaults, the inbound lists split into IPs and senders, backups with
 * the addresses they cover, and the receipt rules packed from it. Each test computes the table from its own
 * Org object, so that what it checks is computed in the test.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { validateOrg } from "../model/validate.ts";
import { buildRoutingTable, deliverableAddresses, packRecipientRules, receiptRuleSpecs, ruleCount, type RoutingTable } from "../plan/routing.ts";
import { BASE_ORG, writeOrg } from "./helpers.ts";

const ORG = `organisation:
  name: Table Co
  region: eu-west-1
  default_department: hq
  catch_all: Lost@example.com
  max_message_size_mb: 25
  delivery: { relay: { host: MX.Corp.Example.com, port: 587, tls: required, auth_secret: mailorg/relay } }
domains:
  - { name: example.com }
  - { name: example.net }
  - { name: send.example, receive: false }
departments:
  - { id: hq, name: HQ }
  - { id: sales, name: Sales, parent: hq }
members:
  - { address: Zed@example.com, name: Zed, departments: [sales], aliases: [z@example.net], blocked_senders: [Spam.example, b@x.example, a@x.example], forward: { to: [zed@home.example, a.zed@home.example], keep_copy: false } }
  - { address: amy@example.com, name: Amy, forward: { to: [amy@home.example] }, blocked_senders: [ads.example] }
  - { address: old@example.com, name: Old, departments: [sales], aliases: [o@example.com], status: departed, forward_to: [Zed@example.com, amy@example.com] }
  - { address: gone@example.com, name: Gone, status: departed }
  - { address: off@example.com, name: Off, departments: [sales], status: disabled, aliases: [f@example.com] }
  - { address: bob@send.example, name: Bob }
mailboxes:
  - { address: lost@example.com, name: Lost }
  - { address: Desk@example.net, name: Desk }
groups:
  - { address: sales@example.com, name: Sales, members: [department:sales], senders: [department:sales, Desk@example.net] }
  - { address: all@example.com, name: All, members: [department:hq], senders: anyone }
  - { address: staff@example.com, name: Staff, members: [amy@example.com] }
  - { address: pair@example.com, name: Pair, members: [amy@example.com, off@example.com], senders: members }
inbound:
  blocked: [203.0.113.0/24, Bad.example, "2001:db8::/32", evil@x.example]
  allowed: [198.51.100.7, good.example]
backups:
  - { name: z-sales, to: Lost@example.com, match: { recipients: [department:sales, staff@example.com, F@example.com, desk@example.net] } }
  - { name: a-bank, to: Desk@example.net, match: { senders: [Bank.example, a@pay.example] } }
`;

/** A validated org (rules as given) and a function computing its table on a fresh Org object each call. */
function load(yaml: string, rules?: []): { org: Org; index: OrgIndex; table: () => RoutingTable } {
  const r = validateOrg(writeOrg({ "org.yaml": yaml }), { today: "2026-06-01", ...(rules ? { rules } : {}) });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { org: r.org, index: r.index!, table: () => buildRoutingTable({ ...r.org }, r.index!) };
}

let full: ReturnType<typeof load>;
beforeAll(() => {
  full = load(ORG);
});

describe("routing table", () => {
  it("holds every address with its kind and where its mail goes, sorted by address", () => {
    const t = full.table();
    expect(t.entries).toEqual({
      "all@example.com": { kind: "group", deliver: ["amy@example.com", "bob@send.example", "off@example.com", "zed@example.com"], senders: { mode: "anyone" } },
      "amy@example.com": { kind: "member", deliver: ["amy@example.com"] },
      "bob@send.example": { kind: "member", deliver: ["bob@send.example"] },
      "desk@example.net": { kind: "mailbox", deliver: ["desk@example.net"] },
      "f@example.com": { kind: "alias", deliver: ["off@example.com"] },
      "gone@example.com": { kind: "departed", deliver: ["gone@example.com"] },
      "lost@example.com": { kind: "mailbox", deliver: ["lost@example.com"] },
      "o@example.com": { kind: "alias", deliver: ["amy@example.com", "zed@example.com"] },
      "off@example.com": { kind: "member", deliver: ["off@example.com"] },
      "old@example.com": { kind: "departed", deliver: ["amy@example.com", "zed@example.com"] },
      "pair@example.com": { kind: "group", deliver: ["amy@example.com", "off@example.com"], senders: { mode: "list", allowed: ["amy@example.com", "f@example.com", "off@example.com"] } },
      "sales@example.com": { kind: "group", deliver: ["off@example.com", "zed@example.com"], senders: { mode: "list", allowed: ["desk@example.net", "f@example.com", "off@example.com", "z@example.net", "zed@example.com"] } },
      "staff@example.com": { kind: "group", deliver: ["amy@example.com"], senders: { mode: "organisation" } },
      "z@example.net": { kind: "alias", deliver: ["zed@example.com"] },
      "zed@example.com": { kind: "member", deliver: ["zed@example.com"] },
    });
    expect(Object.keys(t.entries)).toEqual(Object.keys(t.entries).sort());
  });

  it("lists domains, the catch-all and the size limit canonically", () => {
    const t = full.table();
    expect([t.version, t.receivingDomains, t.orgDomains, t.catchAll, t.maxMessageBytes]).toEqual([1, ["example.com", "example.net"], ["example.com", "example.net", "send.example"], "lost@example.com", 25 * 1024 * 1024]);
  });

  it("keeps personal blocks, sorted and canonical, for members who have any", () => {
    expect(full.table().personalBlocks).toEqual({ "amy@example.com": ["ads.example"], "zed@example.com": ["a@x.example", "b@x.example", "spam.example"] });
  });

  it("keeps members' forwards sorted by member, keep_copy true by default", () => {
    const t = full.table();
    expect(t.forwards).toEqual({ "amy@example.com": { to: ["amy@home.example"], keepCopy: true }, "zed@example.com": { to: ["a.zed@home.example", "zed@home.example"], keepCopy: false } });
    expect(Object.keys(t.forwards)).toEqual(["amy@example.com", "zed@example.com"]);
  });

  it("never forwards a departed member's mail outside, even when validation was skipped", () => {
    const yaml = ORG.replace("status: departed, forward_to: [Zed@example.com, amy@example.com] }", "status: departed, forward_to: [Zed@example.com, amy@example.com], forward: { to: [old@home.example] } }");
    expect(Object.keys(load(yaml, []).table().forwards)).toEqual(["amy@example.com", "zed@example.com"]);
  });

  it("splits inbound lists into IPs and canonical sender patterns", () => {
    const t = full.table();
    expect([t.blockedIps, t.blockedSenders, t.allowedIps, t.allowedSenders]).toEqual([["2001:db8::/32", "203.0.113.0/24"], ["bad.example", "evil@x.example"], ["198.51.100.7"], ["good.example"]]);
  });

  it("lists backups by name with the addresses they cover: members (departed too), their aliases, the groups named", () => {
    const t = full.table();
    expect(t.backups).toEqual([
      { name: "a-bank", to: "desk@example.net", recipients: [], senders: ["a@pay.example", "bank.example"] },
      { name: "z-sales", to: "lost@example.com", recipients: ["amy@example.com", "desk@example.net", "f@example.com", "o@example.com", "off@example.com", "old@example.com", "staff@example.com", "z@example.net", "zed@example.com"], senders: [] },
    ]);
  });

  it("takes the relay's host in lower case, and its port and secret", () => {
    expect(full.table().relay).toEqual({ host: "mx.corp.example.com", port: 587, authSecret: "mailorg/relay" });
  });

  it("defaults the relay to port 25 without AUTH, and has none without delivery.relay; 40 MB and no catch-all by default", () => {
    const relayOrg = load(BASE_ORG.replace("  default_department: hq\n", "  default_department: hq\n  delivery: { relay: { host: mx.example.com, tls: required } }\n"));
    expect(relayOrg.table().relay).toEqual({ host: "mx.example.com", port: 25, authSecret: null });
    const none = load(BASE_ORG).table();
    expect([none.relay, none.maxMessageBytes, none.catchAll, none.forwards, none.personalBlocks, none.backups]).toEqual([null, 40 * 1024 * 1024, null, {}, {}, []]);
  });

  it("does not depend on the order of the YAML: members, groups and backups listed the other way round give the same JSON", () => {
    /** The YAML with the entries of a list (one line each, up to the next top-level key or the end) in reverse order. */
    const reversed = (yaml: string, section: string): string =>
      yaml.replace(new RegExp(`^${section}:\\n((?:  - .*\\n)+)`, "m"), (_, block: string) => `${section}:\n${block.trimEnd().split("\n").reverse().join("\n")}\n`);
    const other = reversed(reversed(reversed(ORG, "members"), "groups"), "backups");
    expect(other).not.toBe(ORG);
    expect(JSON.stringify(load(other).table())).toBe(JSON.stringify(full.table()));
  });

  it("reads a forward without keep_copy as keeping the copy, and absent inbound lists as empty (an Org built without the schema's defaults)", () => {
    const org = { ...structuredClone(full.org), inbound: {} };
    for (const m of org.members) if (m.forward) delete m.forward.keep_copy;
    const t = buildRoutingTable(org, full.index);
    expect(t.forwards["zed@example.com"]).toEqual({ to: ["a.zed@home.example", "zed@home.example"], keepCopy: true });
    expect([t.blockedIps, t.blockedSenders, t.allowedIps, t.allowedSenders]).toEqual([[], [], [], []]);
  });

  it("is computed once per Org object: validation and synthesis share it", () => {
    expect(buildRoutingTable(full.org, full.index)).toBe(buildRoutingTable(full.org, full.index));
  });
});

describe("receipt rules from the table", () => {
  it("accepts addresses of receiving domains only, packs them per domain in sorted order, then one catch-all rule per receiving domain", () => {
    const t = full.table();
    expect(deliverableAddresses(t)).not.toContain("bob@send.example");
    expect(receiptRuleSpecs(t)).toEqual([
      { key: "rcpt-example_com-01", recipients: ["all@example.com", "amy@example.com", "f@example.com", "gone@example.com", "lost@example.com", "o@example.com", "off@example.com", "old@example.com", "pair@example.com", "sales@example.com", "staff@example.com", "zed@example.com"], catchAll: false },
      { key: "rcpt-example_net-01", recipients: ["desk@example.net", "z@example.net"], catchAll: false },
      { key: "catch-all-example_com", recipients: ["example.com"], catchAll: true },
      { key: "catch-all-example_net", recipients: ["example.net"], catchAll: true },
    ]);
    expect(ruleCount(t)).toBe(4);
    expect(ruleCount({ ...t, catchAll: null })).toBe(2);
  });
  it("orders rules by domain even when the table's addresses are not", () => {
    const t = full.table();
    const entries = { "b@example.net": t.entries["z@example.net"]!, "a@example.com": t.entries["amy@example.com"]! };
    expect(packRecipientRules({ ...t, entries }).map((r) => [r.key, r.domain, r.recipients])).toEqual([["example_com-01", "example.com", ["a@example.com"]], ["example_net-01", "example.net", ["b@example.net"]]]);
  });
});
