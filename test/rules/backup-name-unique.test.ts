import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

const M = "mailboxes:\n  - { address: archive@example.com, name: Archive }\n";

describe("backup-name-unique", () => {
  it("accepts uniquely named rules that match something", async () => {
    expect(await findings({ "b.yaml": M + "backups:\n  - { name: finance, to: archive@example.com, match: { senders: [bank.example.net] } }\n" })).toEqual([]);
  });
  it("rejects a duplicate name and a rule matching everything", async () => {
    const f = await findings({ "b.yaml": M + "backups:\n  - { name: finance, to: archive@example.com, match: { senders: [bank.example.net] } }\n  - { name: finance, to: archive@example.com, match: {} }\n" });
    expect(f).toEqual([
      "b.yaml:5:13: error [backup-name-unique] backup rule name 'finance' is already used (backups #1); rename one",
      "b.yaml:5:47: error [backup-name-unique] backup rule finance matches every message; list recipients or senders under match",
    ]);
  });
});
