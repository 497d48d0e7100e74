import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("address-domain", () => {
  it("accepts addresses in declared domains, any case", async () => {
    expect(await findings({ "m.yaml": "members:\n  - { address: a@EXAMPLE.com, name: A }\n" })).toEqual([]);
  });
  it("names the undeclared domain for members, aliases, groups and mailboxes", async () => {
    const f = await findings({
      "m.yaml": [
        "members:",
        "  - { address: a@old.example, name: A, aliases: [x@old.example] }",
        "groups:",
        "  - { address: g@old.example, name: G, members: [department:hq] }",
        "mailboxes:",
        "  - { address: m@old.example, name: M }",
        "",
      ].join("\n"),
    }, { rule: "address-domain" });
    expect(f).toEqual([
      "m.yaml:2:16: error [address-domain] member a@old.example is in domain old.example, which is not declared under domains; declare it or change the address",
      "m.yaml:2:50: error [address-domain] alias x@old.example is in domain old.example, which is not declared under domains; declare it or change the address",
      "m.yaml:4:16: error [address-domain] group g@old.example is in domain old.example, which is not declared under domains; declare it or change the address",
      "m.yaml:6:16: error [address-domain] mailbox m@old.example is in domain old.example, which is not declared under domains; declare it or change the address",
    ]);
  });
});
