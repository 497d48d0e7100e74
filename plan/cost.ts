/**
 * The monthly cost of an org, estimated from its MailPlan and a workload (messages per member and day,
 * their size) with the list prices of plan/prices.ts. Pure: numbers in, lines out. What the estimate
 * assumes is part of each line, so a reader can redo it.
 */
import { PRICES, PRICES_AS_OF, type RegionPrices } from "./prices.ts";
import type { MailPlan } from "./plan.ts";

export interface Workload {
  /** Messages each member receives per day. Default 40. */
  readonly receivedPerMemberDay: number;
  /** Messages each member sends per day. Default 15. */
  readonly sentPerMemberDay: number;
  /** Average message size in KB. Default 75. */
  readonly messageKb: number;
}

export const DEFAULT_WORKLOAD: Workload = { receivedPerMemberDay: 40, sentPerMemberDay: 15, messageKb: 75 };

export interface CostLine {
  readonly service: string;
  /** What is counted, with its quantity. */
  readonly what: string;
  readonly monthly: number;
}

export interface CostEstimate {
  readonly region: string;
  /** The region whose prices were used (eu-west-1 when the org's is not in the table). */
  readonly pricedAs: string;
  readonly asOf: string;
  readonly lines: CostLine[];
  readonly total: number;
}

const DAYS = 30;
const HOURS = 730;
const ROUTER_MEMORY_GB = 0.25;
/** The router's average run per message, in seconds (S3 read, routing, copies). */
const ROUTER_SECONDS = 0.5;
const KMS_KEYS = 2;

const round = (n: number): number => Math.round(n * 100) / 100;
const int = (n: number): string => Math.round(n).toLocaleString("en-US");

export function estimateCost(plan: MailPlan, w: Workload = DEFAULT_WORKLOAD): CostEstimate {
  const region = plan.organisation.region;
  const pricedAs = PRICES[region] ? region : "eu-west-1";
  const p: RegionPrices = PRICES[pricedAs]!;
  const people = plan.sending.members.length;
  const received = people * w.receivedPerMemberDay * DAYS;
  const sent = people * w.sentPerMemberDay * DAYS;
  const chunks = received * Math.max(1, Math.ceil(w.messageKb / 256));
  const gbPerMessage = w.messageKb / (1024 * 1024);
  const retention = plan.inbound.retentionDays;
  // The store keeps each received message for retention_days: at steady state, that many days of mail.
  const storedGb = (received / DAYS) * Math.min(retention, 3650) * gbPerMessage;
  const lines: CostLine[] = [
    { service: "SES", what: `${int(sent)} messages sent`, monthly: (sent / 1000) * p.sesSentPer1000 },
    { service: "SES", what: `${int(received)} messages received, ${int(chunks)} chunks of 256 KB`, monthly: (received / 1000) * p.sesReceivedPer1000 + (chunks / 1000) * p.sesChunkPer1000 },
    { service: "S3", what: `${storedGb.toFixed(1)} GB stored (${retention} days of received mail), ${int(received * 2)} PUTs, ${int(received * 2)} GETs`, monthly: storedGb * p.s3GbMonth + ((received * 2) / 1000) * p.s3PutPer1000 + ((received * 2) / 1000) * p.s3GetPer1000 },
    { service: "Lambda", what: `${int(received)} router runs of ${ROUTER_SECONDS} s at ${ROUTER_MEMORY_GB * 1024} MB`, monthly: (received / 1e6) * p.lambdaPerMillion + received * ROUTER_SECONDS * ROUTER_MEMORY_GB * p.lambdaGbSecond },
    { service: "SQS", what: `${int(received * 3)} requests (deliveries queue)`, monthly: ((received * 3) / 1e6) * p.sqsPerMillion },
    { service: "KMS", what: `${KMS_KEYS} keys, ${int(received * 4)} requests`, monthly: KMS_KEYS * p.kmsKeyMonth + ((received * 4) / 10000) * p.kmsPer10000 },
  ];
  const host = plan.mailhost;
  if (host) {
    const hourly = p.ec2Hour[host.instanceType];
    lines.push({
      service: "EC2",
      what: `${host.instanceType} on demand, ${HOURS} hours${hourly === undefined ? " (no list price in plan/prices.ts for this type: not counted)" : ""}`,
      monthly: (hourly ?? 0) * HOURS,
    });
    lines.push({ service: "EC2", what: `public IPv4 address, ${HOURS} hours`, monthly: p.ipv4Hour * HOURS });
    lines.push({ service: "EBS", what: `${host.volumeGb} GB gp3 data volume`, monthly: host.volumeGb * p.ebsGp3GbMonth });
    // Daily snapshots are incremental: about the volume once, plus what changes; counted as the whole volume.
    lines.push({ service: "Backup", what: `snapshots of the ${host.volumeGb} GB volume kept ${host.backupRetentionDays} days (counted as the full volume)`, monthly: host.volumeGb * p.backupGbMonth });
    lines.push({ service: "Secrets Manager", what: "1 secret (the router's relay login)", monthly: p.secretMonth });
  }
  const rounded = lines.map((l) => ({ ...l, monthly: round(l.monthly) }));
  return { region, pricedAs, asOf: PRICES_AS_OF, lines: rounded, total: round(rounded.reduce((s, l) => s + l.monthly, 0)) };
}
