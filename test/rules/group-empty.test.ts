import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

describe("group-empty", () => {
  it("accepts a group with an active recipient", async () => {
    expect(await findings({ "g.yaml": "members: [{ address: a@example.com, name: A }]\ngroups: [{ address: g@example.com, name: G, members: [department:hq] }]\n" })).toEqual([]);
  });
  it("warns when every member has departed", async () => {
    const f = await findings({ "g.yaml": "members: [{ address: a@example.com, name: A, status: departed, forward_to: [m@example.com] }]\nmailboxes: [{ address: m@example.com, name: M }]\ngroups: [{ address: g@example.com, name: G, members: [a@example.com] }]\n" });
    expect(f).toEqual(["g.yaml:3:45: warning [group-empty] group g@example.com has no active recipients, so its mail is delivered to nobody; add members or remove the group"]);
  });
  it("names the catch-all that receives such a group's mail", async () => {
    const f = await findings({ "a.yaml": BASE_ORG.replace("  default_department: hq\n", "  default_department: hq\n  catch_all: M@example.com\n"), "g.yaml": "members: [{ address: a@example.com, name: A, status: departed }]\nmailboxes: [{ address: m@example.com, name: M }]\ngroups: [{ address: g@example.com, name: G, members: [a@example.com] }]\n" });
    expect(f.filter((l) => l.includes("[group-empty]"))).toEqual(["g.yaml:3:45: warning [group-empty] group g@example.com has no active recipients, so its mail goes to the catch-all m@example.com; add members or remove the group"]);
  });
});
