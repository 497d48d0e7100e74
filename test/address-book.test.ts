/**
 * The company address book: who is in it (active members, groups, shared mailboxes; never departed or disabled
 * members; hide by address or department subtree), decided in process; the vCard export read back with a
 * vCard 4 parser (ical.js), the CSV with csv-parse; and the CLI.
 */
import { parse as parseCsv } from "csv-parse/sync";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { addressBookCsv, addressBookVcard, planAddressBook } from "../plan/address-book.ts";
import { runCli, writeOrg } from "./helpers.ts";

const ORG = (hide: string) => `organisation:
  name: Acme Inc
  region: eu-west-1
  default_department: hq
  owners: ["@acme/owners"]
${hide}domains:
  - { name: example.com }
departments:
  - { id: hq, name: Head Office }
  - { id: sales, name: Sales, parent: hq }
  - { id: east, name: "Sales East; Asia, North", parent: sales }
  - { id: ops, name: Ops, parent: hq }
members:
  - { address: Li.Na@example.com, name: Li Na, departments: [east], title: "Head of Sales, East", phone: "+86 21 5555 0101" }
  - { address: wu.bo@example.com, name: Wu Bo, departments: [ops, sales] }
  - { address: zed@example.com, name: "Zed \\u00c9l\\u00e8ve-Longname-With-Many-Characters-To-Fold-The-Line-At-Seventy-Five", title: Intern }
  - { address: gone@example.com, name: Gone, status: departed, forward_to: [wu.bo@example.com] }
  - { address: off@example.com, name: Off, status: disabled }
groups:
  - { address: all@example.com, name: Everyone, members: ["department:hq"] }
mailboxes:
  - { address: hr@example.com, name: HR, department: ops }
`;

const load = (hide = "") => {
  const dir = writeOrg({ "org.yaml": ORG(hide) });
  const r = validateOrg(dir, { today: "2026-06-01" });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { dir, book: planAddressBook(r.org, r.index!) };
};

describe("the address book", () => {
  it("lists active members, groups and shared mailboxes with their department paths; departed and disabled members are not in it", () => {
    expect(load().book).toEqual([
      { kind: "group", address: "all@example.com", name: "Everyone", departments: [] },
      { kind: "mailbox", address: "hr@example.com", name: "HR", departments: ["Head Office / Ops"] },
      { kind: "member", address: "li.na@example.com", name: "Li Na", departments: ["Head Office / Sales / Sales East; Asia, North"], title: "Head of Sales, East", phone: "+86 21 5555 0101" },
      { kind: "member", address: "wu.bo@example.com", name: "Wu Bo", departments: ["Head Office / Ops", "Head Office / Sales"] },
      { kind: "member", address: "zed@example.com", name: expect.stringMatching(/^Zed Él/), departments: ["Head Office"], title: "Intern" },
    ]);
  });

  it("keeps out what hide lists: an address, and a department with its sub-departments", () => {
    expect(load('  address_book: { hide: ["ZED@example.com", "department:sales"] }\n').book.map((e) => e.address)).toEqual(["all@example.com", "hr@example.com"]);
    expect(load('  address_book: { hide: ["department:ops", "all@example.com"] }\n').book.map((e) => e.address)).toEqual(["li.na@example.com", "zed@example.com"]);
  });

  it("vCard 4.0 that a vCard parser reads back: one card per entry with kind, name, address, organisation and department, title and phone", () => {
    const { book } = load();
    const text = addressBookVcard("Acme Inc", book);
    expect(text.split("\r\n").every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    const parsed = ICAL.parse(`${text}`) as unknown;
    const cards = (Array.isArray((parsed as unknown[])[0]) ? (parsed as unknown[]) : [parsed]).map((j) => new ICAL.Component(j as never));
    const read = cards.map((c) => ({
      version: c.getFirstPropertyValue("version"),
      kind: c.getFirstPropertyValue("kind"),
      fn: c.getFirstPropertyValue("fn"),
      email: c.getFirstPropertyValue("email"),
      org: c.getFirstProperty("org")?.getValues().flat(),
      title: c.getFirstPropertyValue("title"),
      tel: c.getFirstPropertyValue("tel"),
    }));
    expect(read.map((r) => r.version)).toEqual(["4.0", "4.0", "4.0", "4.0", "4.0"]);
    expect(read[0]).toMatchObject({ kind: "group", fn: "Everyone", email: "all@example.com", org: ["Acme Inc"] });
    expect(read[1]).toMatchObject({ kind: "org", fn: "HR", email: "hr@example.com", org: ["Acme Inc", "Head Office", "Ops"] });
    expect(read[2]).toEqual({ version: "4.0", kind: "individual", fn: "Li Na", email: "li.na@example.com", org: ["Acme Inc", "Head Office", "Sales", "Sales East; Asia, North"], title: "Head of Sales, East", tel: "+86 21 5555 0101" });
    expect(read[4]!.fn).toBe(book[4]!.name);
  });

  it("CSV with a header that csv-parse reads back", () => {
    const rows = parseCsv(addressBookCsv(load().book), { columns: true }) as Record<string, string>[];
    expect(rows[2]).toEqual({ name: "Li Na", address: "li.na@example.com", kind: "member", department: "Head Office / Sales / Sales East; Asia, North", title: "Head of Sales, East", phone: "'+86 21 5555 0101" });
    expect(rows[3]!.department).toBe("Head Office / Ops; Head Office / Sales");
  });

  it("mailorg address-book --format vcard|csv prints it; a hide entry that names nothing is an error at its line", () => {
    const { dir, book } = load();
    expect(runCli(["address-book", "--org", dir, "--format", "csv"]).stdout).toBe(addressBookCsv(book));
    expect(runCli(["address-book", "--org", dir]).stdout).toBe(addressBookVcard("Acme Inc", book));
    const bad = runCli(["address-book", "--org", writeOrg({ "org.yaml": ORG('  address_book: { hide: ["nobody@example.com"] }\n') })]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/org\.yaml:6:\d+: error \[ref-resolves\] .*nobody@example\.com/);
  });
});
