/**
 * How the synthesis is split into Terraform stacks, so that a change to one member is planned in a small
 * stack and independent stacks plan in parallel:
 *   domains            identities, configuration set, DNS records
 *   mailhost           the mailbox host (organisation.mailbox_host; empty without one)
 *   inbound            mail store, router, receipt rules and filters, the published signatures
 *   sending            shared IAM groups and policies, SES signature templates
 *   sending-00 … -19   per-member credentials, by a stable hash of the address
 * A member's shard depends only on their address, never on the rest of the org, so no ordinary edit moves
 * anyone between stacks (which would recreate their IAM user and credentials).
 */
import { canon } from "../model/org.ts";
import { fnv1a } from "./naming.ts";

/** Fixed: changing it would move members between stacks. ~920 resources per shard at IAM's 5,000 users. */
export const SENDING_SHARDS = 20;


/** The stack holding a member's credentials. */
export function sendingShard(address: string): string {
  return `sending-${String(fnv1a(canon(address)) % SENDING_SHARDS).padStart(2, "0")}`;
}

/** Every sending shard's stack name, in order. */
export function sendingShards(): string[] {
  return Array.from({ length: SENDING_SHARDS }, (_, i) => `sending-${String(i).padStart(2, "0")}`);
}

/**
 * The order in which stacks are applied so that mail never bounces: identities and DNS first (SES must
 * have verified a domain before it receives for it), then the mailbox host (the router's relay target, so it
 * exists before the router relays to it), then the receiving side with the MX records, which
 * Terraform creates only after the rule set, store and router; then the shared sending groups, and last
 * the per-member credentials that join them (the shards are independent of one another).
 */
export function stackOrder(): string[] {
  return ["domains", "mailhost", "inbound", "sending", ...sendingShards()];
}
