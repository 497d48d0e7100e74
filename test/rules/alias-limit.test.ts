import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("alias-limit", () => {
  it("accepts five aliases", async () => {
    const f = await findings({ "m.yaml": "members:\n  - address: a@example.com\n    name: A\n    aliases: [a1@example.com, a2@example.com, a3@example.com, a4@example.com, a5@example.com]\n" });
    expect(f).toEqual([]);
  });
  it("rejects six, saying how many to remove", async () => {
    const f = await findings({ "m.yaml": "members:\n  - address: a@example.com\n    name: A\n    aliases: [a1@example.com, a2@example.com, a3@example.com, a4@example.com, a5@example.com, a6@example.com]\n" });
    expect(f).toEqual(["m.yaml:4:5: error [alias-limit] member a@example.com has 6 aliases; at most 5 are allowed (remove 1)"]);
  });
});
