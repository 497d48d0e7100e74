import { eachString, pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

/**
 * Characters no name or free text may hold: C0 and C1 control characters (line breaks and tabs included), the
 * Unicode line and paragraph separators, and the bidirectional overrides and isolates that reorder what a
 * reviewer reads.
 */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Fields that hold templates, where line breaks are the content: signature bodies. */
const TEMPLATES = /^\/signatures\/\d+\/(html|text)$/;

const NAMES: Record<string, string> = { "\n": "a line break", "\r": "a carriage return", "\t": "a tab" };
const named = (c: string): string => NAMES[c] ?? `the control character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

export const rule: Rule = {
  id: "control-characters",
  summary: "names and free text are one line without control characters (signature bodies excepted)",
  explanation:
    "Names, titles, descriptions and every other string of the org are printed into review output (diff, " +
    "approvers, the pull-request comment), logs and mail headers. A line break or control character there " +
    "could forge lines of its own, such as a fake \"no approval needed\", or hide what follows; a " +
    "bidirectional override reorders what a reviewer reads. Only signature bodies (html, text) are templates " +
    "and may span lines. Write the value on one line without such characters.",
  check({ org }) {
    const out: Finding[] = [];
    eachString(org, (v, path) => {
      // The pointer only for a string that holds one (every string of a 50,000-member org is walked).
      const m = v.match(CONTROL);
      if (!m) return;
      const at = pointer(...path);
      if (!TEMPLATES.test(at)) out.push({ pointer: at, message: `${path.map((x, i) => (typeof x === "number" ? `[${x}]` : `${i ? "." : ""}${x}`)).join("")} holds ${named(m[0])} (${JSON.stringify(v).slice(0, 60)}); names and free text are one line without control characters (remove it)` });
    });
    return out;
  },
};
