/**
 * The one sending decision's input, split so that a process deciding one message reads only what that message
 * needs. On the mailbox host the policy service starts per SMTP session and the SES relay per message; each read
 * the whole input (about 800 bytes a member: 40 MB at 50,000 members) before answering. Here the input is
 * written as a common part (region, time zone, domains, dated delegations, the shared groups) and
 * DECISION_SHARDS shards keyed by a stable hash of the address: a member's status and credentials, and what each
 * address is, sit in the shard of their address. A request (as, from) needs the shard of `as` and of `from`.
 * The decision is the same function over the same entries (plan/send-decision.ts), so nothing is re-derived.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canon } from "../model/org.ts";
import { fnv1a } from "./naming.ts";
import type { SendDecisionInput } from "./send-decision.ts";

/** Fixed: the host's sync accepts exactly these names (mailhost/layout.ts). */
export const DECISION_SHARDS = 64;
export const DECISION_COMMON = "common.json";

type Common = Pick<SendDecisionInput, "region" | "timezone" | "domains" | "datedDelegations" | "groups">;
type Shard = Pick<SendDecisionInput, "statuses" | "members" | "addresses">;

/** Every shard's file name, in order: "00.json" … "3f.json". */
export const DECISION_SHARD_FILES: readonly string[] = Array.from({ length: DECISION_SHARDS }, (_, i) => `${i.toString(16).padStart(2, "0")}.json`);

/** The shard file of an address (any case). */
export function decisionShardOf(address: string): string {
  return DECISION_SHARD_FILES[fnv1a(canon(address)) % DECISION_SHARDS]!;
}

/** Every file of the split input (name -> JSON), all DECISION_SHARDS shards even when empty, in a fixed order. */
export function shardDecision(input: SendDecisionInput): Record<string, string> {
  const common: Common = { region: input.region, timezone: input.timezone, domains: input.domains, datedDelegations: input.datedDelegations, groups: input.groups };
  const shards = new Map(DECISION_SHARD_FILES.map((name): [string, { statuses: Record<string, string>; members: unknown[]; addresses: Record<string, unknown> }] => [name, { statuses: {}, members: [], addresses: {} }]));
  const at = (address: string) => shards.get(decisionShardOf(address))!;
  for (const [address, status] of Object.entries(input.statuses)) at(address).statuses[address] = status;
  for (const m of input.members) at(m.address).members.push(m);
  for (const [address, entry] of Object.entries(input.addresses)) at(address).addresses[address] = entry;
  const files: Record<string, string> = { [DECISION_COMMON]: JSON.stringify(common) + "\n" };
  for (const [name, shard] of shards) files[name] = JSON.stringify(shard) + "\n";
  return files;
}

/**
 * Reads the split input through `read` (a file's text by name), each file once, and gives the input for one
 * request: the common part with the entries of `as` and `from` only. Every entry the decision looks up for that
 * request (the sender's status and credentials, what the From address is) is there.
 */
export class DecisionShards {
  private readonly cache = new Map<string, unknown>();
  constructor(private readonly read: (name: string) => string) {}

  private file<T>(name: string): T {
    if (!this.cache.has(name)) this.cache.set(name, JSON.parse(this.read(name)));
    return this.cache.get(name) as T;
  }

  forRequest(as: string, from: string): SendDecisionInput {
    const common = this.file<Common>(DECISION_COMMON);
    const statuses: Record<string, SendDecisionInput["statuses"][string]> = {};
    const members: SendDecisionInput["members"][number][] = [];
    const addresses: Record<string, SendDecisionInput["addresses"][string]> = {};
    for (const address of new Set([canon(as), canon(from)])) {
      const shard = this.file<Shard>(decisionShardOf(address));
      if (Object.hasOwn(shard.statuses, address)) statuses[address] = shard.statuses[address]!;
      const member = shard.members.find((m) => m.address === address);
      if (member) members.push(member);
      if (Object.hasOwn(shard.addresses, address)) addresses[address] = shard.addresses[address]!;
    }
    return { ...common, statuses, members, addresses };
  }
}

/** Where a decider reads the input: whole (in process: can-send, tests) or split in a directory (the host's files). */
export type DecisionSource = SendDecisionInput | { readonly shards: string };

const readers = new Map<string, DecisionShards>();

/** The input for one request (as, from): the whole input itself, or the entries it needs read from the split files. */
export function decisionFor(source: DecisionSource, as: string, from: string): SendDecisionInput {
  if (!("shards" in source)) return source;
  let reader = readers.get(source.shards);
  if (!reader) readers.set(source.shards, (reader = new DecisionShards((name) => readFileSync(join(source.shards, name), "utf8"))));
  return reader.forRequest(as, from);
}
