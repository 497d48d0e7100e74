import { beforeAll, describe, expect, it } from "vitest";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { validateOrg } from "../model/validate.ts";
import { canSend } from "../simulate/can-send.ts";
import { runCli, writeOrg } from "./helpers.ts";

const ORG = `organisation: { name: Send Co, region: eu-west-1, default_department: hq }
domains: [{ name: example.com }, { name: example.net }]
departments:
  - { id: hq, name: HQ }
  - { id: board, name: Board, parent: hq }
  - { id: interns, name: Interns, parent: hq }
members:
  - { address: ceo@example.com, name: CEO, departments: [board], aliases: [boss@example.com] }
  - { address: cfo@example.com, name: CFO, departments: [board] }
  - { address: dev@example.com, name: Dev }
  - { address: intern@example.com, name: Intern, departments: [interns] }
  - { address: solo@example.com, name: Solo, internal_only: true }
  - { address: away@example.com, name: Away, status: disabled }
  - { address: gone@example.com, name: Gone, status: departed, forward_to: [dev@example.com] }
mailboxes:
  - address: hr@example.com
    name: HR
    delegates:
      - { member: dev@example.com, until: "2026-06-30" }
      - { member: cfo@example.com }
groups:
  - { address: all@example.com, name: All, members: [department:hq], senders: [department:board, hr@example.com] }
  - { address: team@example.com, name: Team, members: [dev@example.com, intern@example.com], senders: members }
ip_ranges:
  office: [192.0.2.0/24, "2001:db8:100::/48"]
sending:
  allowed_ip_ranges: [office]
  exempt: [ceo@example.com]
  internal_only: [department:interns]
`;

let dir: string;
let org: Org;
let index: OrgIndex | undefined;
beforeAll(() => {
  dir = writeOrg({ "org.yaml": ORG });
  ({ org, index } = validateOrg(dir, { today: "2026-06-01" }));
});
const OFFICE = "192.0.2.10";
const check = (as: string, from: string, to: string[], ip: string | undefined = OFFICE, today = "2026-06-01") => canSend(org, index!, { as, from, to, ip, today });

describe("can-send (evaluates the synthesised policy documents)", () => {
  it("allows sending as one's own address, and as an alias", () => {
    expect(check("dev@example.com", "dev@example.com", ["x@partner.example"])).toEqual({ allowed: true, reason: "allowed by group send-co-senders: SendAsOwnAddress", statement: "group send-co-senders: SendAsOwnAddress" });
    expect(check("ceo@example.com", "boss@example.com", ["x@partner.example"])).toMatchObject({ allowed: true, statement: "inline policy of ceo@example.com: SendAsAliases" });
  });
  it("denies sending as someone else", () => {
    expect(check("dev@example.com", "ceo@example.com", ["x@partner.example"])).toEqual({
      allowed: false,
      reason: "no statement allows dev@example.com to send as ceo@example.com: ceo@example.com is another member's address; only they may send as it",
      statement: null,
      because: { rule: "another-member", owner: "ceo@example.com" },
    });
  });
  it("allows a delegate to send as the mailbox until the delegation's last day, not after (MAILORG_TODAY)", () => {
    expect(check("dev@example.com", "hr@example.com", ["x@partner.example"], OFFICE, "2026-06-30")).toMatchObject({ allowed: true, statement: "inline policy of dev@example.com: SendAshrUntil20260630" });
    expect(check("dev@example.com", "hr@example.com", ["x@partner.example"], OFFICE, "2026-07-01")).toMatchObject({ allowed: false, statement: null });
    expect(check("cfo@example.com", "hr@example.com", ["x@partner.example"])).toMatchObject({ allowed: true, statement: "inline policy of cfo@example.com: SendAsDelegatedMailboxes" });
  });
  it("limits sending to the office ranges, IPv4 and IPv6, except for exempt members", () => {
    expect(check("dev@example.com", "dev@example.com", ["a@example.com"], "2001:db8:100::25").allowed).toBe(true);
    expect(check("dev@example.com", "dev@example.com", ["a@example.com"], "2001:db8:200::25")).toMatchObject({ allowed: false, statement: "group send-co-office-ip-only: DenySendingOutsideOfficeRanges" });
    expect(check("dev@example.com", "dev@example.com", ["a@example.com"], "198.51.100.1").allowed).toBe(false);
    expect(check("ceo@example.com", "ceo@example.com", ["a@example.com"], "198.51.100.1").allowed).toBe(true);
  });
  it("keeps internal-only members (by list and by flag) inside the org's domains, even with mixed recipients", () => {
    expect(check("intern@example.com", "intern@example.com", ["dev@example.com", "x@example.net"]).allowed).toBe(true);
    expect(check("intern@example.com", "intern@example.com", ["dev@example.com", "friend@gmail.example"])).toMatchObject({ allowed: false, statement: "group send-co-internal-only: DenyRecipientsOutsideTheOrg" });
    expect(check("solo@example.com", "solo@example.com", ["friend@gmail.example"]).allowed).toBe(false);
  });
  it("lets only a group's senders mail it: a department as senders, and `members`", () => {
    expect(check("cfo@example.com", "cfo@example.com", ["all@example.com"]).allowed).toBe(true);
    const denied = check("dev@example.com", "dev@example.com", ["all@example.com", "cfo@example.com"]);
    expect(denied.allowed).toBe(false);
    expect(denied.statement).toMatch(/^group send-co-no-all-.*: DenyRestrictedGroups$/);
    expect(check("intern@example.com", "intern@example.com", ["team@example.com"]).allowed).toBe(true);
    expect(check("cfo@example.com", "cfo@example.com", ["TEAM@example.com"]).allowed).toBe(false);
  });
  it("gives disabled and departed members no working credentials", () => {
    expect(check("away@example.com", "away@example.com", ["a@example.com"])).toEqual({ allowed: false, reason: "away@example.com is disabled: the access key behind their SMTP credentials is Inactive", statement: null });
    expect(check("gone@example.com", "gone@example.com", ["a@example.com"])).toEqual({ allowed: false, reason: "gone@example.com has departed: no IAM user or SMTP credentials exist", statement: null });
  });
  it("CLI: prints the contract and exits 1 when denied", () => {
    const ok = runCli(["can-send", "--org", dir, "--as", "dev@example.com", "--from", "dev@example.com", "--to", "a@example.com", "--ip", OFFICE, "--format", "json"]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ allowed: true, reason: "allowed by group send-co-senders: SendAsOwnAddress", statement: "group send-co-senders: SendAsOwnAddress" });
    const expired = runCli(["can-send", "--org", dir, "--as", "dev@example.com", "--from", "hr@example.com", "--to", "a@example.com", "--ip", OFFICE], { env: { MAILORG_TODAY: "2026-06-15" } });
    expect(expired.status).toBe(0);
    const no = runCli(["can-send", "--org", dir, "--as", "dev@example.com", "--from", "dev@example.com", "--to", "a@example.com", "--ip", "203.0.113.1", "--format", "text"]);
    expect(no.status).toBe(1);
    expect(no.stdout).toBe("denied: denied by group send-co-office-ip-only: DenySendingOutsideOfficeRanges\n");
  });
  it("reports what IAM decides for mixed case: local parts pass, a domain in another case is outside for internal-only (fails closed)", () => {
    expect(check("intern@example.com", "Intern@Example.com", ["DEV@example.com"])).toMatchObject({ allowed: true });
    expect(check("intern@example.com", "intern@example.com", ["Dev@Example.com"])).toEqual({
      allowed: false,
      reason: "denied by group send-co-internal-only: DenyRecipientsOutsideTheOrg (IAM compares recipient domains case-sensitively: write Dev@example.com)",
      statement: "group send-co-internal-only: DenyRecipientsOutsideTheOrg",
    });
    // A restricted group in any case is denied (StringEqualsIgnoreCase).
    expect(check("dev@example.com", "dev@example.com", ["All@EXAMPLE.com"])).toMatchObject({ allowed: false, statement: expect.stringMatching(/DenyRestrictedGroups$/) });
  });
});

describe("internal_only and time zones", () => {
  const org2 = (extra: string) => {
    const d = writeOrg({ "org.yaml": ORG.replace("organisation: { name: Send Co, region: eu-west-1, default_department: hq }", `organisation: { name: Send Co, region: eu-west-1, default_department: hq${extra} }`).replace("domains: [{ name: example.com }, { name: example.net }]", "domains: [{ name: example.com }, { name: example.net, receive: false }]") });
    const r = validateOrg(d, { today: "2026-06-01" });
    return (as: string, from: string, to: string[], today = "2026-06-01") => canSend(r.org, r.index!, { as, from, to, ip: OFFICE, today });
  };
  it("treats only receiving domains as internal: a send-only domain is outside", () => {
    expect(org2("")("intern@example.com", "intern@example.com", ["x@example.net"])).toMatchObject({ allowed: false, statement: "group send-co-internal-only: DenyRecipientsOutsideTheOrg" });
  });
  it("ends a delegation at midnight of its last day in organisation.timezone", async () => {
    const { buildSendingModel } = await import("../plan/sending.ts");
    const d = writeOrg({ "org.yaml": ORG.replace("default_department: hq }", "default_department: hq, timezone: Asia/Shanghai }") });
    const r = validateOrg(d, { today: "2026-06-01" });
    const model = buildSendingModel(r.org, r.index!, "2026-06-01", { region: "eu-west-1", accountId: "123456789012" }, "send-co");
    const dev = model.members.find((m) => m.address === "dev@example.com")!;
    expect(dev.inline!.Statement.find((x) => x.Sid === "SendAshrUntil20260630")!.Condition!.DateLessThan).toEqual({ "aws:CurrentTime": "2026-06-30T16:00:00Z" });
    const utc = buildSendingModel(validateOrg(dir, { today: "2026-06-01" }).org, index!, "2026-06-01", { region: "eu-west-1", accountId: "123456789012" }, "send-co");
    expect(utc.members.find((m) => m.address === "dev@example.com")!.inline!.Statement.find((x) => x.Sid === "SendAshrUntil20260630")!.Condition!.DateLessThan).toEqual({ "aws:CurrentTime": "2026-07-01T00:00:00Z" });
  });
});
