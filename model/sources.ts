/**
 * Parsed YAML files that remember where every node came from, and the map from a pointer into the
 * merged Org back to a file, line and column.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node, type Scalar } from "yaml";
import { parsePointer } from "./pointer.ts";
import { LIST_SECTIONS, type ListSection } from "./org.ts";

export interface SourceFile {
  /** Display path: relative to the working directory, forward slashes. */
  readonly path: string;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** The file's text, for positions inside multi-line strings. */
  readonly text?: string;
}

export interface Position {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/**
 * Where a pointer's node starts in one file. `at: "key"` prefers the mapping key over its value. `innerLine`
 * (1-based) names a line inside a multi-line string value: the position is that line's first non-blank
 * character (for a block scalar `|`/`>`, line 1 is the line after the indicator).
 */
export function positionIn(
  source: SourceFile,
  path: readonly string[],
  at: "auto" | "key" = "auto",
  innerLine?: number,
): Position {
  let segs = [...path];
  for (;;) {
    const found = findNode(source.doc.contents as Node | null, segs);
    if (found) {
      const useKey = found.key && (at === "key" || (!isScalar(found.node) && found.node !== null));
      const target = useKey ? found.key : found.node;
      const offset = target?.range?.[0];
      if (offset !== undefined) {
        const { line, col } = source.lineCounter.linePos(offset);
        if (innerLine !== undefined && isScalar(found.node) && segs.length === path.length) return innerPosition(source, found.node, line, col, innerLine);
        return { file: source.path, line, col };
      }
    }
    if (segs.length === 0) return { file: source.path, line: 1, col: 1 };
    segs = segs.slice(0, -1);
  }
}

function innerPosition(source: SourceFile, node: Scalar, line: number, col: number, innerLine: number): Position {
  const block = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED";
  const target = block ? line + innerLine : line + innerLine - 1;
  if (!block && innerLine === 1) return { file: source.path, line, col };
  const starts = source.lineCounter.lineStarts;
  const start = starts[target - 1];
  if (source.text === undefined || start === undefined) return { file: source.path, line: target, col: 1 };
  const end = starts[target] ?? source.text.length;
  const indent = /^[ \t]*/.exec(source.text.slice(start, end))![0].length;
  return { file: source.path, line: target, col: indent + 1 };
}

interface Found {
  node: Node | null;
  key?: Node;
}

function findNode(root: Node | null, path: readonly string[]): Found | undefined {
  let node: Node | null = root;
  let key: Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyString(p.key) === seg);
      if (!pair) return undefined;
      key = pair.key as Node;
      node = (pair.value as Node | null) ?? null;
      if (node === null) return { node: null, key };
    } else if (isSeq(node)) {
      const i = Number(seg);
      if (!Number.isInteger(i) || i < 0 || i >= node.items.length) return undefined;
      key = undefined;
      node = node.items[i] as Node;
    } else {
      return undefined;
    }
  }
  return { node, key };
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/** Where each part of the merged Org came from. */
export class OrgSources {
  readonly files: SourceFile[] = [];
  /** Per list section: for each merged index, the file and the index within it. */
  readonly listOrigins = new Map<ListSection, { source: SourceFile; index: number }[]>(
    LIST_SECTIONS.map((s) => [s, []]),
  );
  /** The file holding each single section (organisation, sending, inbound). */
  readonly sectionOrigins = new Map<string, SourceFile>();
  /** The file declaring each ip range. */
  readonly ipRangeOrigins = new Map<string, SourceFile>();

  /** The position of a pointer into the merged Org, e.g. /members/12/aliases/3. */
  locate(pointer: string, at: "auto" | "key" = "auto", innerLine?: number): Position {
    const segs = parsePointer(pointer);
    const [section, second, ...rest] = segs;
    const list = this.listOrigins.get(section as ListSection);
    if (list) {
      const origin = second === undefined ? undefined : list[Number(second)];
      if (origin) return positionIn(origin.source, [section!, String(origin.index), ...rest], at, innerLine);
      const first = list[0];
      if (first) return positionIn(first.source, [section!], at);
    } else if (section === "ip_ranges") {
      const src = second !== undefined ? this.ipRangeOrigins.get(second) : undefined;
      if (src) return positionIn(src, segs, at, innerLine);
    } else if (section !== undefined) {
      const src = this.sectionOrigins.get(section);
      if (src) return positionIn(src, segs, at, innerLine);
    }
    const fallback = this.sectionOrigins.get("organisation") ?? this.files[0];
    return fallback ? { file: fallback.path, line: 0, col: 0 } : { file: "org", line: 0, col: 0 };
  }
}
