import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

const sigs = (n: number) => "signatures:\n" + Array.from({ length: n }, (_, i) => `  - { id: s${i}, html: x, text: x }\n`).join("");

describe("ses-template-quota", () => {
  it("accepts 10,000 templates", async () => {
    expect(await findings({ "s.yaml": sigs(10000) }, { rule: "ses-template-quota" })).toEqual([]);
  }, 60_000);
  it("rejects 10,001 at the first template past the limit", async () => {
    expect(await findings({ "s.yaml": sigs(10001) }, { rule: "ses-template-quota" })).toEqual([
      "s.yaml:10002:11: error [ses-template-quota] 10001 signature templates; SES allows 10000 (merge templates)",
    ]);
  }, 60_000);
});
