/**
 * can-send's own decisions, in process: who has credentials at all, the reason it gives, the case hint for
 * internal-only senders, and the request it builds (user, From, recipients, noon in the organisation's zone).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { validateOrg } from "../model/validate.ts";
import { canSend, canSendRequest, type CanSendRequest } from "../simulate/can-send.ts";
import { sendDecisionInput, whyNot } from "../plan/send-decision.ts";
import { planOrg } from "../plan/plan.ts";
import { writeOrg } from "./helpers.ts";

const ORG = `organisation: { name: Hint Co, region: eu-central-1, default_department: hq }
domains: [{ name: example.com }, { name: example.org }]
departments: [{ id: hq, name: HQ }]
members:
  - { address: ann@example.com, name: Ann, aliases: [a@example.com] }
  - { address: ivy@example.com, name: Ivy, internal_only: true }
mailboxes:
  - { address: desk@example.com, name: Desk }
groups:
  - { address: team@example.com, name: Team, members: [ann@example.com, ivy@example.com] }
ip_ranges:
  office: [192.0.2.0/24]
sending:
  allowed_ip_ranges: [office]
`;

let org: Org;
let index: OrgIndex;
const OFFICE = "192.0.2.5";
const ask = (as: string, from: string, to: string[], ip = OFFICE) => canSend(org, index, { as, from, to, ip, today: "2026-06-01" });

beforeAll(() => {
  const r = validateOrg(writeOrg({ "org.yaml": ORG }), { today: "2026-06-01" });
  expect(r.diagnostics).toEqual([]);
  org = r.org;
  index = r.index!;
});

describe("can-send: who holds credentials", () => {
  it("refuses an alias, a mailbox, a group or an unknown address as the sender of the credentials", () => {
    for (const as of ["a@example.com", "desk@example.com", "team@example.com", "nobody@example.com"]) {
      expect(ask(as, "ann@example.com", ["x@partner.example"])).toEqual({ allowed: false, reason: `${as} is not a member's primary address; no credentials exist for it`, statement: null });
    }
  });
  it("accepts the member's address in any case", () => {
    expect(ask("ANN@Example.com", "ann@example.com", ["x@partner.example"])).toMatchObject({ allowed: true, statement: expect.stringMatching(/: SendAsOwnAddress$/) });
  });
});

describe("can-send: the reason", () => {
  it("names a From domain that is not the org's", () => {
    expect(ask("ann@example.com", "ann@partner.example", ["x@partner.example"])).toEqual({
      allowed: false,
      reason: "no statement allows ann@example.com to send as ann@partner.example: partner.example is not an org domain",
      statement: null,
      because: { rule: "not-an-org-domain", domain: "partner.example" },
    });
  });
  it("gives the deny statement for a deny, without a case hint when the recipients are written in lower case", () => {
    const r = ask("ivy@example.com", "ivy@example.com", ["ann@example.com", "friend@gmail.example"]);
    expect(r).toEqual({ allowed: false, reason: "denied by group hint-co-internal-only: DenyRecipientsOutsideTheOrg", statement: "group hint-co-internal-only: DenyRecipientsOutsideTheOrg" });
  });
  it("hints only at org addresses whose domain is in another case, and only for the internal-only deny", () => {
    // Upper case in a local part or in an outside domain is not what IAM refuses: no hint for those.
    expect(ask("ivy@example.com", "ivy@example.com", ["Ann@example.com", "x@Gmail.example", "Team@EXAMPLE.org", "desk@Example.com"]).reason).toBe(
      "denied by group hint-co-internal-only: DenyRecipientsOutsideTheOrg (IAM compares recipient domains case-sensitively: write Team@example.org, desk@example.com)",
    );
    // Another deny (outside the office ranges) gets no hint, even with mixed-case org recipients.
    expect(ask("ann@example.com", "ann@example.com", ["Ann@Example.com"], "198.51.100.1")).toEqual({ allowed: false, reason: "denied by group hint-co-office-ip-only: DenySendingOutsideOfficeRanges", statement: "group hint-co-office-ip-only: DenySendingOutsideOfficeRanges" });
    // An implicit deny gets none either.
    expect(ask("ann@example.com", "ivy@example.com", ["Ann@Example.com"]).reason).toBe("no statement allows ann@example.com to send as ivy@example.com: ivy@example.com is another member's address; only they may send as it");
  });
  it("says, when no statement allows the From address, which rule would have and why it did not", () => {
    const because = (as: string, from: string) => {
      const r = ask(as, from, ["team@example.com"]);
      expect(r.allowed).toBe(false);
      return [r.because, r.reason.slice(r.reason.indexOf(": ") + 2)];
    };
    expect(because("ivy@example.com", "A@example.com")).toEqual([{ rule: "another-member", owner: "ann@example.com" }, "a@example.com is an alias of ann@example.com; only they may send as it"]);
    expect(because("ivy@example.com", "desk@example.com")).toEqual([{ rule: "not-a-delegate", mailbox: "desk@example.com" }, "desk@example.com is a shared mailbox and ivy@example.com is not among its delegates (its department adds delegates)"]);
    expect(because("ann@example.com", "team@example.com")).toEqual([{ rule: "group-address", group: "team@example.com" }, "team@example.com is a group; mail to a group is sent from the sender's own address"]);
    expect(because("ann@example.com", "nobody@example.org")).toEqual([{ rule: "unknown-address", address: "nobody@example.org" }, "nobody@example.org is no address of the org (a member's address or alias, or a mailbox delegated to the sender)"]);
    // Allowed and explicitly denied requests carry no explanation: a statement decided them.
    expect(ask("ann@example.com", "a@example.com", ["x@partner.example"])).not.toHaveProperty("because");
    expect(ask("ivy@example.com", "ivy@example.com", ["x@partner.example"])).not.toHaveProperty("because");
  });
});

describe("can-send: a delegation that ended", () => {
  const DATED = ORG.replace("{ address: desk@example.com, name: Desk }", "{ address: desk@example.com, name: Desk, delegates: [{ member: ivy@example.com, until: '2026-06-01' }, { member: ann@example.com, until: '2026-05-31' }] }")
    .replace("default_department: hq }", "default_department: hq, timezone: Asia/Shanghai }");
  it("is named from the org's dated delegations, for that member and mailbox only", () => {
    const r = validateOrg(writeOrg({ "org.yaml": DATED }), { today: "2026-06-01" });
    // The decision's input lists them canonical and sorted (the host's policy.json is deterministic).
    expect(sendDecisionInput(planOrg(r.org, r.index!, { today: "2026-06-01" }), r.org).datedDelegations).toEqual([
      { member: "ann@example.com", mailbox: "desk@example.com", until: "2026-05-31" },
      { member: "ivy@example.com", mailbox: "desk@example.com", until: "2026-06-01" },
    ]);
    const dated = (as: string, from: string) => canSend(r.org, r.index!, { as, from, to: ["x@example.com"], ip: OFFICE, today: "2026-06-01" });
    expect(dated("ann@example.com", "Desk@example.com")).toEqual({
      allowed: false,
      reason: "no statement allows ann@example.com to send as desk@example.com: delegation of desk@example.com to ann@example.com ended on 2026-05-31 (today is 2026-06-01 in Asia/Shanghai)",
      statement: null,
      because: { rule: "delegation-ended", mailbox: "desk@example.com", until: "2026-05-31", today: "2026-06-01", timezone: "Asia/Shanghai" },
    });
    // Ivy's runs to the end of today; and Ann's ended delegation says nothing of another address.
    expect(dated("ivy@example.com", "desk@example.com")).toMatchObject({ allowed: true });
    expect(dated("ann@example.com", "ivy@example.com").because).toEqual({ rule: "another-member", owner: "ivy@example.com" });
  });
  it("is someone's own ended delegation only; an org without a zone reads it in UTC", () => {
    const ended = [{ member: "ann@example.com", mailbox: "desk@example.com", until: "2026-05-31" }];
    const input = { ...sendDecisionInput(planOrg(org, index, { today: "2026-06-01" }), org), datedDelegations: ended };
    expect(whyNot(input, "ivy@example.com", "desk@example.com", "2026-06-01")).toEqual({ rule: "not-a-delegate", mailbox: "desk@example.com" });
    // On its last day a delegation has not ended (it allows the request; asked anyway, it is not named).
    expect(whyNot({ ...input, datedDelegations: [{ ...ended[0]!, until: "2026-06-01" }] }, "ann@example.com", "desk@example.com", "2026-06-01")).toEqual({ rule: "not-a-delegate", mailbox: "desk@example.com" });
    expect(whyNot(input, "ann@example.com", "desk@example.com", "2026-06-01")).toEqual({ rule: "delegation-ended", mailbox: "desk@example.com", until: "2026-05-31", today: "2026-06-01", timezone: "UTC" });
  });
});

describe("can-send: the request IAM sees", () => {
  const req = (today: string): CanSendRequest => ({ as: "ann@example.com", from: "A@Example.com", to: ["X@Partner.example", "ivy@example.com"], ip: OFFICE, today });
  it("keeps From and recipients as typed, the canonical user name, the From domain's identity, and noon UTC without a time zone", () => {
    expect(canSendRequest(org, "Ann@Example.com", req("2026-06-01"))).toEqual({
      action: "ses:SendRawEmail",
      resource: "arn:aws:ses:eu-central-1:123456789012:identity/example.com",
      context: {
        "aws:username": "ann@example.com",
        "ses:FromAddress": "A@Example.com",
        "ses:Recipients": ["X@Partner.example", "ivy@example.com"],
        "aws:SourceIp": OFFICE,
        "aws:CurrentTime": "2026-06-01T12:00:00Z",
      },
    });
  });
  it("takes noon UTC for an org read without the schema's default time zone", () => {
    const bare = { ...org, organisation: { ...org.organisation, timezone: undefined } };
    expect(canSendRequest(bare, "ann@example.com", req("2026-06-01")).context["aws:CurrentTime"]).toBe("2026-06-01T12:00:00Z");
  });
  it("takes noon in organisation.timezone", () => {
    const shanghai = { ...org, organisation: { ...org.organisation, timezone: "Asia/Shanghai" } };
    expect(canSendRequest(shanghai, "ann@example.com", req("2026-06-01")).context["aws:CurrentTime"]).toBe("2026-06-01T04:00:00Z");
    const newYork = { ...org, organisation: { ...org.organisation, timezone: "America/New_York" } };
    expect(canSendRequest(newYork, "ann@example.com", req("2026-12-01")).context["aws:CurrentTime"]).toBe("2026-12-01T17:00:00Z");
  });
});
