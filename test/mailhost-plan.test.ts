/** The mailbox host in the plan (what it serves, the router's relay target) and in the review (diff, approvers). */
import { describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { instanceArch, passwdParameterName } from "../plan/mailhost.ts";
import { planOrg } from "../plan/plan.ts";
import { requiredApprovals } from "../review/approvers.ts";
import { diffOrgs } from "../review/diff.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";


function side(text: string) {
  const r = validateOrg(writeOrg({ "org.yaml": text }), { today: "2026-06-01" });
  if (!r.ok || !r.index) throw new Error(JSON.stringify(r.diagnostics));
  return { org: r.org, index: r.index };
}

describe("the mailbox host's plan", () => {
  it("serves every mailbox the router delivers to, with quotas and logins for active members only", () => {
    const { org, index } = side(HOST_ORG);
    const plan = planOrg(org, index, { today: "2026-06-01" });
    const host = plan.mailhost!;
    expect(host).toMatchObject({ hostname: "mail.example.com", zoneId: "Z0123456789ABC", zoneDomain: "example.com", instanceType: "t4g.small", arch: "arm64", volumeGb: 20, backupRetentionDays: 35 });
    expect(host.mailboxes).toEqual([
      { address: "dis@example.com", kind: "member", quotaMb: 512, login: false },
      { address: "hr@example.com", kind: "mailbox", quotaMb: 512, login: false },
      { address: "kept@example.com", kind: "member", quotaMb: 512, login: false },
      { address: "li.na@example.com", kind: "member", quotaMb: 4096, login: true },
      { address: "wu.bo@example.com", kind: "member", quotaMb: 512, login: true },
    ]);
    expect(host.refused).toEqual([{ address: "gone@example.com", reason: "departed; mail goes to li.na@example.com" }]);
    // The router relays to the host, with the host's relay secret.
    expect(plan.inbound.table.relay).toEqual({ host: "mail.example.com", port: 587, authSecret: "host-co/mailhost/relay" });
  });
  it("has no mailbox host without mailbox_host", () => {
    const { org, index } = side(HOST_ORG.replace(/  mailbox_host:.*\n/, "").replace(", quota_mb: 4096", ""));
    const plan = planOrg(org, index, { today: "2026-06-01" });
    expect(plan.mailhost).toBeUndefined();
    expect(plan.inbound.table.relay).toBeNull();
  });
  it("picks the image architecture from the instance family and names parameters one-to-one", () => {
    expect(["t4g.small", "m7g.large", "c7gn.xlarge", "r8gd.2xlarge", "t3.small", "m5.large", "c6i.xlarge", "g5.xlarge"].map(instanceArch)).toEqual(["arm64", "arm64", "arm64", "arm64", "x86_64", "x86_64", "x86_64", "x86_64"]);
    expect(passwdParameterName("/p/", "Li.Na@example.com")).toBe("/p/li.na_40example.com");
    expect(passwdParameterName("/p/", "a_b@x.com")).not.toBe(passwdParameterName("/p/", "a_5fb@x.com"));
  });
});

describe("the mailbox host in review", () => {
  it("is an organisation-wide change that owners approve; shrinking the volume or removing the host is destructive", () => {
    const without = HOST_ORG.replace(/  mailbox_host:.*\n/, "").replace(", quota_mb: 4096", "");
    const base = side(without);
    const head = side(HOST_ORG);
    const created = diffOrgs(base, head, { today: "2026-06-01" }).filter((c) => c.subject === "mailbox_host");
    expect(created).toEqual([
      expect.objectContaining({ section: "Organisation", kind: "create", orgWide: true, destructive: false, after: { hostname: "mail.example.com", instance_type: "t4g.small", volume_gb: 20, backup_retention_days: 35, default_quota_mb: 512 } }),
    ]);
    expect(requiredApprovals(created, { base, head }).map((r) => r.scope)).toEqual(["organisation owners"]);
    const removed = diffOrgs(head, base, { today: "2026-06-01" }).find((c) => c.subject === "mailbox_host")!;
    expect(removed).toMatchObject({ kind: "delete", destructive: true });
    const shrunk = diffOrgs(head, side(HOST_ORG.replace("volume_gb: 20", "volume_gb: 10")), { today: "2026-06-01" }).find((c) => c.subject === "mailbox_host")!;
    expect(shrunk).toMatchObject({ kind: "modify", field: "volume_gb", destructive: true, before: 20, after: 10, orgWide: true });
    const grown = diffOrgs(head, side(HOST_ORG.replace("volume_gb: 20", "volume_gb: 40").replace("Mail.Example.com", "imap.example.com")), { today: "2026-06-01" }).filter((c) => c.subject === "mailbox_host");
    expect(grown.map((c) => [c.field, c.before, c.after, c.destructive])).toEqual([["hostname", "mail.example.com", "imap.example.com", false], ["volume_gb", 20, 40, false]]);
  });
  it("shows a member's quota as a change of that member, approved by their department", () => {
    const base = side(HOST_ORG);
    const head = side(HOST_ORG.replace("{ address: wu.bo@example.com, name: Wu Bo, departments: [sales] }", "{ address: wu.bo@example.com, name: Wu Bo, departments: [sales], quota_mb: 8192 }"));
    const changes = diffOrgs(base, head, { today: "2026-06-01" });
    expect(changes).toEqual([expect.objectContaining({ section: "Members", subject: "wu.bo@example.com", field: "quota_mb", before: null, after: 8192, departments: ["sales"], orgWide: false })]);
    expect(requiredApprovals(changes, { base, head }).map((r) => r.scope)).toEqual(["department sales"]);
  });
});
