import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../model/diagnostics.ts";
import { validatePlan } from "../../plan/validate.ts";
import { HOST_ORG } from "../fixtures-mailhost.ts";
import { writeOrg } from "../helpers.ts";

const withMember = (org: string, member: string) => org.replace("members:\n", `members:\n  - ${member}\n`);
const findings = (yaml: string) => {
  const dir = writeOrg({ "b.yaml": yaml });
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const r = validatePlan(".", { today: "2026-06-01" });
    return { rule: r.diagnostics.filter((d) => d.rule === "mailbox-host-apostrophe").map(formatDiagnostic), errors: r.diagnostics.filter((d) => d.severity === "error").length };
  } finally {
    process.chdir(cwd);
  }
};

describe("mailbox-host-apostrophe", () => {
  it("accepts an apostrophe in an alias on the host, and in an address without a host", () => {
    expect(findings(withMember(HOST_ORG, `{ address: conor.obrien@example.com, name: Conor, aliases: ["conor.o'brien@example.com"] }`))).toEqual({ rule: [], errors: 0 });
    expect(findings(withMember(HOST_ORG.replace(/  mailbox_host: .*\n/, "").replace(/, quota_mb: 4096/, ""), `{ address: "conor.o'brien@example.com", name: Conor }`))).toEqual({ rule: [], errors: 0 });
  });
  it("refuses it in a member's address on the host, saying why and what to do", () => {
    expect(findings(withMember(HOST_ORG, `{ address: "conor.o'brien@example.com", name: Conor }`)).rule).toEqual([
      "b.yaml:13:16: error [mailbox-host-apostrophe] conor.o'brien@example.com holds an apostrophe, which the mailbox host's Dovecot cannot look up (it escapes it); use an address without it, e.g. conor.obrien@example.com, and keep conor.o'brien@example.com as an alias",
    ]);
  });
});
