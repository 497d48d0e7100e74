import { describe, expect, it } from "vitest";
import { skeleton } from "../../model/rules/punycode-lookalike.ts";
import { findings } from "../helpers.ts";

describe("punycode-lookalike", () => {
  it("accepts punycode domains that look like nothing of the org's, and the org's own names", async () => {
    expect(await findings({ "d.yaml": "domains:\n  - name: xn--mller-kva.example\n" }, { rule: "punycode-lookalike" })).toEqual([]);
    expect(await findings({ "m.yaml": "members:\n  - { address: ann@example.com, name: Ann, forward: { to: [ann@xn--bcher-kva.example] } }\n" }, { rule: "punycode-lookalike" })).toEqual([]);
  });

  it("warns for a lookalike of an org domain in another script, wherever it is written", async () => {
    // xn--exmple-4nf.com renders as exаmple.com with a Cyrillic а.
    expect(
      await findings(
        {
          "m.yaml": "members:\n  - { address: ann@example.com, name: Ann, forward: { to: [ann@xn--exmple-4nf.com] } }\n",
          "i.yaml": "inbound:\n  allowed: [xn--exmple-4nf.com]\n",
        },
        { rule: "punycode-lookalike" },
      ),
    ).toEqual([
      "i.yaml:2:13: warning [punycode-lookalike] xn--exmple-4nf.com renders as exаmple.com, which looks like the organisation's domain example.com but is another domain; write example.com if that is meant, or keep it only if you own it",
      "m.yaml:2:60: warning [punycode-lookalike] ann@xn--exmple-4nf.com renders as ann@exаmple.com, which looks like the organisation's domain example.com but is another domain; write example.com if that is meant, or keep it only if you own it",
    ]);
  });

  it("sees Greek, Cyrillic and accented letters as the Latin ones they render like", () => {
    expect(skeleton("xn--mple-43d3a6i.com")).toBe("example.com"); // ехаmple: Cyrillic е, х, а
    expect(skeleton("example.com")).toBe("example.com");
    expect(skeleton("xn--exmple-cua.com")).toBe("example.com"); // exämple
  });
});
