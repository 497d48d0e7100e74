/**
 * The sending fixture of the IAM oracle (test/iam-oracle.test.ts) and the mailbox host's differential test
 * (test/mailhost-policy.test.ts): an org with aliases, dated delegations in a time zone, restricted groups,
 * internal-only members and office ranges, and the generator of requests against it.
 */
import fc from "fast-check";

export const ORG = `organisation: { name: Oracle Co, region: eu-west-1, default_department: hq, timezone: Asia/Shanghai }
domains: [{ name: example.com }, { name: example.net }, { name: send-only.example, receive: false }]
departments:
  - { id: hq, name: HQ }
  - { id: board, name: Board, parent: hq }
  - { id: interns, name: Interns, parent: hq }
members:
  - { address: ceo@example.com, name: CEO, departments: [board], aliases: [boss@example.com] }
  - { address: dev@example.com, name: Dev }
  - { address: intern@example.com, name: Intern, departments: [interns] }
  - { address: solo@example.net, name: Solo, internal_only: true }
mailboxes:
  - { address: hr@example.com, name: HR, delegates: [{ member: dev@example.com, until: "2026-06-30" }, { member: ceo@example.com }] }
groups:
  - { address: all@example.com, name: All, members: [department:hq], senders: [department:board, hr@example.com] }
  - { address: team@example.com, name: Team, members: [dev@example.com, intern@example.com], senders: members }
ip_ranges:
  office: [192.0.2.0/24, "2001:db8:100::/48", 198.51.100.7, "2001:db8:ffff::1"]
sending:
  allowed_ip_ranges: [office]
  exempt: [ceo@example.com]
  internal_only: [department:interns]
`;

/** One letter-case variant of a string, chosen by a seed (bit i: upper-case letter i). */
const recase = (s: string, seed: number): string => [...s].map((c, i) => ((seed >> i % 30) & 1 ? c.toUpperCase() : c)).join("");
const caseSeed = fc.oneof(fc.constant(0), fc.nat());

const addresses = ["ceo@example.com", "boss@example.com", "dev@example.com", "intern@example.com", "solo@example.net", "hr@example.com", "all@example.com", "team@example.com", "x@send-only.example", "friend@partner.example", "all+x@example.com"];
const ips = ["192.0.2.10", "192.0.3.1", "198.51.100.7", "198.51.100.8", "2001:db8:100::25", "2001:db8:200::1", "2001:db8:ffff::1", "2001:db8:ffff::2"];
const days = ["2026-06-01", "2026-06-30", "2026-07-01"];

export const caseArb = fc.record({
  as: fc.constantFrom("ceo@example.com", "dev@example.com", "intern@example.com", "solo@example.net"),
  from: fc.tuple(fc.constantFrom(...addresses.slice(0, 6)), caseSeed).map(([a, s]) => recase(a, s)),
  to: fc.array(fc.tuple(fc.constantFrom(...addresses), caseSeed).map(([a, s]) => recase(a, s)), { minLength: 1, maxLength: 3 }),
  ip: fc.constantFrom(...ips),
  today: fc.constantFrom(...days),
  // The instant within the day: delegations end at midnight Asia/Shanghai (16:00 UTC the day before in UTC terms).
  hour: fc.constantFrom(0, 12, 15, 16, 23),
});

