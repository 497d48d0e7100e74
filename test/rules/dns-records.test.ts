import { describe, expect, it } from "vitest";
import { rule } from "../../plan/rules/dns-records.ts";
import { validatePlan } from "../../plan/validate.ts";
import { BASE_ORG, findings, writeOrg } from "../helpers.ts";

describe("dns-records", () => {
  it("accepts the records mailorg computes, even with many DMARC report addresses (split TXT)", async () => {
    const rua = Array.from({ length: 12 }, (_, i) => `reports-${i}-with-a-long-name@example.com`);
    const org = BASE_ORG.replace("  - name: example.com\n", `  - name: example.com\n    dmarc: { rua: [${rua.join(", ")}] }\n`) +
      "mailboxes:\n" + rua.map((a) => `  - { address: ${a}, name: R }\n`).join("");
    expect(await findings({ "a.yaml": org })).toEqual([]);
  });
  it("reports a MAIL FROM subdomain that is also a declared domain: two SPF records on one name", async () => {
    const org = BASE_ORG.replace("  - name: example.com\n", "  - name: x.example.com\n  - name: example.com\n    mail_from: x\n");
    expect(await findings({ "a.yaml": org })).toEqual([
      "a.yaml:6:11: error [dns-records] x.example.com would have 2 SPF records; receivers treat that as an error (merge them)",
    ]);
  });
  it("passes on the records of a plain org (checked on what the plan computes)", () => {
    const r = validatePlan(writeOrg({ "a.yaml": BASE_ORG }), { today: "2026-06-01" });
    expect(r.ok).toBe(true);
    const f = rule.check({ org: r.org, index: r.index!, today: "2026-06-01", plan: r.plan! });
    expect(f).toEqual([]);
  });
  it("warns (does not fail) when the merged SPF record passes 10 lookups", async () => {
    const inc = Array.from({ length: 10 }, (_, i) => `s${i}.example.org`).join(", ");
    const org = BASE_ORG.replace("  - name: example.com\n", `  - name: example.com\n    spf: { include: [${inc}] }\n`);
    expect(await findings({ "a.yaml": org })).toEqual([
      "a.yaml:6:11: warning [dns-records] SPF record of example.com needs 11 DNS lookups before its includes; receivers allow at most 10 (replace includes with ip4/ip6 ranges)",
    ]);
  });
  it("reports an SPF record listed in txt: two SPF records on the apex", async () => {
    const org = BASE_ORG.replace("  - name: example.com\n", `  - name: example.com\n    txt: ["v=spf1 include:_spf.google.com ~all"]\n`);
    expect(await findings({ "a.yaml": org })).toEqual(["a.yaml:6:11: error [dns-records] example.com would have 2 SPF records; receivers treat that as an error (merge them)"]);
  });
});
