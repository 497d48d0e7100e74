/**
 * Directory exports into an org: one realistic export per format, written from the vendor's documented
 * columns and attributes (Google Workspace's user download, Microsoft 365's Export users, OpenLDAP and Active
 * Directory LDIF, vCard 3.0/4.0); each becomes a valid org, and a re-import adds, reports and keeps.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { departmentIdFor, importDirectory } from "../adopt/directory.ts";
import { ouPath, parseLdif, readDirectory } from "../adopt/directory-formats.ts";
import { validatePlan } from "../plan/validate.ts";
import { readTree, runCli, writeOrg } from "./helpers.ts";

/** Google Workspace, Admin console > Directory > Users > Download users (all user info columns). */
export function gwsCsv(): string {
  const header =
    "First Name [Required],Last Name [Required],Email Address [Required],Password [Required],Password Hash Function [UPLOAD ONLY],Org Unit Path [Required],New Primary Email [UPLOAD ONLY],Recovery Email,Home Secondary Email,Work Secondary Email,Recovery Phone [MUST BE IN THE E.164 FORMAT],Work Phone,Home Phone,Mobile Phone,Work Address,Home Address,Employee ID,Employee Type,Employee Title,Manager Email,Department,Cost Center,Building ID,Floor Name,Floor Section,Change Password at Next Sign-In,New Status [UPLOAD ONLY],Status [READ ONLY],Last Sign In [READ ONLY],Email Usage [READ ONLY]";
  return [
    header,
    "Wei,Lin,lin.wei@example.com,****,,/,,lin.wei@gmail.example,,,+8613800000001,+86 10 5555 0100,,,,,E001,Employee,Chief Executive Officer,,Management,,,,,False,,Active,2026/05/30 09:12:44,1.2G",
    "Na,Li,li.na@example.com,****,,/Sales,,,,,,+86 10 5555 0101,,+86 138 0000 0002,,,E002,Employee,Sales Director,lin.wei@example.com,Sales,,,,,False,,Active,2026/05/29 17:40:02,800M",
    'Lei,Zhao,zhao.lei@example.com,****,,/Sales/North,,,,,,"+86 10 5555 0110",,,,,E003,Employee,"Regional Director, North",li.na@example.com,Sales,,,,,False,,Active,2026/05/30 08:01:13,350M',
    "Fang,Wang,wang.fang@example.com,****,,/Finance,,,,,,,,,,,E004,Employee,Accountant,lin.wei@example.com,Finance,,,,,False,,Suspended,2026/01/15 10:00:00,2.1G",
    "Min,Chen,chen.min@example.com,****,,/Sales/North,,,,,,,,,,,E005,Contractor,,zhao.lei@example.com,Sales,,,,,False,,Active,Never logged in,0",
  ].join("\r\n") + "\r\n";
}

/** Microsoft 365 admin center > Users > Active users > Export users. */
function m365Csv(): string {
  const header =
    "Block credential,City,Country/Region,Department,DirSyncEnabled,Display name,Fax,First name,Last dirsync time,Last name,Last password change time stamp,License assignment details,Licenses,Mobile Phone,Oath token meta data,Object Id,Office,Password never expires,Phone number,Postal code,Preferred data location,Preferred language,Proxy addresses,Release track,Soft deletion time stamp,State,Street address,Strong password required,Title,Usage location,User principal name,When created";
  return [
    "\uFEFF" + header,
    "False,Shanghai,China,Sales/East,,Jane Doe,,Jane,,Doe,2026-03-01 08:00:00Z,,contoso:O365_BUSINESS_PREMIUM,+86 139 0000 0001,,3f2a1c9e-0000-4000-8000-000000000001,Room 12,False,+86 21 5555 0200,200000,,en-US,SMTP:jane.doe@contoso.example+smtp:jd@contoso.example+SIP:jane.doe@contoso.example+smtp:jane+news@contoso.example+smtp:jane.doe@contoso.onmicrosoft.com,,,Shanghai,1 Century Ave,True,Account Executive,CN,jane.doe@contoso.example,2024-02-01 09:00:00Z",
    "True,Beijing,China,Finance,,Bob Smith,,Bob,,Smith,2025-11-01 08:00:00Z,,contoso:O365_BUSINESS_PREMIUM,,,3f2a1c9e-0000-4000-8000-000000000002,,False,,100000,,en-US,SMTP:bob.smith@contoso.example,,,Beijing,,True,Controller,CN,bob.smith@contoso.example,2023-05-10 09:00:00Z",
    "False,,,,,Room Booking,,,,,,,,,,3f2a1c9e-0000-4000-8000-000000000003,,False,,,,,,,,,,True,,CN,rooms@contoso.onmicrosoft.com,2023-05-10 09:00:00Z",
  ].join("\r\n") + "\r\n";
}

/** ldapsearch output of an OpenLDAP directory (inetOrgPerson under nested OUs) plus an Active Directory user. */
function ldif(): string {
  return `version: 1

# People
dn: ou=People,dc=example,dc=org
objectClass: organizationalUnit
ou: People

dn: uid=ann.lee,ou=Engineering,ou=People,dc=example,dc=org
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: inetOrgPerson
uid: ann.lee
cn: Ann Lee
sn: Lee
givenName: Ann
mail: ann.lee@example.org
mail: a.lee@example.org
title: Staff Engineer
telephoneNumber: +1 555 0100

dn: uid=zhang.wei,ou=Platform,ou=Engineering,ou=People,dc=example,dc=org
objectClass: inetOrgPerson
uid: zhang.wei
cn: Zhang Wei
sn: Zhang
displayName:: 5byg5Lyf
mail: zhang.wei@example.org
title: Site Reliability Engineer, Platform Team, responsible for the mail
  relays
mobile: +86 139 0000 0003
pwdAccountLockedTime: 000001010000Z

dn: CN=Sam Ray,OU=Sales,OU=Staff,DC=example,DC=org
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: Sam Ray
displayName: Sam Ray
mail: sam.ray@example.org
proxyAddresses: SMTP:sam.ray@example.org
proxyAddresses: smtp:sales-sam@example.org
department: Sales
userAccountControl: 514

dn: CN=WS-0042,OU=Computers,DC=example,DC=org
objectClass: computer
cn: WS-0042
`;
}

/** An address book export: vCard 3.0 (with ORG units) and 4.0 (tel: URI, Chinese names). */
function vcards(): string {
  return [
    "BEGIN:VCARD", "VERSION:3.0", "N:Li;Na;;;", "FN:Li Na", "ORG:Example Trading;Sales;North", "TITLE:Account Manager",
    "EMAIL;TYPE=INTERNET,WORK,pref:li.na@example.com", "EMAIL;TYPE=INTERNET,WORK:ln@example.com", "EMAIL;TYPE=INTERNET,HOME:lina@home.example",
    "TEL;TYPE=WORK,VOICE:+86 10 5555 0101", "END:VCARD",
    "BEGIN:VCARD", "VERSION:4.0", "FN:王芳", "N:王;芳;;;", "ORG:Example Trading;财务部", "EMAIL;TYPE=work:wang.fang@example.com",
    "TEL;VALUE=uri;TYPE=work:tel:+86-10-5555-0102", "END:VCARD",
    "BEGIN:VCARD", "VERSION:3.0", "FN:Front Desk", "TEL;TYPE=WORK:+86 10 5555 0000", "END:VCARD",
  ].join("\r\n") + "\r\n";
}

const summary = (dir: string) => {
  const r = validatePlan(dir, { today: "2026-06-01" });
  return {
    ok: r.ok,
    errors: r.diagnostics.filter((d) => d.severity === "error"),
    members: r.org.members.map((m) => [m.address, m.name, m.title ?? null, m.phone ?? null, m.departments ?? [], m.aliases ?? [], m.status ?? "active"]),
    departments: r.org.departments.map((d) => [d.id, d.name, d.parent ?? null]),
  };
};

describe("reading each export format", () => {
  it("Google Workspace: OU paths (the Department column for the top OU), titles, work phone first, Suspended status", () => {
    const r = readDirectory(gwsCsv(), "gws-csv");
    expect(r.people.map((p) => [p.address, p.name, p.departmentPath.join("/"), p.title ?? null, p.phone ?? null, p.suspended])).toEqual([
      ["lin.wei@example.com", "Wei Lin", "Management", "Chief Executive Officer", "+86 10 5555 0100", false],
      ["li.na@example.com", "Na Li", "Sales", "Sales Director", "+86 10 5555 0101", false],
      ["zhao.lei@example.com", "Lei Zhao", "Sales/North", "Regional Director, North", "+86 10 5555 0110", false],
      ["wang.fang@example.com", "Fang Wang", "Finance", "Accountant", null, true],
      ["chen.min@example.com", "Min Chen", "Sales/North", null, null, false],
    ]);
  });

  it("Microsoft 365: the SMTP: proxy is primary, smtp: ones are aliases, Block credential is suspended", () => {
    const r = readDirectory(m365Csv(), "m365-csv");
    expect(r.people.map((p) => [p.address, p.aliases, p.departmentPath, p.phone ?? null, p.suspended])).toEqual([
      ["jane.doe@contoso.example", ["jd@contoso.example", "jane+news@contoso.example", "jane.doe@contoso.onmicrosoft.com"], ["Sales", "East"], "+86 21 5555 0200", false],
      ["bob.smith@contoso.example", [], ["Finance"], null, true],
      ["rooms@contoso.onmicrosoft.com", [], [], null, false],
    ]);
  });

  it("LDIF: folded and base64 values, OU paths, other mail values and proxyAddresses as aliases, locked and disabled accounts", () => {
    expect(ouPath("CN=Ray\\, Sam,OU=Sales,OU=Staff,DC=example,DC=org")).toEqual(["Staff", "Sales"]);
    expect(parseLdif(ldif()).map((e) => e.entry.get("dn")![0])).toContain("uid=ann.lee,ou=Engineering,ou=People,dc=example,dc=org");
    const r = readDirectory(ldif(), "ldif");
    expect(r.people.map((p) => [p.address, p.name, p.departmentPath.join("/"), p.title ?? null, p.aliases, p.suspended])).toEqual([
      ["ann.lee@example.org", "Ann Lee", "People/Engineering", "Staff Engineer", ["a.lee@example.org"], false],
      ["zhang.wei@example.org", "张伟", "People/Engineering/Platform", "Site Reliability Engineer, Platform Team, responsible for the mail relays", [], true],
      ["sam.ray@example.org", "Sam Ray", "Staff/Sales", null, ["sales-sam@example.org"], true],
    ]);
  });

  it("vCard: the preferred work address first, ORG units as the department path, a card without email skipped", () => {
    const r = readDirectory(vcards(), "vcard");
    expect(r.people.map((p) => [p.address, p.name, p.departmentPath, p.phone ?? null, p.aliases])).toEqual([
      ["li.na@example.com", "Li Na", ["Sales", "North"], "+86 10 5555 0101", ["ln@example.com", "lina@home.example"]],
      ["wang.fang@example.com", "王芳", ["财务部"], "+86-10-5555-0102", []],
    ]);
    expect(r.skipped).toEqual(["card 3 (Front Desk): no email address"]);
  });

  it("a file that is not the format named is an error naming the missing column", () => {
    expect(() => readDirectory(m365Csv(), "gws-csv")).toThrow("the file has no column 'Email Address [Required]', 'Org Unit Path [Required]'; a Google Workspace export has it (is --format right?)");
  });
});

describe("an export becomes a valid org", () => {
  const fresh = (text: string, format: Parameters<typeof readDirectory>[1]) => {
    const dir = join(writeOrg({}), "org");
    const report = importDirectory(dir, readDirectory(text, format).people, { name: "Example Trading", region: "eu-west-1" });
    return { dir, report };
  };

  it("Google Workspace: nested departments under the top one, suspended as departed without a successor", () => {
    const { dir, report } = fresh(gwsCsv(), "gws-csv");
    expect(report).toMatchObject({ created: true, departed: ["wang.fang@example.com"], departmentsAdded: ["management", "sales", "sales-north", "finance"], gone: [], notes: [] });
    const s = summary(dir);
    expect(s.errors).toEqual([]);
    expect(s.ok).toBe(true);
    expect(s.departments).toEqual([
      ["example-trading", "Example Trading", null],
      ["management", "Management", "example-trading"],
      ["sales", "Sales", "example-trading"],
      ["sales-north", "North", "sales"],
      ["finance", "Finance", "example-trading"],
    ]);
    expect(s.members).toContainEqual(["wang.fang@example.com", "Fang Wang", "Accountant", null, ["finance"], [], "departed"]);
    expect(s.members).toContainEqual(["lin.wei@example.com", "Wei Lin", "Chief Executive Officer", "+86 10 5555 0100", ["management"], [], "active"]);
    expect(Object.keys(readTree(dir))).toEqual(["departments.yaml", "groups.yaml", "mailboxes.yaml", "members/example-trading.yaml", "members/finance.yaml", "members/management.yaml", "members/sales.yaml", "organisation.yaml"]);
    for (const text of Object.values(readTree(dir))) expect(text).toMatch(/^# yaml-language-server: \$schema=\S+schemas\/org\.schema\.json\n/);
  });

  it("Microsoft 365: the tenant's onmicrosoft.com addresses are left out, not made org domains", () => {
    const { dir, report } = fresh(m365Csv(), "m365-csv");
    expect(report.notes).toEqual([
      "line 2: alias jane.doe@contoso.onmicrosoft.com of jane.doe@contoso.example is outside the org's domains; left out",
      "line 4: rooms@contoso.onmicrosoft.com is not in the org's domains (contoso.example); left out (add the domain first)",
    ]);
    const s = summary(dir);
    expect([s.ok, s.errors]).toEqual([true, []]);
    expect(s.members).toEqual([
      ["bob.smith@contoso.example", "Bob Smith", "Controller", null, ["finance"], [], "departed"],
      ["jane.doe@contoso.example", "Jane Doe", "Account Executive", "+86 21 5555 0200", ["sales-east"], ["jd@contoso.example", "jane+news@contoso.example"], "active"],
    ]);
  });

  it("LDIF and vCard: valid orgs; a Chinese department name gets its pinyin as id", () => {
    for (const [text, format] of [[ldif(), "ldif"], [vcards(), "vcard"]] as const) {
      const { dir } = fresh(text, format);
      const s = summary(dir);
      expect([format, s.ok, s.errors]).toEqual([format, true, []]);
    }
    expect(departmentIdFor(["财务部"])).toBe("caiwubu");
    expect(departmentIdFor(["Sales", "Région Est"])).toBe("sales-region-est");
  });
});

describe("re-importing into an existing org", () => {
  it("adds new people, reports people gone and differences, and never rewrites hand-made fields or comments", () => {
    const dir = join(writeOrg({}), "org");
    importDirectory(dir, readDirectory(gwsCsv(), "gws-csv").people, { name: "Example Trading", region: "eu-west-1" });
    // Hand edits: a comment, a changed title, a forward for the departed, a group.
    const sales = join(dir, "members/sales.yaml");
    writeFileSync(sales, readFileSync(sales, "utf8").replace("    title: Sales Director\n", "    # promoted in May\n    title: VP Sales\n    aliases: [ln@example.com]\n"));
    const finance = join(dir, "members/finance.yaml");
    writeFileSync(finance, readFileSync(finance, "utf8").replace("    status: departed\n", "    status: departed\n    forward_to: [lin.wei@example.com]\n"));
    const before = readTree(dir);
    // The next export: Chen Min has left the directory, Zhao Lei is suspended, a new person in a new OU.
    const next = gwsCsv()
      .split("\r\n")
      .filter((l) => !l.startsWith("Min,Chen"))
      .map((l) => (l.startsWith("Lei,Zhao") ? l.replace(",Active,", ",Suspended,") : l))
      .join("\r\n") + "Qiang,Sun,sun.qiang@example.com,****,,/Sales/South,,,,,,,,,,,E006,Employee,Account Manager,li.na@example.com,Sales,,,,,False,,Active,Never logged in,0\r\n";
    const report = importDirectory(dir, readDirectory(next, "gws-csv").people);
    expect(report).toEqual({
      created: false,
      added: ["sun.qiang@example.com"],
      departed: [],
      departmentsAdded: ["sales-south"],
      gone: ["chen.min@example.com"],
      differs: ["zhao.lei@example.com is suspended in the export but active in the org (set status: departed and forward_to by hand if they left)"],
      notes: [],
      matched: [],
      quotas: [],
    });
    const after = readTree(dir);
    expect(after["members/sales.yaml"]!.startsWith(before["members/sales.yaml"]!.trimEnd())).toBe(true);
    expect(after["members/sales.yaml"]).toContain("    # promoted in May\n    title: VP Sales\n");
    expect(after["members/finance.yaml"]).toBe(before["members/finance.yaml"]);
    expect(after["organisation.yaml"]).toBe(before["organisation.yaml"]);
    expect(after["departments.yaml"]).toBe(before["departments.yaml"]!.trimEnd() + "\n  - {id: sales-south, name: South, parent: sales}\n");
    expect(summary(dir).ok).toBe(true);
    // The same export again changes nothing.
    expect(importDirectory(dir, readDirectory(next, "gws-csv").people).added).toEqual([]);
    expect(readTree(dir)).toEqual(after);
  });
});

describe("mailorg import FILE (wiring)", () => {
  it("writes the org, reports, and exits 0 with the departed member's warning", () => {
    const tmp = writeOrg({ "users.csv": gwsCsv() });
    const out = join(tmp, "org");
    const r = runCli(["import", join(tmp, "users.csv"), "--format", "gws-csv", "--out", out, "--name", "Example Trading", "--region", "eu-west-1", "--owners", "@example/mail-admins"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`created ${out}: 5 people added, 4 departments added\n`);
    expect(r.stdout).toContain("added as departed, suspended in the export (set forward_to to a successor) (1):\n  wang.fang@example.com\n");
    expect(r.stderr).toContain("warning [forward-to] departed member wang.fang@example.com has no forward_to");
    const v = runCli(["validate", "--org", out]);
    expect([v.status, v.stdout]).toEqual([0, `${out}: valid: 1 domains, 5 departments, 5 members, 0 groups, 1 mailboxes\n`]);
  });

  it("usage errors: a new org without --name, a file of another format", () => {
    const tmp = writeOrg({ "users.csv": m365Csv() });
    const a = runCli(["import", join(tmp, "users.csv"), "--format", "m365-csv", "--out", join(tmp, "org")]);
    expect([a.status, a.stderr]).toEqual([2, `mailorg: --out ${join(tmp, "org")} holds no org yet: give --name and --region for the new one\n`]);
    const b = runCli(["import", join(tmp, "users.csv"), "--format", "gws-csv", "--out", join(tmp, "org"), "--name", "X", "--region", "eu-west-1"]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain("has no column 'Email Address [Required]'");
  });
});
