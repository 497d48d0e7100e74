/**
 * Editing an org in place with the `yaml` library's Document API: comments, key order and styles of what is
 * already there stay as they were; only the nodes an import adds or changes are written.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from "yaml";
import { listOrgFiles } from "../model/load.ts";
import { canon } from "../model/org.ts";

export interface OrgDocument {
  readonly path: string;
  readonly doc: Document;
}

/** Every org file of dir, parsed for editing. */
export function orgDocuments(dir: string): OrgDocument[] {
  return listOrgFiles(dir).map((path) => ({ path, doc: parseDocument(readFileSync(path, "utf8")) }));
}

export function saveDocument(d: OrgDocument): void {
  mkdirSync(dirname(d.path), { recursive: true });
  writeFileSync(d.path, d.doc.toString({ lineWidth: 0, flowCollectionPadding: false }));
}

/** The items of a top-level list section (members, domains...) of every file, with their document. */
export function sectionItems(docs: readonly OrgDocument[], section: string): { d: OrgDocument; seq: YAMLSeq; item: YAMLMap }[] {
  return docs.flatMap((d) => {
    const seq = d.doc.get(section, true);
    if (!isSeq(seq)) return [];
    return seq.items.filter(isMap).map((item) => ({ d, seq, item: item as YAMLMap }));
  });
}

/** A string field of a map item, or undefined. */
export function str(item: YAMLMap, key: string): string | undefined {
  const v = item.get(key, true);
  return isScalar(v) && typeof v.value === "string" ? v.value : undefined;
}

/** The list item of `section` whose `key` equals value (case-insensitive), with its document. */
export function findItem(docs: readonly OrgDocument[], section: string, key: string, value: string): { d: OrgDocument; item: YAMLMap } | undefined {
  return sectionItems(docs, section).find((x) => canon(str(x.item, key) ?? "") === canon(value));
}

/** Adds each value missing from the list at item[key] (created when absent); returns what was added. */
export function addToList(doc: Document, item: YAMLMap, path: readonly string[], values: readonly string[]): string[] {
  const existing = item.getIn(path, true);
  const have = isSeq(existing) ? existing.items.map((n) => (isScalar(n) ? String(n.value) : "")) : [];
  const added = values.filter((v, i) => !have.includes(v) && values.indexOf(v) === i);
  if (added.length === 0) return [];
  if (isSeq(existing)) for (const v of added) existing.add(doc.createNode(v));
  else item.setIn(path, doc.createNode(added, { flow: true }));
  return added;
}
