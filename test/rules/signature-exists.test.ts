import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

const SIG = "signatures:\n  - { id: standard, html: \"<p>{{name}}</p>\", text: \"{{name}}\" }\n";

describe("signature-exists", () => {
  it("accepts a declared template", async () => {
    expect(await findings({ "s.yaml": SIG + "members:\n  - { address: a@example.com, name: A, signature: standard }\n" })).toEqual([]);
  });
  it("rejects an unknown template and a duplicate id", async () => {
    const f = await findings({ "s.yaml": SIG + "  - { id: standard, html: x, text: x }\nmembers:\n  - { address: a@example.com, name: A, signature: standrad }\n" });
    expect(f).toEqual([
      "s.yaml:3:11: error [signature-exists] signature id 'standard' is already declared (signatures #1); rename one",
      "s.yaml:5:51: error [signature-exists] member a@example.com uses signature 'standrad', which is not declared; did you mean 'standard'?",
    ]);
  });
});
