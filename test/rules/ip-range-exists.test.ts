import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("ip-range-exists", () => {
  it("accepts declared range names", async () => {
    expect(await findings({ "s.yaml": "ip_ranges:\n  office: [192.0.2.0/24]\nsending:\n  allowed_ip_ranges: [office]\n" })).toEqual([]);
  });
  it("rejects an unknown name with a did-you-mean", async () => {
    expect(await findings({ "s.yaml": "ip_ranges:\n  office: [192.0.2.0/24]\nsending:\n  allowed_ip_ranges: [ofice]\n" })).toEqual([
      "s.yaml:4:23: error [ip-range-exists] sending.allowed_ip_ranges names 'ofice', which is not declared under ip_ranges; did you mean 'office'?",
    ]);
  });
});
