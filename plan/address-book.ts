/**
 * The company address book, computed once in the plan: every active member, group and shared mailbox with
 * name, address, department path, title and phone, sorted by address, without what
 * organisation.address_book.hide keeps out. Departed and disabled members are never in it, so a leaver
 * disappears with the change that marks them departed. `mailorg address-book` renders it as vCard 4.0 or CSV.
 */
import { canon, memberDepartments, memberStatus, type Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";

export interface AddressBookEntry {
  readonly kind: "member" | "group" | "mailbox";
  readonly address: string;
  readonly name: string;
  /** Each department as its path from the top ("Head Office / Sales"); a group has none. */
  readonly departments: readonly string[];
  readonly title?: string;
  readonly phone?: string;
}

/** The department's path from the top of its tree, by name (cycle-safe). */
export function departmentPath(index: OrgIndex, id: string): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  for (let d = index.departments.get(id); d && !seen.has(d.id); d = d.parent === undefined ? undefined : index.departments.get(d.parent)) {
    seen.add(d.id);
    path.unshift(d.name);
  }
  return path;
}

export function planAddressBook(org: Org, index: OrgIndex): AddressBookEntry[] {
  const hide = org.organisation.address_book?.hide ?? [];
  const hiddenAddresses = new Set(hide.filter((r) => !r.startsWith("department:")).map(canon));
  const hiddenDepartments = new Set(hide.filter((r) => r.startsWith("department:")).flatMap((r) => index.subtree(r.slice("department:".length))));
  const paths = (ids: readonly string[]): string[] => ids.map((id) => departmentPath(index, id).join(" / "));
  const shown = (address: string, departments: readonly string[]): boolean => !hiddenAddresses.has(address) && !departments.some((d) => hiddenDepartments.has(d));
  const out: AddressBookEntry[] = [];
  for (const m of org.members) {
    const address = canon(m.address);
    const deps = memberDepartments(org, m);
    if (memberStatus(m) !== "active" || !shown(address, deps)) continue;
    out.push({ kind: "member", address, name: m.name, departments: paths(deps), ...(m.title ? { title: m.title } : {}), ...(m.phone ? { phone: m.phone } : {}) });
  }
  for (const g of org.groups) {
    const address = canon(g.address);
    if (shown(address, [])) out.push({ kind: "group", address, name: g.name, departments: [] });
  }
  for (const mb of org.mailboxes) {
    const address = canon(mb.address);
    const deps = mb.department ? [mb.department] : [];
    if (shown(address, deps)) out.push({ kind: "mailbox", address, name: mb.name, departments: paths(deps) });
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** vCard 4.0 text escaping (RFC 6350 3.4): backslash, comma, semicolon, newline. */
const vEscape = (s: string): string => s.replace(/[\\,;]/g, (c) => `\\${c}`).replace(/\r?\n/g, "\\n");

/** A content line folded at 75 octets (RFC 6350 3.2), never inside a UTF-8 sequence. */
function fold(line: string): string {
  const bytes = Buffer.from(line);
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end).toString());
    start = end;
    limit = 74; // continuation lines start with a space
  }
  return parts.join("\r\n ");
}

/** The address book as vCard 4.0 (RFC 6350): one card per entry, KIND individual, group or org, CRLF lines. */
export function addressBookVcard(orgName: string, entries: readonly AddressBookEntry[]): string {
  return entries
    .map((e) => {
      const dept = e.departments[0]?.split(" / ") ?? [];
      const lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        `KIND:${e.kind === "member" ? "individual" : e.kind === "group" ? "group" : "org"}`,
        `UID:mailto:${e.address}`,
        `FN:${vEscape(e.name)}`,
        `EMAIL;TYPE=work:${e.address}`,
        `ORG:${[orgName, ...dept].map(vEscape).join(";")}`,
        ...(e.title ? [`TITLE:${vEscape(e.title)}`] : []),
        ...(e.phone ? [`TEL;VALUE=text;TYPE=work:${vEscape(e.phone)}`] : []),
        ...(e.departments.length > 1 ? [`NOTE:${vEscape(`Departments: ${e.departments.join("; ")}`)}`] : []),
        "END:VCARD",
      ];
      return lines.map(fold).join("\r\n") + "\r\n";
    })
    .join("");
}

/** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a leading = + - @ is prefixed with ' (spreadsheet formulas). */
const csvField = (s: string): string => {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The address book as CSV with a header row: name, address, kind, department, title, phone. */
export function addressBookCsv(entries: readonly AddressBookEntry[]): string {
  const rows = [["name", "address", "kind", "department", "title", "phone"], ...entries.map((e) => [e.name, e.address, e.kind, e.departments.join("; "), e.title ?? "", e.phone ?? ""])];
  return rows.map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}
