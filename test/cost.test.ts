/**
 * Issue #29: `mailorg cost` estimates the monthly cost from the plan and the list prices kept in
 * plan/prices.ts with their date. Each line is checked against the arithmetic a reader would do.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { estimateCost } from "../plan/cost.ts";
import { PRICES, PRICES_AS_OF } from "../plan/prices.ts";
import { validatePlan } from "../plan/validate.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { BASE_ORG, runCli, writeOrg } from "./helpers.ts";

const TEN = BASE_ORG + "members:\n" + Array.from({ length: 10 }, (_, i) => `  - { address: m${i}@example.com, name: M${i} }\n`).join("");
const plan = (yaml: string) => validatePlan(writeOrg({ "org.yaml": yaml }), { today: "2026-06-01" }).plan!;

describe("the estimate", () => {
  it("prices SES per message and chunk, S3 by retention, Lambda, SQS and KMS from the plan", () => {
    const e = estimateCost(plan(TEN), { receivedPerMemberDay: 40, sentPerMemberDay: 15, messageKb: 300 });
    expect([e.region, e.pricedAs, e.asOf]).toEqual(["eu-west-1", "eu-west-1", PRICES_AS_OF]);
    const by = (service: string) => e.lines.filter((l) => l.service === service);
    // 10 members x 15 x 30 = 4,500 sent at $0.10 per 1,000.
    expect(by("SES")[0]).toEqual({ service: "SES", what: "4,500 messages sent", monthly: 0.45 });
    // 12,000 received at $0.10/1,000, each 300 KB message two 256 KB chunks at $0.09/1,000.
    expect(by("SES")[1]).toEqual({ service: "SES", what: "12,000 messages received, 24,000 chunks of 256 KB", monthly: 3.36 });
    // 400 messages a day x 365 days x 300 KB = 41.8 GB at $0.023.
    expect(by("S3")[0]!.what).toBe("41.8 GB stored (365 days of received mail), 24,000 PUTs, 24,000 GETs");
    expect(by("S3")[0]!.monthly).toBe(1.09);
    expect(by("KMS")[0]).toEqual({ service: "KMS", what: "2 keys, 48,000 requests", monthly: 2.14 });
    // 12,000 runs: $0.20 per million, and 0.5 s x 0.25 GB x $0.0000166667 per GB-second each.
    expect(by("Lambda")[0]).toEqual({ service: "Lambda", what: "12,000 router runs of 0.5 s at 256 MB", monthly: 0.03 });
    expect(by("SQS")[0]).toEqual({ service: "SQS", what: "36,000 requests (deliveries queue)", monthly: 0.01 });
    expect(by("EC2")).toEqual([]);
    expect(e.total).toBe(Math.round(e.lines.reduce((s, l) => s + l.monthly, 0) * 100) / 100);
  });

  it("adds the mailbox host: EC2 by instance type, its IPv4 address, EBS, Backup, the relay secret", () => {
    const e = estimateCost(plan(HOST_ORG));
    expect(e.lines.filter((l) => ["EC2", "EBS", "Backup", "Secrets Manager"].includes(l.service)).map((l) => [l.service, l.what, l.monthly])).toEqual([
      ["EC2", "t4g.small on demand, 730 hours", 13.43], // $0.0184 x 730 h
      ["EC2", "public IPv4 address, 730 hours", 3.65],
      ["EBS", "20 GB gp3 data volume", 1.76], // 20 GB x $0.088
      ["Backup", "snapshots of the 20 GB volume kept 35 days (counted as the full volume)", 1.1],
      ["Secrets Manager", "1 secret (the router's relay login)", 0.4],
    ]);
  });

  it("assumes 40 messages received and 15 sent per member and day, 75 KB each, unless told", () => {
    const e = estimateCost(plan(TEN));
    expect(e.lines.slice(0, 2)).toEqual([
      { service: "SES", what: "4,500 messages sent", monthly: 0.45 },
      { service: "SES", what: "12,000 messages received, 12,000 chunks of 256 KB", monthly: 2.28 },
    ]);
  });

  it("a region without prices is priced as eu-west-1 and says so; an unknown instance type is not counted", () => {
    const e = estimateCost(plan(HOST_ORG.replace("region: eu-west-1", "region: ap-southeast-2").replace("volume_gb: 20", "volume_gb: 20, instance_type: x9.huge")));
    expect([e.region, e.pricedAs]).toEqual(["ap-southeast-2", "eu-west-1"]);
    expect(e.lines.find((l) => l.service === "EC2")).toEqual({ service: "EC2", what: "x9.huge on demand, 730 hours (no list price in plan/prices.ts for this type: not counted)", monthly: 0 });
  });

  it("every region in the table prices the same things", () => {
    const keys = Object.keys(PRICES["eu-west-1"]!).sort();
    for (const r of Object.values(PRICES)) expect(Object.keys(r).sort()).toEqual(keys);
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe("mailorg cost", () => {
  it("prints the lines, the date of the prices and the total", () => {
    const dir = writeOrg({ "org/org.yaml": TEN });
    const r = runCli(["cost", "--org", join(dir, "org"), "--received", "40", "--sent", "15", "--message-kb", "300"]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain(`list prices of ${PRICES_AS_OF} for eu-west-1, on demand, without free tier or tax\n`);
    expect(r.stdout).toContain("SES          $0.45  4,500 messages sent\n");
    expect(r.stdout).toMatch(/\ntotal\s+\$\d+\.\d\d  per month\n$/);
    const bad = runCli(["cost", "--org", join(dir, "org"), "--sent", "many"]);
    expect([bad.status, bad.stderr]).toEqual([2, "mailorg: option '--sent <n>' argument 'many' is invalid. --sent is 'many'; expected a number of 0 or more (see mailorg --help)\n"]);
  });
});
