import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const PEOPLE = `members:
  - { address: a@example.com, name: A, aliases: [aa@example.com] }
  - { address: d@example.com, name: D, status: disabled }
mailboxes:
  - { address: lost@example.com, name: Lost and found }
groups:
  - { address: g@example.com, name: G, members: [a@example.com] }
`;

describe("delivery-target", () => {
  it("accepts a mailbox catch-all and an active member as backup target", async () => {
    const f = await findings({
      "a.yaml": BASE_ORG.replace("default_department: hq", "default_department: hq\n  catch_all: lost@example.com"),
      "p.yaml": PEOPLE + "backups:\n  - { name: b, to: a@example.com, match: { senders: [example.net] } }\n",
    });
    expect(f).toEqual([]);
  });
  it("rejects a group, an alias, a disabled member and an unknown address", async () => {
    const f = await findings({
      "a.yaml": BASE_ORG.replace("default_department: hq", "default_department: hq\n  catch_all: g@example.com"),
      "p.yaml": PEOPLE + "backups:\n  - { name: b1, to: aa@example.com, match: { senders: [example.net] } }\n  - { name: b2, to: d@example.com, match: { senders: [example.net] } }\n  - { name: b3, to: zz@example.com, match: { senders: [example.net] } }\n",
    });
    expect(f).toEqual([
      "a.yaml:5:14: error [delivery-target] organisation.catch_all is g@example.com, a group; name an active member or a mailbox",
      "p.yaml:9:21: error [delivery-target] backup rule b1 delivers to aa@example.com, an alias of a@example.com; name an active member or a mailbox",
      "p.yaml:10:21: error [delivery-target] backup rule b2 delivers to d@example.com, a disabled member; name an active member or a mailbox",
      "p.yaml:11:21: error [delivery-target] backup rule b3 delivers to zz@example.com, an address the org does not declare; name an active member or a mailbox",
    ]);
  });
});
