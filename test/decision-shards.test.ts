/**
 * The sending decision's input split by address for the host (plan/decision-shards.ts): a process deciding one
 * message reads the common part and the shards of its sender and From address, and decides exactly as the whole
 * input does, for every kind of From address the org has.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateOrg } from "../bench/generate.ts";
import { validateOrg } from "../model/validate.ts";
import { decisionFor, decisionShardOf, DECISION_SHARD_FILES, DECISION_SHARDS, DecisionShards, shardDecision } from "../plan/decision-shards.ts";
import { planOrg } from "../plan/plan.ts";
import { decideSend, type SendDecisionInput } from "../plan/send-decision.ts";

const dir = mkdtempSync(join(tmpdir(), "mailorg-shards-"));
generateOrg(400, join(dir, "org"), 7, { mailboxHost: true });
const { org, index } = validateOrg(join(dir, "org"), { today: "2026-06-01" });
const whole: SendDecisionInput = planOrg(org, index!, { today: "2026-06-01" }).mailhost!.decision;
/** The split input, made inside each test (so that mutation testing sees the tests that run it), written to a directory. */
function split(): { files: Record<string, string>; at: string } {
  const files = shardDecision(whole);
  const at = mkdtempSync(join(tmpdir(), "mailorg-shards-files-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(at, name), text);
  return { files, at };
}

describe("the decision's input split by address", () => {
  it("puts every status, member and address in exactly one shard, the one of its address, and the rest in the common part", () => {
    const { files } = split();
    expect(Object.keys(files).sort()).toEqual(["common.json", ...DECISION_SHARD_FILES].sort());
    expect(DECISION_SHARD_FILES).toHaveLength(DECISION_SHARDS);
    expect([DECISION_SHARD_FILES[0], DECISION_SHARD_FILES[63]]).toEqual(["00.json", "3f.json"]);
    // Text files, as every other file the host syncs: one JSON document and a newline.
    for (const text of Object.values(files)) expect(text).toMatch(/^\{.*\}\n$/s);
    const parts = Object.entries(files).filter(([n]) => n !== "common.json").map(([n, t]) => [n, JSON.parse(t)] as const);
    const statuses = parts.flatMap(([n, p]) => Object.keys(p.statuses).map((a) => (expect(decisionShardOf(a), a).toBe(n), a)));
    const members = parts.flatMap(([n, p]) => (p.members as { address: string }[]).map((m) => (expect(decisionShardOf(m.address)).toBe(n), m.address)));
    const addresses = parts.flatMap(([n, p]) => Object.keys(p.addresses).map((a) => (expect(decisionShardOf(a)).toBe(n), a)));
    expect(statuses.sort()).toEqual(Object.keys(whole.statuses).sort());
    expect(members.sort()).toEqual(whole.members.map((m) => m.address).sort());
    expect(addresses.sort()).toEqual(Object.keys(whole.addresses).sort());
    const common = JSON.parse(files["common.json"]!);
    expect(common).toEqual({ region: whole.region, timezone: whole.timezone, domains: whole.domains, datedDelegations: whole.datedDelegations, groups: whole.groups });
    // Spread over the shards, not all in one.
    expect(parts.filter(([, p]) => Object.keys(p.statuses).length > 0).length).toBeGreaterThan(DECISION_SHARDS / 2);
  });

  it("decides every request as the whole input does: own address, aliases, mailboxes, groups, other members, unknown and foreign addresses, any case", () => {
    const { at: dir } = split();
    const addrs = Object.entries(whole.addresses);
    const kinds = ["member", "alias", "group", "mailbox"].map((k) => addrs.filter(([, e]) => e.kind === k).map(([a]) => a));
    expect(kinds.every((k) => k.length > 0)).toBe(true);
    const senders = Object.keys(whole.statuses).filter((_, i) => i % 7 === 0);
    let compared = 0;
    let allowed = 0;
    for (const [i, as] of senders.entries()) {
      const froms = [as, as.toUpperCase(), ...kinds.map((k) => k[i % k.length]!), `nobody.${i}@${whole.domains[0]}`, `x${i}@elsewhere.example`];
      for (const from of froms) {
        for (const [to, ip] of [[[`someone@${whole.domains[0]}`], "192.0.2.10"], [["partner@elsewhere.example"], "192.0.2.10"], [["partner@elsewhere.example"], "203.0.113.9"]] as const) {
          // From the office, and from elsewhere (sending is limited to the office ranges, with exempt members).
          const req = { as, from, to: [...to], ip, at: { today: "2026-06-01" } };
          const expected = decideSend(whole, req);
          expect(decideSend(decisionFor({ shards: dir }, as, from), req), `${as} as ${from} to ${to[0]}`).toEqual(expected);
          compared++;
          if (expected.allowed) allowed++;
        }
      }
    }
    // Both answers are exercised.
    expect(allowed).toBeGreaterThan(senders.length);
    expect(compared - allowed).toBeGreaterThan(senders.length);
    // A login that is not a member is refused as by the whole input.
    const req = { as: `ghost@${whole.domains[0]}`, from: `ghost@${whole.domains[0]}`, to: [], at: { today: "2026-06-01" } };
    expect(decideSend(decisionFor({ shards: dir }, req.as, req.from), req)).toEqual(decideSend(whole, req));
  });

  it("gives a request exactly the common part and the entries of its two addresses", () => {
    const { files } = split();
    const shards = new DecisionShards((name) => files[name]!);
    const member = whole.members.find((m) => whole.statuses[m.address] === "active")!.address;
    const alias = Object.entries(whole.addresses).find(([, e]) => e.kind === "alias" && e.owner !== member)![0];
    expect(shards.forRequest(member.toUpperCase(), alias)).toStrictEqual({
      region: whole.region,
      timezone: whole.timezone,
      domains: whole.domains,
      datedDelegations: whole.datedDelegations,
      groups: whole.groups,
      statuses: { [member]: whole.statuses[member] },
      members: [whole.members.find((m) => m.address === member)],
      addresses: { [member]: whole.addresses[member], [alias]: whole.addresses[alias] },
    });
    // An address the org does not have adds nothing.
    expect(shards.forRequest(member, `nobody@${whole.domains[0]}`)).toMatchObject({ statuses: { [member]: whole.statuses[member] }, addresses: { [member]: whole.addresses[member] } });
    expect(Object.keys(shards.forRequest(member, `nobody@${whole.domains[0]}`).addresses)).toEqual([member]);
  });

  it("is the whole input itself in process, and read from the directory once per process on the host", () => {
    expect(decisionFor(whole, "a@x", "b@x")).toBe(whole);
    const { at } = split();
    const member = whole.members[0]!.address;
    const first = decisionFor({ shards: at }, member, member);
    // The files change (or vanish) under a running process: it keeps what it read (each file once).
    rmSync(at, { recursive: true });
    expect(decisionFor({ shards: at }, member, member)).toStrictEqual(first);
  });

  it("reads only the common part and the shards of the request's addresses, each once", () => {
    const { files } = split();
    const read: string[] = [];
    const shards = new DecisionShards((name) => (read.push(name), files[name]!));
    const [a, b] = Object.keys(whole.statuses).filter((x, _, all) => decisionShardOf(x) !== decisionShardOf(all[0]!) || x === all[0]);
    shards.forRequest(a!, b!);
    shards.forRequest(a!.toUpperCase(), a!);
    expect(read.sort()).toEqual(["common.json", decisionShardOf(a!), decisionShardOf(b!)].sort());
  });
});
