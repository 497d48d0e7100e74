/**
 * Loads an org directory: every *.yaml / *.yml file below it in sorted path order, parsed with
 * positions, validated against the schema, and merged into one Org.
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { LineCounter, parseDocument, visit, type Document, type Node } from "yaml";
import { defineScalarTag, FAILSAFE_SCHEMA, load as quickLoad, NOT_RESOLVED } from "js-yaml";
import type { Diagnostic } from "./diagnostics.ts";
import { LIST_SECTIONS, SINGLE_SECTIONS, type Org } from "./org.ts";
import type { OrgFile } from "./org.generated.ts";
import { fileValidator, validateFileData } from "./schema.ts";
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

/** Largest org file read, in bytes: far above any real org file (the 10,000-member benchmark org's largest file is 0.4 MB). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/**
 * Largest alias expansion per file (the `yaml` library's maxAliasCount: aliases resolved, weighted by the
 * aliases inside what they point at). Anchors and aliases are fine for sharing a list; nested aliases that
 * double at each level ("billion laughs") exceed it at once.
 */
export const MAX_ALIAS_COUNT = 100;

const isYamlName = (name: string): boolean => /\.ya?ml$/.test(name);

/** An org file to read: its path and, when reached through a symlink inside the org directory, the real file. */
export interface OrgFileEntry {
  readonly path: string;
  readonly real: string;
}

/**
 * Every YAML file below dir, sorted by relative path (byte order), so the result does not depend on the file
 * system. Only regular files inside the org directory are read: a symlink whose target leaves the directory,
 * a symlinked directory, and a FIFO, socket or device named *.yaml are refused by name (an error each), never
 * opened. Hidden entries (starting with '.') are skipped.
 */
export function scanOrgDir(dir: string, show: (p: string) => string = displayPath): { files: OrgFileEntry[]; diagnostics: Diagnostic[] } {
  const files: OrgFileEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  const root = realpathSync(dir);
  const refuse = (p: string, why: string): void => {
    diagnostics.push({ file: show(p), line: 0, col: 0, severity: "error", rule: "org-file", message: `${why}; only regular files inside the org directory are read (replace it with a regular file or remove it)` });
  };
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith(".")) continue;
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        walk(p);
        continue;
      }
      if (st.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(p);
        } catch {
          if (isYamlName(name)) refuse(p, "is a broken symbolic link");
          continue;
        }
        const inside = real === root || real.startsWith(root + sep);
        const target = statSync(real);
        if (!inside) {
          if (isYamlName(name) || target.isDirectory()) refuse(p, "is a symbolic link to a path outside the org directory");
        } else if (target.isDirectory()) {
          refuse(p, "is a symbolic link to a directory");
        } else if (isYamlName(name)) {
          if (target.isFile()) files.push({ path: p, real });
          else refuse(p, "is a symbolic link to something that is not a regular file");
        }
        continue;
      }
      if (!isYamlName(name)) continue;
      if (st.isFile()) files.push({ path: p, real: p });
      else refuse(p, `is a ${st.isFIFO() ? "named pipe (FIFO)" : st.isSocket() ? "socket" : st.isCharacterDevice() || st.isBlockDevice() ? "device" : "special file"}, not a regular file`);
    }
  };
  walk(dir);
  const rel = (p: string) => relative(dir, p).split(sep).join("/");
  files.sort((a, b) => (rel(a.path) < rel(b.path) ? -1 : rel(a.path) > rel(b.path) ? 1 : 0));
  return { files, diagnostics };
}

/** Every YAML file below dir that would be read, sorted (see scanOrgDir). */
export function listOrgFiles(dir: string): string[] {
  return scanOrgDir(dir).files.map((f) => f.path);
}

/**
 * Reads one org file: refuses anything but a regular file (checked again on the open descriptor, without
 * following a symlink and without blocking on a FIFO swapped in since the scan), a file over MAX_FILE_BYTES,
 * and bytes that are not UTF-8 (the first bad byte's line and column).
 */
export function readOrgFile(real: string, shown: string): { text?: string; diagnostic?: Diagnostic } {
  const err = (message: string, line = 0, col = 0): { diagnostic: Diagnostic } => ({ diagnostic: { file: shown, line, col, severity: "error", rule: "org-file", message } });
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return err(`cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}); only regular files inside the org directory are read`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return err("is not a regular file; only regular files inside the org directory are read (replace it with a regular file or remove it)");
    if (st.size > MAX_FILE_BYTES) return err(`is ${st.size} bytes; an org file may be at most ${MAX_FILE_BYTES} bytes (split it into several files)`);
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < st.size) {
      const r = readSync(fd, buf, n, st.size - n, n);
      if (r === 0) break;
      n += r;
    }
    const bytes = buf.subarray(0, n);
    const bad = firstInvalidUtf8(bytes);
    if (bad >= 0) {
      const before = bytes.subarray(0, bad).toString("utf8");
      const lines = before.split("\n");
      return err(`byte 0x${bytes[bad]!.toString(16).padStart(2, "0")} at offset ${bad} is not valid UTF-8; org files must be UTF-8 (re-save the file as UTF-8)`, lines.length, [...lines[lines.length - 1]!].length + 1);
    }
    return { text: bytes.toString("utf8") };
  } finally {
    closeSync(fd);
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (no overlongs, no surrogates), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined) return i;
      if (k === 1 ? x < lo || x > hi : x < 0x80 || x > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}

/**
 * The quick path. The `yaml` library keeps every node's position, which every diagnostic needs, and parses about
 * 2 MB/s: 4 s of CPU for the 50,000-member org's 8 MB, most of validation. Most files hold no finding at all,
 * so a file is first read with js-yaml (about ten times faster) into the same data, and its positioned Document
 * is parsed only when something must be located in it (lazySource).
 *
 * The quick path answers only where both libraries are known to agree, and gives the file to the exact path
 * (undefined) otherwise:
 * - the text holds `&`, `*`, `!`, `%`, a tab, or `__proto__` (anchors, aliases, tags, directives, tab
 *   indentation, and the one special key), or js-yaml refuses it (syntax, duplicate keys, several documents);
 * - a plain scalar resolves to anything but a string, a decimal integer or true/false under YAML 1.2's core
 *   schema (null, octal, hexadecimal, floats): the scalar tags below copy the `yaml` library's core schema
 *   tests, so those two resolve alike and the rest go the exact way;
 * - and the caller keeps quick data only when it passes the schema, so every diagnostic comes from the exact path.
 * test/load-quick.test.ts holds the two paths equal on every org file in the repository and on scalar edge cases.
 */
const EXACT_ONLY = /[&*!%\t]|__proto__/;
class Exotic extends Error {}
const exotic = (): never => {
  throw new Exotic();
};
const QUICK_SCHEMA = FAILSAFE_SCHEMA.withTags(
  defineScalarTag<boolean>("tag:yaml.org,2002:bool", {
    implicit: true,
    identify: () => false, // load only
    implicitFirstChars: ["t", "T", "f", "F"],
    resolve: (src) => (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(src) ? src[0] === "t" || src[0] === "T" : NOT_RESOLVED),
  }),
  defineScalarTag<number>("tag:yaml.org,2002:int", {
    implicit: true,
    identify: () => false, // load only
    implicitFirstChars: ["-", "+", ".", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    resolve: (src) => {
      if (/^[-+]?[0-9]+$/.test(src)) return parseInt(src, 10);
      // yaml's intOct, intHex, floatNaN, floatExp and float: numbers the exact path resolves.
      if (/^0o[0-7]+$|^0x[0-9a-fA-F]+$|^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$|^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$|^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(src)) exotic();
      return NOT_RESOLVED;
    },
  }),
  defineScalarTag<null>("tag:yaml.org,2002:null", {
    implicit: true,
    identify: () => false, // load only
    implicitFirstChars: ["", "~", "n", "N"],
    resolve: (src) => (/^(?:~|[Nn]ull|NULL)?$/.test(src) ? exotic() : NOT_RESOLVED),
  }),
);

/** A file's data by the quick path, or undefined when the exact path must read it (see QUICK_SCHEMA). */
export function quickData(text: string): unknown {
  if (EXACT_ONLY.test(text)) return undefined;
  try {
    return quickLoad(text, { schema: QUICK_SCHEMA, maxAliases: 0 }) ?? {};
  } catch {
    return undefined;
  }
}

/** A source whose positioned Document is parsed on first use (by whatever locates a finding in it). */
export function lazySource(path: string, text: string): SourceFile {
  let parsed: { doc: Document.Parsed; lineCounter: LineCounter } | undefined;
  const get = (): { doc: Document.Parsed; lineCounter: LineCounter } => {
    if (!parsed) {
      const lineCounter = new LineCounter();
      parsed = { doc: parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: "error" }), lineCounter };
    }
    return parsed;
  };
  return {
    path,
    text,
    get doc() {
      return get().doc;
    },
    get lineCounter() {
      return get().lineCounter;
    },
  };
}

/** Parses one YAML text; YAML syntax errors become diagnostics. */
export function parseSource(path: string, text: string): { source: SourceFile; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: "error" });
  const source: SourceFile = { path, doc, lineCounter, text };
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

/** cdktf's token marker: a string holding it is resolved as a live Terraform reference at synth time. */
export const TOKEN_MARKER = "TfToken[";

/** The file's data, aliases expanded within MAX_ALIAS_COUNT; undefined (and a diagnostic) when expansion is refused. */
function toData(source: SourceFile, diagnostics: Diagnostic[]): unknown {
  try {
    return source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (e) {
    let first: Node | undefined;
    visit(source.doc, { Alias: (_, n) => ((first = n as Node), visit.BREAK) });
    const { line, col } = first?.range ? source.lineCounter.linePos(first.range[0]) : { line: 1, col: 1 };
    const excessive = /alias count/i.test((e as Error).message ?? "");
    diagnostics.push({
      file: source.path,
      line,
      col,
      severity: "error",
      rule: "yaml-aliases",
      message: excessive
        ? `aliases expand to more than ${MAX_ALIAS_COUNT} nodes (nested aliases grow exponentially); write the values out or nest fewer aliases`
        : `the file's aliases cannot be expanded (${String((e as Error).message ?? e).split("\n")[0]!.toLowerCase()}); check the anchors and aliases`,
    });
    return undefined;
  }
}

/** Whether any string of the data (key or value) holds cdktf's token marker: a walk of the data, cheaper than one of the Document. */
function holdsTokenMarker(data: unknown): boolean {
  if (typeof data === "string") return data.includes(TOKEN_MARKER);
  if (Array.isArray(data)) return data.some(holdsTokenMarker);
  if (data !== null && typeof data === "object") return Object.entries(data).some(([k, v]) => k.includes(TOKEN_MARKER) || holdsTokenMarker(v));
  return false;
}

/** Every string (key or value) holding cdktf's token marker, located. */
function tokenMarkers(source: SourceFile, data: unknown): Diagnostic[] {
  if (!holdsTokenMarker(data)) return [];
  const out: Diagnostic[] = [];
  visit(source.doc, {
    Scalar(_, n) {
      if (typeof n.value === "string" && n.value.includes(TOKEN_MARKER) && n.range) {
        const { line, col } = source.lineCounter.linePos(n.range[0]);
        out.push({ file: source.path, line, col, severity: "error", rule: "token-marker", message: `'${n.value.length > 60 ? n.value.slice(0, 57) + "..." : n.value}' contains '${TOKEN_MARKER}', cdktf's token marker, which synthesis would turn into a live Terraform reference; remove it` });
      }
    },
  });
  return out;
}

export interface LoadOptions {
  /** Show file paths as `<displayAs>/<path inside dir>` (e.g. "main:org" for a git ref) instead of relative to the working directory. */
  readonly displayAs?: string;
  /**
   * Data of files already read, by their whole text (correct by construction: the same text parses to the same
   * data), shared by the two sides of a review so that the files a change does not touch are parsed and
   * schema-checked once. Only quick-path data that passed the schema is kept; it is read, never written to.
   */
  readonly shared?: Map<string, unknown>;
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
    // Null prototype: an ip range named 'constructor' or 'toString' names nothing until declared.
    ip_ranges: Object.create(null) as Org["ip_ranges"],
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
  const scan = scanOrgDir(dir, show);
  diagnostics.push(...scan.diagnostics);
  const files = scan.files;
  if (files.length === 0 && scan.diagnostics.length === 0) {
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
    const path = show(file.path);
    const read = readOrgFile(file.real, path);
    if (read.diagnostic) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    // The quick path when its data passes the schema (the validator fills in defaults, as on the exact path);
    // otherwise the exact path, which finds and locates every finding.
    const known = opts.shared?.get(read.text!);
    const quick = known ?? quickData(read.text!);
    let source: SourceFile;
    let data: unknown;
    if (known !== undefined || (quick !== undefined && fileValidator()(quick))) {
      opts.shared?.set(read.text!, quick);
      source = lazySource(path, read.text!);
      sources.files.push(source);
      data = quick;
    } else {
      const parsed = parseSource(path, read.text!);
      source = parsed.source;
      sources.files.push(source);
      if (parsed.diagnostics.length > 0) {
        diagnostics.push(...parsed.diagnostics);
        continue;
      }
      data = toData(source, diagnostics);
      if (data === undefined) continue;
      const schemaDiags = validateFileData(source, data);
      if (schemaDiags.length > 0) {
        diagnostics.push(...schemaDiags);
        continue;
      }
    }
    const marked = tokenMarkers(source, data);
    if (marked.length > 0) {
      diagnostics.push(...marked);
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
