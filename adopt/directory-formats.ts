/**
 * Directory exports read into one shape, a Person per account: Google Workspace's and Microsoft 365's user
 * CSV downloads (csv-parse), LDIF from OpenLDAP or Active Directory (RFC 2849), and vCard 3/4 (ical.js).
 * Column and attribute names are the vendors' documented ones; nothing here writes YAML.
 */
import { parse as parseCsv } from "csv-parse/sync";
import ICAL from "ical.js";

export const FORMATS = ["gws-csv", "m365-csv", "ldif", "vcard"] as const;
export type DirectoryFormat = (typeof FORMATS)[number];

export interface Person {
  /** Primary address as exported. */
  readonly address: string;
  readonly name: string;
  readonly title?: string;
  readonly phone?: string;
  /** Further addresses of the account (M365 proxy addresses, AD proxyAddresses, LDAP mail values, vCard EMAIL). */
  readonly aliases: readonly string[];
  /** Department path, outermost first (an OU path, a department column split at '/', a vCard ORG's units); empty: none. */
  readonly departmentPath: readonly string[];
  /** Suspended, archived, blocked, disabled or deleted in the source. */
  readonly suspended: boolean;
  /** The mail the account holds at the old provider, in MB, when the export says (Google's Email Usage). */
  readonly usageMb?: number;
  /** Where in the file it came from, for messages: "line 4", "entry 3". */
  readonly where: string;
}

export interface DirectoryRead {
  readonly people: Person[];
  /** Records that are not people with an address, one line each. */
  readonly skipped: string[];
}

export function readDirectory(text: string, format: DirectoryFormat): DirectoryRead {
  switch (format) {
    case "gws-csv":
      return readGoogleCsv(text);
    case "m365-csv":
      return readM365Csv(text);
    case "ldif":
      return readLdif(text);
    case "vcard":
      return readVcard(text);
  }
}

const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const clean = (s: string | undefined): string | undefined => {
  const t = s?.trim();
  return t ? t : undefined;
};
/** Han, Hiragana, Katakana and Hangul: scripts whose names are written family name first, without a space. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * A person's name from given and family names, in the order of its script: 张伟 (family 张, given 伟),
 * 山田太郎, 김철수; Wei Lin for a name written in Latin letters (given name first, as exported).
 */
export function fullName(given: string | undefined, family: string | undefined): string | undefined {
  const g = clean(given);
  const f = clean(family);
  if (g && f && (CJK.test(g) || CJK.test(f))) return `${f}${g}`;
  return clean([g, f].filter(Boolean).join(" "));
}

/**
 * A usage figure as Google's user download writes it ("3.2G", "800M", "1.5 GB", "512KB", "0") in MB, or
 * undefined when there is none or it is not a size.
 */
export function usageMb(s: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(s?.trim() ?? "");
  if (!m) return undefined;
  const factor = { "": 1 / (1024 * 1024), K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G" | "T"];
  return Math.ceil(Number(m[1]) * factor);
}
/** A department path written with '/' (an OU path, or a department column that nests: Sales/East). */
const splitPath = (s: string): string[] => s.split("/").map((x) => x.trim()).filter(Boolean);
const truthy = (s: string | undefined): boolean => /^(true|yes|1)$/i.test(s?.trim() ?? "");

/** CSV rows as objects by header, with the line each starts on. */
function csvRows(text: string, required: readonly string[], format: string): { row: Record<string, string>; line: number }[] {
  const records = parseCsv(text, { bom: true, columns: true, skip_empty_lines: true, relax_column_count: true, info: true }) as { record: Record<string, string>; info: { lines: number } }[];
  const headers = new Set(records[0] ? Object.keys(records[0].record) : []);
  const missing = required.filter((h) => !headers.has(h));
  if (records.length > 0 && missing.length) throw new DirectoryFormatError(`the file has no column ${missing.map((m) => `'${m}'`).join(", ")}; a ${format} export has it (is --format right?)`);
  return records.map((r) => ({ row: r.record, line: r.info.lines }));
}

export class DirectoryFormatError extends Error {}

/** Google Workspace Admin console, Users, Download users (all columns): the bulk-update CSV's headers. */
function readGoogleCsv(text: string): DirectoryRead {
  const people: Person[] = [];
  const skipped: string[] = [];
  for (const { row, line } of csvRows(text, ["Email Address [Required]", "Org Unit Path [Required]"], "Google Workspace")) {
    const address = clean(row["Email Address [Required]"]);
    if (!address || !ADDRESS.test(address)) {
      skipped.push(`line ${line}: no address ('${address ?? ""}')`);
      continue;
    }
    const ou = clean(row["Org Unit Path [Required]"]) ?? "/";
    const status = clean(row["Status [READ ONLY]"]) ?? clean(row["New Status [UPLOAD ONLY]"]) ?? "Active";
    // A secondary address at work (often an address of another of the company's domains) becomes an alias;
    // the import leaves it out, and says so, when it is outside the org's domains.
    const secondary = clean(row["Work Secondary Email"]);
    people.push({
      address,
      name: fullName(row["First Name [Required]"], row["Last Name [Required]"]) ?? address.split("@")[0]!,
      title: clean(row["Employee Title"]),
      phone: clean(row["Work Phone"]) ?? clean(row["Mobile Phone"]),
      aliases: secondary && ADDRESS.test(secondary) ? [secondary] : [],
      // The OU path is the hierarchy; an account in the top OU falls back to its Department column.
      departmentPath: splitPath(ou).length ? splitPath(ou) : splitPath(row["Department"] ?? ""),
      // Archived users (Google's archived-user licence) no longer work there, as suspended ones.
      suspended: /^(suspended|archived)$/i.test(status),
      usageMb: usageMb(row["Email Usage [READ ONLY]"]),
      where: `line ${line}`,
    });
  }
  return { people, skipped };
}

/** Microsoft 365 admin center, Active users, Export users. */
function readM365Csv(text: string): DirectoryRead {
  const people: Person[] = [];
  const skipped: string[] = [];
  for (const { row, line } of csvRows(text, ["User principal name", "Display name"], "Microsoft 365")) {
    // Joined with '+' (or ';'), each starting with its type (SMTP:, smtp:, SIP:, X500:...); a '+' inside an address stays.
    const proxies = (row["Proxy addresses"] ?? "").split(/[+;](?=[A-Za-z0-9]+:)/).map((s) => s.trim()).filter(Boolean);
    // SMTP: (upper case) marks the primary address; smtp: the others.
    const primary = proxies.find((p) => p.startsWith("SMTP:"))?.slice(5) ?? clean(row["User principal name"]);
    if (!primary || !ADDRESS.test(primary)) {
      skipped.push(`line ${line}: no address ('${primary ?? ""}')`);
      continue;
    }
    const aliases = proxies.filter((p) => /^smtp:/.test(p)).map((p) => p.slice(5));
    people.push({
      address: primary,
      name: clean(row["Display name"]) ?? fullName(row["First name"], row["Last name"]) ?? primary.split("@")[0]!,
      title: clean(row["Title"]),
      phone: clean(row["Phone number"]) ?? clean(row["Mobile Phone"]),
      aliases,
      departmentPath: splitPath(row["Department"] ?? ""),
      suspended: truthy(row["Block credential"]) || !!clean(row["Soft deletion time stamp"]),
      where: `line ${line}`,
    });
  }
  return { people, skipped };
}

/** One LDIF entry: attribute names lowercased (options such as ;lang-en dropped), values in order. */
export type LdifEntry = Map<string, string[]>;

/**
 * RFC 2849 content records: folded lines (a leading space continues the previous line), comments, `::`
 * base64 values, `:<` URLs (skipped), entries separated by blank lines. `changetype: add` records (what
 * Active Directory's ldifde writes for every entry) are entries like content records; other change records
 * (modify, delete, modrdn) are skipped.
 */
export function parseLdif(text: string): { entry: LdifEntry; line: number }[] {
  const out: { entry: LdifEntry; line: number }[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let logical: { text: string; line: number }[] = [];
  const flush = (): void => {
    const entry: LdifEntry = new Map();
    for (const l of logical) {
      const m = /^([A-Za-z0-9;.-]+)(::?|:<)\s?(.*)$/.exec(l.text);
      if (!m) throw new DirectoryFormatError(`line ${l.line}: '${l.text.slice(0, 40)}' is not an LDIF attribute line (name: value)`);
      const name = m[1]!.split(";")[0]!.toLowerCase();
      if (m[2] === ":<") continue;
      const value = m[2] === "::" ? Buffer.from(m[3]!, "base64").toString("utf8") : m[3]!;
      entry.set(name, [...(entry.get(name) ?? []), value]);
    }
    const change = entry.get("changetype")?.[0]?.trim().toLowerCase();
    entry.delete("changetype");
    if (entry.has("dn") && (change === undefined || change === "add")) out.push({ entry, line: logical[0]!.line });
    logical = [];
  };
  lines.forEach((raw, i) => {
    if (raw.startsWith(" ") && logical.length) logical[logical.length - 1]!.text += raw.slice(1);
    else if (raw.startsWith("#")) return;
    else if (raw.trim() === "") {
      if (logical.length) flush();
    } else if (/^version:\s*1\s*$/.test(raw) && out.length === 0 && logical.length === 0) return;
    else logical.push({ text: raw, line: i + 1 });
  });
  if (logical.length) flush();
  return out;
}

/** The OU path of a DN, outermost first: ou=East,ou=Sales,dc=example,dc=com -> [Sales, East]. */
export function ouPath(dn: string): string[] {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => /^\s*ou=(.*)$/i.exec(rdn)?.[1]?.replace(/\\(.)/g, "$1").trim())
    .filter((s): s is string => !!s)
    .reverse();
}

/** OpenLDAP (inetOrgPerson) and Active Directory (user) entries, e.g. from ldapsearch or ldifde. */
function readLdif(text: string): DirectoryRead {
  const people: Person[] = [];
  const skipped: string[] = [];
  for (const { entry, line } of parseLdif(text)) {
    const first = (k: string): string | undefined => clean(entry.get(k)?.[0]);
    const classes = (entry.get("objectclass") ?? []).map((c) => c.toLowerCase());
    const dn = first("dn")!;
    if (!classes.some((c) => ["inetorgperson", "user", "person", "organizationalperson"].includes(c)) || classes.includes("computer")) continue;
    const proxies = entry.get("proxyaddresses") ?? [];
    const mails = entry.get("mail") ?? [];
    const address = proxies.find((p) => p.startsWith("SMTP:"))?.slice(5) ?? mails[0];
    if (!address || !ADDRESS.test(address)) {
      skipped.push(`line ${line}: ${dn} has no mail address`);
      continue;
    }
    const aliases = [...mails, ...proxies.filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5))].filter((a) => a.toLowerCase() !== address.toLowerCase());
    const uac = Number(first("useraccountcontrol") ?? "0");
    const ou = ouPath(dn);
    const department = first("department") ?? first("ou");
    people.push({
      address,
      name: first("displayname") ?? first("cn") ?? fullName(first("givenname"), first("sn")) ?? address.split("@")[0]!,
      title: first("title"),
      phone: first("telephonenumber") ?? first("mobile"),
      aliases: [...new Set(aliases)],
      departmentPath: ou.length ? ou : department ? [department] : [],
      // AD: ACCOUNTDISABLE (0x2); OpenLDAP ppolicy: a locked account; 389 DS / FreeIPA: nsAccountLock.
      suspended: (uac & 2) === 2 || entry.has("pwdaccountlockedtime") || truthy(first("nsaccountlock")),
      where: `line ${line}`,
    });
  }
  return { people, skipped };
}

/** vCard 3.0 / 4.0 (a directory's or address book's export): FN, EMAIL (the preferred or work one first), TITLE, TEL, ORG. */
function readVcard(text: string): DirectoryRead {
  const people: Person[] = [];
  const skipped: string[] = [];
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (err) {
    throw new DirectoryFormatError(`not a vCard file: ${(err as Error).message}`);
  }
  const cards = (Array.isArray(parsed) && typeof parsed[0] === "string" ? [parsed] : (parsed as unknown[])) as unknown[];
  cards.forEach((jcard, i) => {
    const card = new ICAL.Component(jcard as never);
    const typesOf = (p: ICAL.Property): string[] => {
      const t = p.getParameter("type");
      return (Array.isArray(t) ? t : t ? [t] : []).flatMap((x) => String(x).toLowerCase().split(","));
    };
    const rank = (p: ICAL.Property): number => (typesOf(p).includes("pref") || p.getParameter("pref") === "1" ? 0 : typesOf(p).includes("work") ? 1 : 2);
    const emails = card
      .getAllProperties("email")
      .map((p, k) => ({ p, k }))
      .sort((a, b) => rank(a.p) - rank(b.p) || a.k - b.k)
      .map(({ p }) => String(p.getFirstValue()).replace(/^mailto:/i, "").trim());
    const address = emails[0];
    const fn = clean(String(card.getFirstPropertyValue("fn") ?? ""));
    if (!address || !ADDRESS.test(address)) {
      skipped.push(`card ${i + 1}${fn ? ` (${fn})` : ""}: no email address`);
      return;
    }
    const tels = card.getAllProperties("tel").sort((a, b) => rank(a) - rank(b));
    const org = card.getFirstProperty("org")?.getValues().flat().map((v) => String(v).trim()) ?? [];
    people.push({
      address,
      name: fn ?? address.split("@")[0]!,
      title: clean(String(card.getFirstPropertyValue("title") ?? "")),
      phone: tels[0] ? String(tels[0].getFirstValue()).replace(/^tel:/i, "") : undefined,
      aliases: emails.slice(1),
      // ORG: organisation name;unit;sub-unit: the units are the department path.
      departmentPath: org.slice(1).filter(Boolean),
      suspended: false,
      where: `card ${i + 1}`,
    });
  });
  return { people, skipped };
}
