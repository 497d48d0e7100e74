/**
 * Loads an org directory: every *.yaml / *.yml file below it in sorted path order, parsed with
 * positions, validated against the schema, and merged into one Org.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { Diagnostic } from "./diagnostics.ts";
import { LIST_SECTIONS, SINGLE_SECTIONS, type Org } from "./org.ts";
import type { OrgFile } from "./org.generated.ts";
import { validateFileData } from "./schema.ts";
import { OrgSources, positionIn, type SourceFile } from "./sources.ts";

export interface LoadResult {
  /** The merged org; only meaningful when diagnostics hold no error. */
  readonly org: Org;
  readonly sources: OrgSources;
  readonly diagnostics: Diagnostic[];
}

/** Display form of a path: relative to the working directory when inside it, forward slashes. */
export function displayPath(abs: string, cwd = process.cwd()): string {
  const rel = relative(cwd, abs);
  const shown = rel === "" ? "." : rel.startsWith("..") ? abs : rel;
  return shown.split(sep).join("/");
}

/** Every YAML file below dir, sorted by relative path (byte order), so the result does not depend on the file system. */
export function listOrgFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name.startsWith(".")) continue;
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => {
    const ra = relative(dir, a).split(sep).join("/");
    const rb = relative(dir, b).split(sep).join("/");
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
}

/** Parses one YAML text; YAML syntax errors become diagnostics. */
export function parseSource(path: string, text: string): { source: SourceFile; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source: SourceFile = { path, doc, lineCounter };
  const diagnostics: Diagnostic[] = [];
  for (const err of doc.errors) {
    const { line, col } = lineCounter.linePos(err.pos[0]);
    diagnostics.push({
      file: path,
      line,
      col,
      severity: "error",
      rule: "yaml-syntax",
      message: yamlMessage(err.message, err.code),
    });
  }
  return { source, diagnostics };
}

function yamlMessage(message: string, code: string): string {
  const first = message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "").replace(/\.$/, "");
  const lower = first.charAt(0).toLowerCase() + first.slice(1);
  const fix =
    code === "DUPLICATE_KEY"
      ? " (keep one of them)"
      : code === "TAB_AS_INDENT"
        ? " (indent with spaces)"
        : " (check the indentation and quoting on this line)";
  return lower + fix;
}

export interface LoadOptions {
  /** Show file paths as `<displayAs>/<path inside dir>` (e.g. "main:org" for a git ref) instead of relative to the working directory. */
  readonly displayAs?: string;
}

/** Loads, schema-validates and merges an org directory. Semantic rules are run by validateOrg. */
export function loadOrg(dir: string, opts: LoadOptions = {}): LoadResult {
  const sources = new OrgSources();
  const diagnostics: Diagnostic[] = [];
  const org: Org = {
    organisation: undefined as unknown as Org["organisation"],
    domains: [],
    departments: [],
    members: [],
    groups: [],
    mailboxes: [],
    ip_ranges: {},
    sending: {},
    inbound: {},
    backups: [],
    signatures: [],
  };
  const shownDir = opts.displayAs ?? displayPath(dir);
  const show = (file: string): string => (opts.displayAs ? `${opts.displayAs}/${relative(dir, file).split(sep).join("/")}` : displayPath(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    diagnostics.push({
      file: shownDir,
      line: 0,
      col: 0,
      severity: "error",
      rule: "org-directory",
      message: `org directory '${shownDir}' does not exist; pass --org DIR or create it with at least one *.yaml file`,
    });
    return { org, sources, diagnostics };
  }
  const files = listOrgFiles(dir);
  if (files.length === 0) {
    diagnostics.push({
      file: shownDir,
      line: 0,
      col: 0,
      severity: "error",
      rule: "org-directory",
      message: `no *.yaml or *.yml files in '${shownDir}'; add at least one holding the organisation section`,
    });
    return { org, sources, diagnostics };
  }
  for (const file of files) {
    const path = show(file);
    const { source, diagnostics: syntax } = parseSource(path, readFileSync(file, "utf8"));
    sources.files.push(source);
    if (syntax.length > 0) {
      diagnostics.push(...syntax);
      continue;
    }
    const data = (source.doc.toJS({ maxAliasCount: 10000 }) ?? {}) as unknown;
    const schemaDiags = validateFileData(source, data);
    if (schemaDiags.length > 0) {
      diagnostics.push(...schemaDiags);
      continue;
    }
    mergeFile(org, sources, source, data as OrgFile, diagnostics);
  }
  if (!org.organisation && !diagnostics.some((d) => d.severity === "error")) {
    diagnostics.push({
      file: shownDir,
      line: 0,
      col: 0,
      severity: "error",
      rule: "organisation-missing",
      message: `no file in '${shownDir}' has an organisation section; add one with name, region and default_department`,
    });
  }
  return { org, sources, diagnostics };
}

function mergeFile(org: Org, sources: OrgSources, source: SourceFile, data: OrgFile, diagnostics: Diagnostic[]): void {
  for (const section of LIST_SECTIONS) {
    const items = data[section];
    if (!items) continue;
    const origins = sources.listOrigins.get(section)!;
    items.forEach((item, index) => {
      (org[section] as unknown[]).push(item);
      origins.push({ source, index });
    });
  }
  for (const section of SINGLE_SECTIONS) {
    const value = data[section];
    if (value === undefined) continue;
    const first = sources.sectionOrigins.get(section);
    if (first) {
      const pos = positionIn(source, [section], "key");
      const firstPos = positionIn(first, [section], "key");
      diagnostics.push({
        ...pos,
        severity: "error",
        rule: "section-once",
        message: `'${section}' is already declared at ${firstPos.file}:${firstPos.line}:${firstPos.col}; it may appear in one file only (merge the two)`,
      });
      continue;
    }
    sources.sectionOrigins.set(section, source);
    (org as { -readonly [K in keyof Org]: Org[K] })[section] = value as never;
  }
  for (const [name, list] of Object.entries(data.ip_ranges ?? {})) {
    const first = sources.ipRangeOrigins.get(name);
    if (first) {
      const pos = positionIn(source, ["ip_ranges", name], "key");
      const firstPos = positionIn(first, ["ip_ranges", name], "key");
      diagnostics.push({
        ...pos,
        severity: "error",
        rule: "section-once",
        message: `ip range '${name}' is already declared at ${firstPos.file}:${firstPos.line}:${firstPos.col}; rename one or merge them`,
      });
      continue;
    }
    sources.ipRangeOrigins.set(name, source);
    org.ip_ranges[name] = list;
  }
}
