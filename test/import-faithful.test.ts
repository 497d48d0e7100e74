/**
 * Issue #29: directory imports keep what the export says. Each case is a trap a trial found (a Chinese name
 * reversed, an archived user given credentials, o'brien refused, a secondary address and the mail usage
 * dropped, an ldifde export refused, a re-import that lost track of people, opaque department ids, an import
 * into another organisation's directory). The fixtures use the vendors' documented headers and attributes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { departmentIdFor, ImportRefused, importDirectory, quotaFromUsage } from "../adopt/directory.ts";
import { fullName, readDirectory, usageMb } from "../adopt/directory-formats.ts";
import { iamUserName } from "../plan/sending.ts";
import { validatePlan } from "../plan/validate.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { readTree, runCli, writeOrg } from "./helpers.ts";

/** Google Workspace, Admin console > Directory > Users > Download users (all user info columns). */
const GWS_HEADER =
  "First Name [Required],Last Name [Required],Email Address [Required],Password [Required],Password Hash Function [UPLOAD ONLY],Org Unit Path [Required],New Primary Email [UPLOAD ONLY],Recovery Email,Home Secondary Email,Work Secondary Email,Recovery Phone [MUST BE IN THE E.164 FORMAT],Work Phone,Home Phone,Mobile Phone,Work Address,Home Address,Employee ID,Employee Type,Employee Title,Manager Email,Department,Cost Center,Building ID,Floor Name,Floor Section,Change Password at Next Sign-In,New Status [UPLOAD ONLY],Status [READ ONLY],Last Sign In [READ ONLY],Email Usage [READ ONLY]";

/** A row of Google's user download: the columns this test sets, the others empty. */
function gwsRow(v: { first: string; last: string; email: string; ou?: string; secondary?: string; title?: string; status?: string; usage?: string }): string {
  const cols = GWS_HEADER.split(",");
  const row = cols.map(() => "");
  const set = (h: string, x: string | undefined) => {
    if (x !== undefined) row[cols.indexOf(h)] = x.includes(",") ? `"${x}"` : x;
  };
  set("First Name [Required]", v.first);
  set("Last Name [Required]", v.last);
  set("Email Address [Required]", v.email);
  set("Password [Required]", "****");
  set("Org Unit Path [Required]", v.ou ?? "/");
  set("Work Secondary Email", v.secondary);
  set("Employee Title", v.title);
  set("Change Password at Next Sign-In", "False");
  set("Status [READ ONLY]", v.status ?? "Active");
  set("Email Usage [READ ONLY]", v.usage ?? "0");
  return row.join(",");
}

/** A 30-person Google Workspace company: Chinese names, an archived and a suspended user, o'brien, secondary addresses, usage up to 3.2 GB. */
export function gws30(): string {
  const rows = [
    gwsRow({ first: "伟", last: "张", email: "zhang.wei@example.com", ou: "/销售部/华北", title: "销售总监", usage: "3.2G" }),
    gwsRow({ first: "Conor", last: "O'Brien", email: "conor.o'brien@example.com", ou: "/Sales", secondary: "cob@example.com", usage: "800M" }),
    gwsRow({ first: "芳", last: "王", email: "wang.fang@example.com", ou: "/财务部", status: "Archived", usage: "2.1G" }),
    gwsRow({ first: "Lei", last: "Zhao", email: "zhao.lei@example.com", ou: "/Sales", status: "Suspended" }),
    gwsRow({ first: "Mei", last: "Ho", email: "mei.ho@example.com", ou: "/財務部", secondary: "mei@gmail.example" }),
  ];
  for (let i = 6; i <= 30; i++) rows.push(gwsRow({ first: `Staff${i}`, last: "Member", email: `staff${i}@example.com`, ou: i % 2 ? "/Sales" : "/销售部/华东", usage: `${i * 10}M` }));
  return [GWS_HEADER, ...rows].join("\r\n") + "\r\n";
}

/** Active Directory's `ldifde -f users.ldif -r "(&(objectCategory=person)(objectClass=user))"`: every entry a changetype: add record. */
function ldifde(): string {
  return `dn: CN=Zhang Wei,OU=销售部,OU=Staff,DC=example,DC=com
changetype: add
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: Zhang Wei
sn: Zhang
givenName: Wei
displayName:: 5byg5Lyf
mail: zhang.wei@example.com
proxyAddresses: SMTP:zhang.wei@example.com
proxyAddresses: smtp:zw@example.com
department: Sales
userAccountControl: 512
sAMAccountName: zhang.wei

dn: CN=Sam Ray,OU=Finance,OU=Staff,DC=example,DC=com
changetype: add
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: Sam Ray
mail: sam.ray@example.com
userAccountControl: 66050

dn: CN=Old Entry,OU=Finance,OU=Staff,DC=example,DC=com
changetype: delete

`;
}

const fresh = (text: string, format: Parameters<typeof readDirectory>[1], files: Record<string, string> = {}) => {
  const dir = join(writeOrg(files), "org");
  const report = importDirectory(dir, readDirectory(text, format).people, { name: "Example Trading", region: "eu-west-1" });
  return { dir, report };
};

describe("Google Workspace export, read faithfully", () => {
  const people = () => readDirectory(gws30(), "gws-csv").people;
  const by = (address: string) => people().find((p) => p.address === address)!;

  it("writes CJK names family name first without a space, Latin names as exported", () => {
    expect(by("zhang.wei@example.com").name).toBe("张伟");
    expect(by("conor.o'brien@example.com").name).toBe("Conor O'Brien");
    expect(fullName("太郎", "山田")).toBe("山田太郎");
    expect(fullName("철수", "김")).toBe("김철수");
    expect(fullName("Wei", "Lin")).toBe("Wei Lin");
    expect(fullName(undefined, "张")).toBe("张");
  });

  it("takes Archived and Suspended users as departed, Active ones as active", () => {
    expect([by("wang.fang@example.com").suspended, by("zhao.lei@example.com").suspended, by("zhang.wei@example.com").suspended]).toEqual([true, true, false]);
  });

  it("keeps the Work Secondary Email as an alias and the Email Usage in MB", () => {
    expect(by("conor.o'brien@example.com").aliases).toEqual(["cob@example.com"]);
    expect(by("zhang.wei@example.com").usageMb).toBe(3277);
    expect([usageMb("800M"), usageMb("1.5 GB"), usageMb("512KB"), usageMb("0"), usageMb(""), usageMb("n/a"), usageMb("1T")]).toEqual([800, 1536, 1, 0, undefined, undefined, 1048576]);
    expect([quotaFromUsage(3277), quotaFromUsage(0), quotaFromUsage(1024), quotaFromUsage(1400)]).toEqual([5120, 1024, 2048, 3072]);
  });
});

describe("a 30-user Google Workspace export becomes a valid org", () => {
  it("imports o'brien, readable pinyin department ids, archived as departed, the secondary address as an alias", () => {
    const { dir, report } = fresh(gws30(), "gws-csv");
    expect(report.added).toHaveLength(30);
    expect(report.departed).toEqual(["wang.fang@example.com", "zhao.lei@example.com"]);
    expect(report.departmentsAdded.slice(0, 4)).toEqual(["xiaoshoubu", "xiaoshoubu-huabei", "sales", "caiwubu"]);
    expect(report.departmentsAdded.every((id) => /^[a-z0-9][a-z0-9-]*$/.test(id) && !id.startsWith("d-"))).toBe(true);
    expect(report.notes).toEqual(["line 6: alias mei@gmail.example of mei.ho@example.com is outside the org's domains; left out"]);
    const r = validatePlan(dir, { today: "2026-06-01" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    const conor = r.org.members.find((m) => m.address === "conor.o'brien@example.com")!;
    expect(conor.aliases).toEqual(["cob@example.com"]);
    expect(r.org.members.find((m) => m.address === "zhang.wei@example.com")).toMatchObject({ name: "张伟", departments: ["xiaoshoubu-huabei"] });
    expect(r.org.members.find((m) => m.address === "wang.fang@example.com")!.status).toBe("departed");
    expect(Object.keys(readTree(dir))).toContain("members/xiaoshoubu.yaml");
    // Without a mailbox host, the usage cannot be a quota yet: the report says what it will need.
    expect(report.quotas).toEqual(["zhang.wei@example.com: 3277 MB in use at the old provider needs a quota_mb of 5120 once organisation.mailbox_host is declared (the default is 2048)"]);
  });

  it("gives the departed no sending credentials, and o'brien an IAM user name IAM accepts", () => {
    const { dir } = fresh(gws30(), "gws-csv");
    const r = validatePlan(dir, { today: "2026-06-01" });
    const users = r.plan!.sending.members.map((m) => m.userName);
    expect(users).not.toContain("wang.fang@example.com");
    expect(users).toContain("conor.o=27brien@example.com");
    for (const u of users) expect(u).toMatch(/^[\w+=,.@-]{1,64}$/);
    expect(iamUserName("li.na@example.com")).toBe("li.na@example.com");
    expect(iamUserName("a%b@example.com")).toBe("a=25b@example.com");
  });

  it("with a mailbox host, quotas come from the usage plus headroom when it passes the default", () => {
    const dir = join(writeOrg({ "org/org.yaml": HOST_ORG }), "org");
    const report = importDirectory(dir, readDirectory(gws30(), "gws-csv").people);
    expect(report.quotas).toEqual([
      "zhang.wei@example.com: quota_mb 5120 (3277 MB in use at the old provider, the default is 512)",
      "conor.o'brien@example.com: quota_mb 2048 (800 MB in use at the old provider, the default is 512)",
    ]);
    const r = validatePlan(dir, { today: "2026-06-01" });
    // On a mailbox host, o'brien's apostrophe cannot be a Dovecot user name: the one error, saying what to do.
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => [d.rule, d.message.split(",")[0]])).toEqual([["mailbox-host-apostrophe", "conor.o'brien@example.com holds an apostrophe"]]);
    const quota = (a: string) => r.org.members.find((m) => m.address === a)!.quota_mb;
    expect([quota("zhang.wei@example.com"), quota("staff6@example.com"), quota("wang.fang@example.com"), quota("mei.ho@example.com"), quota("conor.o'brien@example.com")]).toEqual([5120, undefined, undefined, undefined, 2048]);
  });
});

describe("LDIF from Active Directory's ldifde", () => {
  it("reads changetype: add records as entries and skips other change records", () => {
    const r = readDirectory(ldifde(), "ldif");
    expect(r.people.map((p) => [p.address, p.name, p.departmentPath, p.aliases, p.suspended])).toEqual([
      ["zhang.wei@example.com", "张伟", ["Staff", "销售部"], ["zw@example.com"], false],
      ["sam.ray@example.com", "Sam Ray", ["Staff", "Finance"], [], true],
    ]);
  });

  it("imports into a valid org", () => {
    const { dir, report } = fresh(ldifde(), "ldif");
    expect(report.departmentsAdded).toEqual(["staff", "staff-xiaoshoubu", "staff-finance"]);
    expect(validatePlan(dir, { today: "2026-06-01" }).ok).toBe(true);
  });

  it("mailorg import --format ldif exits 0 on it (was: internal error, exit 70)", () => {
    const tmp = writeOrg({ "users.ldif": ldifde() });
    const r = runCli(["import", join(tmp, "users.ldif"), "--format", "ldif", "--out", join(tmp, "org"), "--name", "Example Trading", "--region", "eu-west-1"]);
    expect([r.status, r.stderr]).toEqual([0, expect.not.stringContaining("internal error")]);
    expect(r.stdout).toContain("2 people added");
  });
});

describe("re-importing", () => {
  it("finds a person already there under another of their addresses, and reports no one gone", () => {
    const { dir } = fresh(gws30(), "gws-csv");
    // The next export: Conor's primary address is now the secondary one, and the old one his alias.
    const next = gws30().replace("conor.o'brien@example.com,****,,/Sales,,,,cob@example.com", "cob@example.com,****,,/Sales,,,,conor.o'brien@example.com");
    expect(next).not.toBe(gws30());
    const report = importDirectory(dir, readDirectory(next, "gws-csv").people);
    expect(report.added).toEqual([]);
    expect(report.gone).toEqual([]);
    expect(report.matched).toEqual(["cob@example.com is conor.o'brien@example.com in the org"]);
  });

  it("a second export of another domain lists no one of the first as gone", () => {
    const { dir } = fresh(gws30(), "gws-csv");
    const other = [GWS_HEADER, gwsRow({ first: "Ann", last: "Lee", email: "ann.lee@example.net" })].join("\r\n") + "\r\n";
    const report = importDirectory(dir, readDirectory(other, "gws-csv").people);
    expect(report.gone).toEqual([]);
  });

  it("a person missing from the next export of the same domain is still reported gone", () => {
    const { dir } = fresh(gws30(), "gws-csv");
    const next = gws30().split("\r\n").filter((l) => !l.startsWith("Staff7,")).join("\r\n");
    expect(importDirectory(dir, readDirectory(next, "gws-csv").people).gone).toEqual(["staff7@example.com"]);
  });
});

describe("department ids", () => {
  it("are transliterated: pinyin for Chinese, accents dropped", () => {
    expect(departmentIdFor(["财务部"])).toBe("caiwubu");
    expect(departmentIdFor(["销售部", "华北"])).toBe("xiaoshoubu-huabei");
    expect(departmentIdFor(["Sales", "Région Est"])).toBe("sales-region-est");
    expect(departmentIdFor(["★"])).toMatch(/^d-[0-9a-z]+$/);
  });
});

describe("an org of another name", () => {
  it("is refused, and nothing is written", () => {
    const { dir } = fresh(gws30(), "gws-csv");
    const before = readTree(dir);
    expect(() => importDirectory(dir, readDirectory(gws30(), "gws-csv").people, { name: "Other Company", region: "eu-west-1" })).toThrow(ImportRefused);
    expect(readTree(dir)).toEqual(before);
  });

  it("mailorg import exits 2 naming both orgs", () => {
    const tmp = writeOrg({ "users.csv": gws30() });
    const out = join(tmp, "org");
    expect(runCli(["import", join(tmp, "users.csv"), "--format", "gws-csv", "--out", out, "--name", "Example Trading", "--region", "eu-west-1"]).status).toBe(0);
    const r = runCli(["import", join(tmp, "users.csv"), "--format", "gws-csv", "--out", out, "--name", "Other Company", "--region", "eu-west-1"]);
    expect([r.status, r.stderr]).toEqual([2, `mailorg: ${out} holds the org 'Example Trading', not 'Other Company'; give --out a new directory for 'Other Company', or leave --name out to add these people to 'Example Trading'\n`]);
    expect(readFileSync(join(out, "organisation.yaml"), "utf8")).toContain("name: Example Trading");
  });
});

describe("o'brien on the mailbox host", () => {
  it("the migrate command SSM runs passes the address as one word to the host's shell", async () => {
    const { mockClient } = await import("aws-sdk-client-mock");
    const { SSMClient, SendCommandCommand, PutParameterCommand, ListCommandInvocationsCommand, DeleteParameterCommand } = await import("@aws-sdk/client-ssm");
    const { migrateOnHost } = await import("../mailhost/migrate-remote.ts");
    const { execFileSync } = await import("node:child_process");
    const ssm = mockClient(SSMClient);
    ssm.on(PutParameterCommand).resolves({}).on(DeleteParameterCommand).resolves({}).on(SendCommandCommand).resolves({ Command: { CommandId: "c1" } });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [{ Status: "Success", CommandPlugins: [{ Output: '{"address":"x","ok":true,"before":0,"after":0}' }] }] });
    const dir = join(writeOrg({ "org/org.yaml": HOST_ORG }), "org");
    const plan = validatePlan(dir, { today: "2026-06-01" }).plan!;
    await migrateOnHost(new SSMClient({ region: "eu-west-1" }), plan.mailhost!, "imaps://imap.gmail.com", { address: "conor.o'brien@example.com", oldUser: "u", oldPassword: "p" }, { pollMs: 0 });
    const command = ssm.commandCalls(SendCommandCommand)[0]!.args[0].input.Parameters!.commands![0]!;
    const argv = execFileSync("bash", ["-c", command.replace("/usr/local/sbin/mailorg-migrate", "printf '%s\\n'")], { encoding: "utf8" }).trimEnd().split("\n");
    expect(argv.slice(0, 2)).toEqual(["--address", "conor.o'brien@example.com"]);
    ssm.restore();
  });
});
