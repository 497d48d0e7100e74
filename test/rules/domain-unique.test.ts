import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("domain-unique", () => {
  it("accepts distinct domains", async () => {
    expect(await findings({ "d.yaml": "domains:\n  - name: example.net\n" })).toEqual([]);
  });
  it("rejects a domain declared twice, case-insensitively", async () => {
    expect(await findings({ "d.yaml": "domains:\n  - name: Example.COM\n" }, { rule: "domain-unique" })).toEqual([
      "d.yaml:2:11: error [domain-unique] domain Example.COM is already declared (domains #1); merge the two entries",
    ]);
  });
});
