import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const withDomain = (dmarc: string) =>
  BASE_ORG.replace("  - name: example.com\n", `  - name: example.com\n    bimi_logo_url: https://example.com/logo.svg\n${dmarc}`);

describe("bimi-requires-dmarc", () => {
  it("accepts BIMI with the default quarantine at pct 100 and with reject", async () => {
    expect(await findings({ "a.yaml": withDomain("") })).toEqual([]);
    expect(await findings({ "a.yaml": withDomain("    dmarc: { policy: reject }\n") })).toEqual([]);
  });
  it("rejects BIMI with p=none or pct below 100", async () => {
    expect(await findings({ "a.yaml": withDomain("    dmarc: { policy: none }\n") })).toEqual([
      "a.yaml:7:20: error [bimi-requires-dmarc] domain example.com publishes a BIMI logo but its DMARC is p=none pct=100; BIMI needs quarantine or reject at pct 100",
    ]);
    expect(await findings({ "a.yaml": withDomain("    dmarc: { policy: reject, pct: 50 }\n") })).toEqual([
      "a.yaml:7:20: error [bimi-requires-dmarc] domain example.com publishes a BIMI logo but its DMARC is p=reject pct=50; BIMI needs quarantine or reject at pct 100",
    ]);
  });
});
