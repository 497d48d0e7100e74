/**
 * The one sending decision's input and edges, in process (plan/send-decision.ts): computed once per plan, the
 * same whatever order the YAML lists things in, noon of `today` in the org's own zone, and no prototype key
 * mistaken for a member.
 */
import { describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { planOrg } from "../plan/plan.ts";
import { decideSend, sendDecisionInput } from "../plan/send-decision.ts";
import { writeOrg } from "./helpers.ts";

const org = (members: string[], domains: string[], timezone = "Asia/Shanghai") => {
  const text = `organisation: { name: D Co, region: eu-west-1, default_department: hq, timezone: ${timezone} }
domains: [${domains.map((d) => `{ name: ${d} }`).join(", ")}]
departments: [{ id: hq, name: HQ }]
members:
${members.join("\n")}
mailboxes:
  - { address: hr@example.com, name: HR, delegates: [{ member: a@example.com, until: "2026-06-30" }] }
`;
  const r = validateOrg(writeOrg({ "org.yaml": text }), { today: "2026-06-01" });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { org: r.org, plan: planOrg(r.org, r.index!, { today: "2026-06-01" }) };
};
const MEMBERS = ["  - { address: a@example.com, name: A }", "  - { address: b@example.net, name: B, status: disabled }", "  - { address: c@example.com, name: C, status: departed }"];

describe("the decision's input", () => {
  it("is computed once per plan, and is the same whatever order the YAML lists members and domains in", () => {
    const one = org(MEMBERS, ["example.com", "example.net"]);
    expect(sendDecisionInput(one.plan, one.org)).toBe(sendDecisionInput(one.plan, one.org));
    const other = org([...MEMBERS].reverse(), ["example.net", "example.com"]);
    expect(JSON.stringify(sendDecisionInput(other.plan, other.org))).toBe(JSON.stringify(sendDecisionInput(one.plan, one.org)));
    expect(Object.keys(sendDecisionInput(one.plan, one.org).statuses)).toEqual(["a@example.com", "b@example.net", "c@example.com"].sort());
  });

  it("decides `today` at noon in the org's own zone: a delegation's last day is still its own, even at UTC+14", () => {
    const { org: o, plan } = org(MEMBERS, ["example.com", "example.net"], "Pacific/Kiritimati");
    const input = sendDecisionInput(plan, o);
    expect(input.timezone).toBe("Pacific/Kiritimati");
    // The delegation ends at midnight after 2026-06-30 there, 2026-06-30T10:00Z; noon there is 22:00Z the day before.
    expect(decideSend(input, { as: "a@example.com", from: "hr@example.com", to: ["x@example.com"], at: { today: "2026-06-30" } }).allowed).toBe(true);
    expect(decideSend(input, { as: "a@example.com", from: "hr@example.com", to: ["x@example.com"], at: { instant: "2026-06-30T10:00:00Z" } }).allowed).toBe(false);
  });

  it("does not take a prototype key for a member", () => {
    const { org: o, plan } = org(MEMBERS, ["example.com", "example.net"]);
    expect(decideSend(sendDecisionInput(plan, o), { as: "constructor", from: "a@example.com", to: ["x@example.com"], at: { today: "2026-06-01" } })).toEqual({ allowed: false, reason: "constructor is not a member's primary address; no credentials exist for it", statement: null });
  });
});
