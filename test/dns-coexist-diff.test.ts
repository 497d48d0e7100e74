/** The fields that let mail DNS coexist with what a domain has (spf, txt, dmarc.ruf) reach review as settings and as the DNS records they change. */
import { describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { diffOrgs } from "../review/diff.ts";
import { writeOrg } from "./helpers.ts";

const org = (domain: string) => `organisation: { name: Co, region: eu-west-1, default_department: hq }
domains:
  - ${domain}
  - { name: example.net }
departments: [{ id: hq, name: HQ }]
mailboxes: [{ address: dmarc@example.net, name: DMARC }]
`;

function side(text: string) {
  const r = validateOrg(writeOrg({ "org.yaml": text }), { today: "2026-06-01" });
  expect(r.diagnostics).toEqual([]);
  return { org: r.org, index: r.index! };
}

describe("diff of spf, txt and ruf", () => {
  it("shows the apex TXT record set and the report-authorisation record before -> after", () => {
    const base = side(org("{ name: example.com }"));
    const head = side(org("{ name: example.com, spf: { include: [_spf.google.com], all: fail }, txt: [site=1], dmarc: { ruf: [dmarc@example.net] } }"));
    const changes = diffOrgs(base, head, { today: "2026-06-01" }).filter((c) => c.section === "DNS" || c.section === "Domains");
    expect(changes.map((c) => [c.section, c.kind, c.subject, c.before, c.after])).toEqual([
      ["Domains", "modify", "example.com", { policy: "quarantine", pct: 100, rua: [], ruf: [] }, { policy: "quarantine", pct: 100, rua: [], ruf: ["dmarc@example.net"] }],
      ["Domains", "modify", "example.com", { include: [], ip4: [], ip6: [], all: "softfail" }, { include: ["_spf.google.com"], ip4: [], ip6: [], all: "fail" }],
      ["Domains", "modify", "example.com", [], ["site=1"]],
      ["DNS", "modify", "_dmarc.example.com TXT", ["v=DMARC1; p=quarantine; adkim=r; aspf=r"], ["v=DMARC1; p=quarantine; ruf=mailto:dmarc@example.net; adkim=r; aspf=r"]],
      ["DNS", "modify", "example.com TXT", ["v=spf1 include:amazonses.com ~all"], ["v=spf1 include:amazonses.com include:_spf.google.com -all", "site=1"]],
      ["DNS", "create", "example.com._report._dmarc.example.net TXT", null, ["v=DMARC1"]],
    ]);
  });
});
