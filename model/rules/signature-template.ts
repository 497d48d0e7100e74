import Handlebars from "handlebars";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

/** The fields a template may use; every other name renders empty. */
export const SIGNATURE_FIELDS = ["name", "title", "department", "phone", "address"] as const;
/** Block helpers a template may use (built into Handlebars and into SES templates). */
const BLOCK_HELPERS = new Set(["if", "unless", "with", "each"]);

interface HbNode {
  readonly type: string;
  readonly loc?: { readonly start: { readonly line: number } };
  readonly escaped?: boolean;
  readonly path?: { readonly original?: unknown; readonly type?: string };
  readonly params?: readonly HbNode[];
  readonly [key: string]: unknown;
}

/** Every node of a Handlebars AST, depth first. */
function walk(node: unknown, visit: (n: HbNode) => void): void {
  if (Array.isArray(node)) {
    for (const x of node) walk(x, visit);
    return;
  }
  if (!node || typeof node !== "object") return;
  const n = node as HbNode;
  if (typeof n.type === "string") visit(n);
  for (const [k, v] of Object.entries(n)) if (k !== "loc" && k !== "strip" && k !== "openStrip" && k !== "closeStrip" && k !== "inverseStrip") walk(v, visit);
}

/** The line of the last block opened ({{#x}}) and never closed, when the text shows one. */
function unclosedBlockLine(source: string): number | undefined {
  const open: number[] = [];
  for (const m of source.matchAll(/\{\{~?\s*([#^/])/g)) {
    const line = source.slice(0, m.index).split("\n").length;
    if (m[1] === "/") open.pop();
    else open.push(line);
  }
  return open.length > 0 ? open[open.length - 1] : undefined;
}

/** Problems of one template: syntax (with its line), triple-stash in HTML, partials, unknown helpers, render errors. */
export function templateProblems(source: string, html: boolean): { line?: number; message: string }[] {
  let ast: unknown;
  try {
    ast = Handlebars.parse(source);
  } catch (e) {
    const err = e as Error & { lineNumber?: number };
    const first = err.message.split("\n");
    const expected = first.find((l) => l.startsWith("Expecting"));
    const unclosed = /got 'EOF'/.test(expected ?? "") ? unclosedBlockLine(source) : undefined;
    const line = unclosed ?? err.lineNumber ?? Number(/on line (\d+)/.exec(first[0]!)?.[1] ?? NaN);
    const detail = unclosed !== undefined ? "a block ({{#if}} …) is not closed before the end of the template (add its {{/…}})" : (expected ?? first[0]!).replace(/ - \d+:\d+$/, "").toLowerCase();
    return [{ line: Number.isFinite(line) ? line : undefined, message: `does not compile as Handlebars: ${detail}` }];
  }
  const out: { line?: number; message: string }[] = [];
  walk(ast, (n) => {
    const line = n.loc?.start.line;
    if (n.type === "PartialStatement" || n.type === "PartialBlockStatement" || n.type === "DecoratorBlock" || n.type === "Decorator") {
      out.push({ line, message: "uses a partial or decorator ({{> …}}), which signatures do not support; write the markup inline" });
    } else if (n.type === "MustacheStatement" && html && n.escaped === false) {
      out.push({ line, message: `uses triple-stash or {{& …}} on '${String(n.path?.original ?? "")}', which would insert the member's field unescaped into HTML; use {{${String(n.path?.original ?? "field")}}} (fields are always HTML-escaped)` });
    } else if ((n.type === "MustacheStatement" || n.type === "SubExpression") && (n.params?.length ?? 0) > 0 && n.path?.original !== "lookup") {
      out.push({ line, message: `calls helper '${String(n.path?.original ?? "")}', which signatures do not have; use fields (${SIGNATURE_FIELDS.join(", ")}) and #if/#unless/#each/#with blocks` });
    } else if (n.type === "BlockStatement" && n.path?.type === "PathExpression" && !BLOCK_HELPERS.has(String(n.path.original)) && (n.params?.length ?? 0) > 0) {
      out.push({ line, message: `uses block helper '${String(n.path.original)}', which signatures do not have; use #if, #unless, #each or #with` });
    }
  });
  if (out.length > 0) return out;
  try {
    const sample = Object.fromEntries(SIGNATURE_FIELDS.map((f) => [f, "x"]));
    Handlebars.compile(source, { noEscape: !html, strict: false })(sample);
  } catch (e) {
    out.push({ message: `fails to render: ${String((e as Error).message).split("\n")[0]!.toLowerCase()}` });
  }
  return out;
}

export const rule: Rule = {
  id: "signature-template",
  summary: "every signature template compiles as Handlebars, uses no partials or unknown helpers, and its HTML never inserts a field unescaped",
  explanation:
    "Templates are compiled here, at validation, so a broken one is reported at its own line instead of failing synthesis. " +
    "Fields are HTML-escaped in the HTML template, so a member's name cannot inject markup: triple-stash ({{{name}}}) and " +
    "{{& name}} are refused in `html` (harmless in `text`, which is plain text). Partials and helpers other than " +
    "#if/#unless/#each/#with do not exist for signatures.",
  check({ org }) {
    const out: Finding[] = [];
    org.signatures.forEach((s, i) => {
      for (const field of ["html", "text"] as const) {
        for (const p of templateProblems(s[field], field === "html")) {
          out.push({ pointer: pointer("signatures", i, field), line: p.line, message: `signature ${s.id}: the ${field} template ${p.message}` });
        }
      }
    });
    return out;
  },
};
