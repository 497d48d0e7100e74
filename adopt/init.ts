/**
 * `mailorg init`: a minimal valid organisation in the example's file layout (organisation.yaml,
 * departments.yaml, groups.yaml, mailboxes.yaml, members/<department>.yaml), each file with the schema
 * modeline pointing at this installation's schema.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { Document, isMap, isScalar, isSeq, visit } from "yaml";
import { SCHEMA_FILE } from "../model/schema.ts";
import { orgIdFromName } from "../plan/naming.ts";

export interface InitOptions {
  readonly name: string;
  /** The org's domains; the first is the main one (DMARC reports go to dmarc@ it). */
  readonly domains: readonly string[];
  readonly region: string;
  /** Code-host owners of organisation-wide changes (and of the top department). */
  readonly owners?: readonly string[];
}

interface SchemaDefs {
  $defs: { domainName: { pattern: string; "x-hint": string }; organisation: { properties: { region: { pattern: string; "x-hint": string } } }; owner: { pattern: string; "x-hint": string } };
}

/** What the schema would refuse in init's options, one message per option; empty when all fit. */
export function initProblems(opts: InitOptions): string[] {
  const defs = (JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as SchemaDefs).$defs;
  const out: string[] = [];
  const check = (option: string, value: string, def: { pattern: string; "x-hint": string }): void => {
    if (!new RegExp(def.pattern).test(value)) out.push(`${option} is '${value.replace(/[\x00-\x1f\x7f]/g, "?")}'; expected ${def["x-hint"]}`);
  };
  if (opts.name.trim() === "" || opts.name.length > 256) out.push(`--name is '${opts.name}'; expected 1 to 256 characters`);
  for (const d of opts.domains) check("--domain", d, defs.domainName);
  check("--region", opts.region, defs.organisation.properties.region);
  for (const o of opts.owners ?? []) check("--owners", o, defs.owner);
  return out;
}

/** The editor modeline for a file at `file`: the schema by a path relative to it. */
export function modeline(file: string): string {
  const rel = relative(dirname(resolve(file)), SCHEMA_FILE).split(sep).join("/");
  return `# yaml-language-server: $schema=${rel}\n`;
}

/** How org files are written: lists of scalars in flow style ([a, b]), as the example org writes them. */
export const YAML_OUTPUT = { lineWidth: 0, flowCollectionPadding: false } as const;

/** Lists of plain values in flow style; with flowItems, each item of the top-level lists as a flow mapping too. */
export function flowStyle(doc: Document, flowItems = false): void {
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  if (!flowItems || !isMap(doc.contents)) return;
  for (const pair of doc.contents.items) if (isSeq(pair.value)) for (const item of pair.value.items) if (isMap(item)) item.flow = true;
}

/** Writes a YAML file with the modeline and an optional comment above the data. */
export function writeOrgFile(file: string, data: unknown, comment?: string, flowItems = false): void {
  mkdirSync(dirname(file), { recursive: true });
  const doc = new Document(data);
  flowStyle(doc, flowItems);
  const head = modeline(file) + (comment ? comment.split("\n").map((l) => `# ${l}\n`).join("") : "");
  writeFileSync(file, head + doc.toString(YAML_OUTPUT));
}

/** Whether dir holds an org already (any YAML file below it). */
export function hasOrg(dir: string): boolean {
  if (!existsSync(dir)) return false;
  const walk = (d: string): boolean =>
    readdirSync(d, { withFileTypes: true }).some((e) => (e.isDirectory() ? walk(join(d, e.name)) : /\.ya?ml$/.test(e.name)));
  return walk(dir);
}

/** The id of the top department an org made from this name gets. */
export function topDepartmentId(name: string): string {
  return orgIdFromName(name);
}

/** Writes the minimal org; refuses a directory that already holds one. Returns the files written, relative to dir. */
export function initOrg(dir: string, opts: InitOptions): string[] {
  if (hasOrg(dir)) throw new Error(`${dir} already holds an org`);
  const problems = initProblems(opts);
  if (problems.length) throw new Error(problems.join("; "));
  const top = topDepartmentId(opts.name);
  const main = opts.domains[0]!.toLowerCase();
  const owners = opts.owners?.length ? { owners: [...opts.owners] } : {};
  const files: [string, unknown, string, boolean?][] = [
    [
      "organisation.yaml",
      {
        organisation: { name: opts.name, region: opts.region, default_department: top, ...owners },
        domains: opts.domains.map((d, i) => ({ name: d.toLowerCase(), ...(i === 0 ? { dmarc: { policy: "none", rua: [`dmarc@${main}`] } } : {}) })),
      },
      "Organisation-wide settings and the mail domains (docs/org-format.md). DMARC starts at policy none: raise it\nto quarantine, then reject, once the reports at rua show only your own mail (docs/dns.md).",
    ],
    ["departments.yaml", { departments: [{ id: top, name: opts.name, ...(opts.owners?.length ? { admins: [...opts.owners] } : {}) }] }, "The department tree; members without departments belong to the top one.", true],
    ["mailboxes.yaml", { mailboxes: [{ address: `dmarc@${main}`, name: "DMARC reports" }] }, "Shared mailboxes; dmarc@ receives the DMARC aggregate reports.", true],
    ["groups.yaml", { groups: [] }, "Mail groups."],
    [`members/${top}.yaml`, { members: [] }, "People, one file per top-level department (mailorg import adds them here)."],
  ];
  for (const [rel, data, comment, flowItems] of files) writeOrgFile(join(dir, rel), data, comment, flowItems);
  return files.map(([rel]) => rel);
}
