/**
 * Enterprise signatures: each member's signature rendered from their template and their own record
 * (name, title, first department's name, phone, address) with Handlebars, the engine SES templates use.
 */
import Handlebars from "handlebars";
import { canon, memberDepartments, memberStatus, type Member, type Org, type Signature } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";

export interface SignatureFields {
  readonly name: string;
  readonly title: string;
  readonly department: string;
  readonly phone: string;
  readonly address: string;
}

export function signatureFields(org: Org, index: OrgIndex, m: Member): SignatureFields {
  const dep = memberDepartments(org, m)[0];
  return {
    name: m.name,
    title: m.title ?? "",
    department: (dep && index.departments.get(dep)?.name) ?? "",
    phone: m.phone ?? "",
    address: canon(m.address),
  };
}

/**
 * Who each template's applies_to covers, expanded once per org (its index) and template. Keyed by the index
 * first: the same template object can belong to two orgs (a review shares the data of a file both sides hold,
 * model/load.ts), and whom it covers depends on each org's departments and groups.
 */
const coverage = new WeakMap<OrgIndex, WeakMap<Signature, Set<string>>>();
function covers(index: OrgIndex, s: Signature, address: string): boolean {
  let byTemplate = coverage.get(index);
  if (!byTemplate) coverage.set(index, (byTemplate = new WeakMap()));
  let set = byTemplate.get(s);
  if (!set) {
    set = new Set(s.applies_to ? index.expand(s.applies_to, { includeDeparted: true }) : []);
    byTemplate.set(s, set);
  }
  return set.has(address);
}

/** The member's template: their own `signature`, else the first template whose applies_to covers them. */
export function templateFor(org: Org, index: OrgIndex, m: Member): Signature | undefined {
  if (m.signature) return org.signatures.find((s) => s.id === m.signature);
  const key = canon(m.address);
  return org.signatures.find((s) => covers(index, s, key));
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();
/** A template in the signatures' language (Handlebars; HTML escaped when escape), compiled once per source. */
export function compile(source: string, escape: boolean): HandlebarsTemplateDelegate {
  const key = `${escape ? "h" : "t"}:${source}`;
  let t = compiled.get(key);
  if (!t) {
    t = Handlebars.compile(source, { noEscape: !escape, strict: false });
    compiled.set(key, t);
  }
  return t;
}

export interface RenderedSignature {
  readonly address: string;
  readonly template: string;
  readonly html: string;
  readonly text: string;
}

export function renderSignature(org: Org, index: OrgIndex, m: Member): RenderedSignature | undefined {
  const t = templateFor(org, index, m);
  if (!t) return undefined;
  const fields = signatureFields(org, index, m);
  return { address: fields.address, template: t.id, html: compile(t.html, true)(fields), text: compile(t.text, false)(fields) };
}

/** Every active member's signature, sorted by address. */
export function renderAllSignatures(org: Org, index: OrgIndex): RenderedSignature[] {
  return org.members
    .filter((m) => memberStatus(m) === "active")
    .map((m) => renderSignature(org, index, m))
    .filter((s): s is RenderedSignature => s !== undefined)
    .sort((a, b) => (a.address < b.address ? -1 : 1));
}
