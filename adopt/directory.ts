/**
 * A directory export into an org: a new org (with init's layout) or one that exists, edited in place with
 * the Document API. New people are appended to the file of their top-level department, new departments to
 * the departments file; a person already in the org is never rewritten (what the export says differently is
 * reported), and people the export no longer has are reported, not removed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import anyAscii from "any-ascii";
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from "yaml";
import { canon } from "../model/org.ts";
import { SCHEMA_FILE } from "../model/schema.ts";
import { fnv1a } from "../plan/naming.ts";
import type { Person } from "./directory-formats.ts";
import { hasOrg, initOrg, modeline } from "./init.ts";
import { orgDocuments, saveDocument, sectionItems, str, type OrgDocument } from "./yaml-edit.ts";

export interface DirectoryImportOptions {
  /** For a new org: its name, region and owners (`mailorg init`'s). */
  readonly name?: string;
  readonly region?: string;
  readonly owners?: readonly string[];
}

export interface DirectoryImportReport {
  /** Whether the org was created by this import. */
  readonly created: boolean;
  readonly added: string[];
  /** Added with status: departed (suspended, blocked or disabled in the source). */
  readonly departed: string[];
  readonly departmentsAdded: string[];
  /** Members of the org (not departed) the export does not have. */
  readonly gone: string[];
  /** People already in the org whose export record says something else; the org is left as it is. */
  readonly differs: string[];
  /** What was left out, one line each (invalid addresses, aliases outside the org's domains, duplicates). */
  readonly notes: string[];
  /** People of the export found in the org under another of their addresses: "export address: org member". */
  readonly matched: string[];
  /** Members given a quota_mb from their usage at the old provider, or (without a mailbox host) whose usage passes the default quota. */
  readonly quotas: string[];
}

/** The import would write into an org it was not meant for (another organisation's directory). */
export class ImportRefused extends Error {}

/** Headroom over a mailbox's current usage: half as much again, in whole GB. */
export function quotaFromUsage(usageMb: number): number {
  return Math.max(1, Math.ceil((usageMb * 1.5) / 1024)) * 1024;
}

const MAX_ALIASES = 5;
/** A provider's own routing domain (Microsoft 365's tenant.onmicrosoft.com), never one of the org's mail domains. */
const TENANT_DOMAIN = /(^|\.)onmicrosoft\.com$/;
const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as { $defs: { address: { pattern: string }; domain: { properties: { tls_rpt: { items: { pattern: string } } } } } };
/** The schema's own patterns: what an org may hold, so an import never writes an org the schema refuses. */
export const ADDRESS = new RegExp(schema.$defs.address.pattern);
export const TLS_RPT_URI = new RegExp(schema.$defs.domain.properties.tls_rpt.items.pattern);

/**
 * A readable department id for a path: its names transliterated to ASCII (any-ascii: pinyin for Chinese,
 * 财务部 -> caiwubu; Région Est -> region-est) and slugged, each name one word; d-<hash> only when nothing
 * readable remains (a name of symbols).
 */
export function departmentIdFor(path: readonly string[]): string {
  const s = anyAscii(path.join(" ")).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (/^[a-z0-9]/.test(s)) return s.slice(0, 48).replace(/-+$/, "");
  return `d-${fnv1a(path.join("/")).toString(36)}`;
}

export function importDirectory(dir: string, people: readonly Person[], opts: DirectoryImportOptions = {}): DirectoryImportReport {
  const notes: string[] = [];
  let created = false;
  if (!hasOrg(dir)) {
    if (!opts.name || !opts.region) throw new Error("a new org needs --name and --region");
    const counts = new Map<string, number>();
    for (const p of people) {
      const domain = canon(p.address).split("@")[1]!;
      if (ADDRESS.test(p.address) && !TENANT_DOMAIN.test(domain)) counts.set(domain, (counts.get(domain) ?? 0) + 1);
    }
    const domains = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([d]) => d);
    if (domains.length === 0) throw new ImportRefused(`the export has no person with a valid address in a domain the org can have (${people.length} read); is --format right?`);
    initOrg(dir, { name: opts.name, region: opts.region, domains, owners: opts.owners });
    created = true;
  }
  const docs = orgDocuments(dir);
  const org = docs.map((d) => d.doc.get("organisation", true)).find(isMap) as YAMLMap | undefined;
  const orgName = org ? str(org, "name") : undefined;
  if (!created && opts.name !== undefined && orgName !== undefined && orgName.trim() !== opts.name.trim()) {
    throw new ImportRefused(`${dir} holds the org '${orgName}', not '${opts.name}'; give --out a new directory for '${opts.name}', or leave --name out to add these people to '${orgName}'`);
  }
  const host = org?.get("mailbox_host", true);
  const defaultQuota = isMap(host) ? Number(host.get("default_quota_mb") ?? 2048) : undefined;
  const top = org ? String(org.get("default_department")) : undefined;
  if (!top) throw new Error(`${dir} has no organisation.default_department`);
  const domains = new Set(sectionItems(docs, "domains").map((x) => canon(str(x.item, "name") ?? "")));

  // Departments: matched by name under the same parent, else added.
  const depts = sectionItems(docs, "departments").map((x) => ({ id: str(x.item, "id")!, name: str(x.item, "name") ?? "", parent: str(x.item, "parent") }));
  const ids = new Set(depts.map((d) => d.id));
  const deptDoc = docs.find((d) => isSeq(d.doc.get("departments", true))) ?? newDocument(dir, "departments.yaml", "departments");
  const departmentsAdded: string[] = [];
  const departmentOf = (path: readonly string[]): { id: string; topLevel: string } => {
    let parent = top;
    let topLevel = top;
    path.forEach((name, i) => {
      const found = depts.find((d) => d.name === name && (d.parent ?? top) === parent && d.id !== top);
      let id = found?.id;
      if (!id) {
        id = departmentIdFor(path.slice(0, i + 1));
        if (ids.has(id)) id = `${id}-${fnv1a(path.slice(0, i + 1).join("/")).toString(36)}`;
        ids.add(id);
        depts.push({ id, name, parent });
        (deptDoc.doc.get("departments", true) as YAMLSeq).add(flowMap(deptDoc, { id, name, parent }));
        departmentsAdded.push(id);
      }
      if (i === 0) topLevel = id;
      parent = id;
    });
    return { id: parent, topLevel };
  };

  // Every address the org already uses, so nothing is added twice; a member is found by any of theirs.
  const members = sectionItems(docs, "members");
  const memberAddress = (item: YAMLMap): string => canon(str(item, "address") ?? "");
  const byAddress = new Map<string, YAMLMap>();
  for (const x of members) {
    byAddress.set(memberAddress(x.item), x.item);
    const al = x.item.get("aliases", true);
    if (isSeq(al)) for (const a of al.items) if (isScalar(a)) byAddress.set(canon(String(a.value)), x.item);
  }
  const taken = new Set<string>(byAddress.keys());
  for (const sec of ["groups", "mailboxes"]) for (const x of sectionItems(docs, sec)) taken.add(canon(str(x.item, "address") ?? ""));
  const found = new Set<YAMLMap>();
  const matched: string[] = [];
  const quotas: string[] = [];

  const added: string[] = [];
  const departed: string[] = [];
  const differs: string[] = [];
  const seen = new Set<string>();
  const memberDocs = new Map<string, OrgDocument>();
  for (const p of people) {
    const address = canon(p.address);
    if (!ADDRESS.test(p.address)) {
      notes.push(`${p.where}: '${p.address}' is not an address mailorg accepts (letters, digits, _%+'- and dots between them); left out`);
      continue;
    }
    if (seen.has(address)) {
      notes.push(`${p.where}: ${address} appears twice in the export; the first is used`);
      continue;
    }
    seen.add(address);
    const existing = [address, ...p.aliases.map(canon)].map((a) => byAddress.get(a)).find((x) => x !== undefined);
    if (existing) {
      found.add(existing);
      if (memberAddress(existing) !== address) matched.push(`${address} is ${memberAddress(existing)} in the org`);
      const status = str(existing, "status") ?? "active";
      if (p.suspended && status !== "departed") differs.push(`${address} is suspended in the export but ${status} in the org (set status: departed and forward_to by hand if they left)`);
      if (!p.suspended && status === "departed") differs.push(`${address} is active in the export but departed in the org`);
      continue;
    }
    if (taken.has(address)) {
      notes.push(`${p.where}: ${address} is already a group, mailbox or alias in the org; left out`);
      continue;
    }
    if (!domains.has(address.split("@")[1]!)) {
      notes.push(`${p.where}: ${address} is not in the org's domains (${[...domains].join(", ")}); left out (add the domain first)`);
      continue;
    }
    const aliases: string[] = [];
    for (const a of p.aliases.map(canon)) {
      if (a === address || aliases.includes(a)) continue;
      if (!ADDRESS.test(a) || !domains.has(a.split("@")[1]!)) notes.push(`${p.where}: alias ${a} of ${address} is outside the org's domains; left out`);
      else if (taken.has(a) || seen.has(a) || people.some((q) => canon(q.address) === a)) notes.push(`${p.where}: alias ${a} of ${address} is another address already; left out`);
      else if (aliases.length >= MAX_ALIASES) notes.push(`${p.where}: alias ${a} of ${address} is past the ${MAX_ALIASES} allowed; left out`);
      else aliases.push(a);
    }
    const dept = departmentOf(p.departmentPath);
    const member: Record<string, unknown> = { address, name: p.name };
    if (p.title) member.title = p.title;
    if (dept.id !== top) member.departments = [dept.id];
    if (p.phone) member.phone = p.phone;
    if (aliases.length) member.aliases = aliases;
    if (p.suspended) member.status = "departed";
    // Only a mailbox that would not keep half its size free under the default gets a quota of its own.
    if (p.usageMb !== undefined && !p.suspended && p.usageMb * 1.5 > (defaultQuota ?? 2048)) {
      const quota = quotaFromUsage(p.usageMb);
      if (defaultQuota !== undefined) {
        member.quota_mb = quota;
        quotas.push(`${address}: quota_mb ${quota} (${p.usageMb} MB in use at the old provider, the default is ${defaultQuota})`);
      } else {
        quotas.push(`${address}: ${p.usageMb} MB in use at the old provider needs a quota_mb of ${quota} once organisation.mailbox_host is declared (the default is 2048)`);
      }
    }
    for (const a of aliases) taken.add(a);
    taken.add(address);
    const file = membersDocument(dir, docs, memberDocs, dept.topLevel);
    const node = file.doc.createNode(member) as YAMLMap;
    for (const k of ["departments", "aliases"]) {
      const seq = node.get(k, true);
      if (isSeq(seq)) seq.flow = true;
    }
    (file.doc.get("members", true) as YAMLSeq).add(node);
    added.push(address);
    if (p.suspended) departed.push(address);
  }
  // Gone: members of the domains this export covers that it no longer has (an export of another domain,
  // a subsidiary's directory, says nothing about the people of the org's other domains).
  const exportDomains = new Set(people.map((p) => canon(p.address).split("@")[1]!));
  const gone = members
    .map((x) => x.item)
    .filter((item) => !found.has(item) && exportDomains.has(memberAddress(item).split("@")[1]!) && (str(item, "status") ?? "active") !== "departed")
    .map(memberAddress)
    .sort();
  const touched = new Set([...memberDocs.values(), ...(departmentsAdded.length ? [deptDoc] : [])]);
  for (const d of touched) saveDocument(d);
  return { created, added, departed, departmentsAdded, gone, differs, notes, matched, quotas };
}

/** A flow mapping node ({ id: x, name: y }), the departments file's style. */
function flowMap(d: OrgDocument, value: Record<string, unknown>) {
  const node = d.doc.createNode(value) as YAMLMap;
  node.flow = true;
  return node;
}

/** A new org file holding one empty list section, parsed for editing (written when saved). */
function newDocument(dir: string, rel: string, section: string): OrgDocument {
  const path = join(dir, rel);
  const doc = parseDocument(`${modeline(path)}${section}: []\n`);
  (doc.get(section, true) as YAMLSeq).flow = false;
  return { path, doc };
}

/** The document new members of a top-level department go to: members/<id>.yaml, created when missing. */
function membersDocument(dir: string, docs: OrgDocument[], cache: Map<string, OrgDocument>, topLevel: string): OrgDocument {
  const cached = cache.get(topLevel);
  if (cached) return cached;
  const path = join(dir, "members", `${topLevel}.yaml`);
  let d = docs.find((x) => x.path === path);
  if (!d) {
    d = existsSync(path) ? { path, doc: parseDocument(readFileSync(path, "utf8")) } : newDocument(dir, `members/${topLevel}.yaml`, "members");
    docs.push(d);
  }
  const seq = d.doc.get("members", true);
  if (!isSeq(seq)) d.doc.set("members", d.doc.createNode([]));
  (d.doc.get("members", true) as YAMLSeq).flow = false;
  cache.set(topLevel, d);
  return d;
}
