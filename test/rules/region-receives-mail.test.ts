import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

describe("region-receives-mail", () => {
  it("accepts a receiving region", async () => {
    expect(await findings({})).toEqual([]);
  });
  it("rejects a region without SES receiving when a domain receives", async () => {
    const f = await findings({ "a.yaml": BASE_ORG.replace("eu-west-1", "ap-east-1") });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatch(/^a\.yaml:3:11: error \[region-receives-mail\] region ap-east-1 has no SES email receiving endpoint; use one of .*eu-west-1/);
  });
  it("accepts any region when every domain is send-only", async () => {
    const org = BASE_ORG.replace("eu-west-1", "ap-east-1").replace("- name: example.com", "- name: example.com\n    receive: false");
    expect(await findings({ "a.yaml": org })).toEqual([]);
  });
});
