import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

const inbound = (n: number) => `inbound:\n  blocked: [${Array.from({ length: n }, (_, i) => `198.51.${Math.floor(i / 250)}.${i % 250}`).join(", ")}]\n  allowed: [partner.example.org]\n`;

describe("receipt-filter-quota", () => {
  it("accepts 100 IP entries (domains do not count)", async () => {
    expect(await findings({ "i.yaml": inbound(100) })).toEqual([]);
  });
  it("rejects 101", async () => {
    expect(await findings({ "i.yaml": inbound(101) })).toEqual([
      "i.yaml:1:1: error [receipt-filter-quota] inbound lists 101 IP entries (101 blocked, 0 allowed); SES allows at most 100 receipt filters (merge ranges into wider CIDRs)",
    ]);
  });
});
