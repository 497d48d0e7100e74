import { domainToUnicode } from "node:url";
import { canon } from "../org.ts";
import { eachString, pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

/**
 * Letters of other scripts (and Latin variants) that render like a Latin letter: a small table of the usual
 * homoglyphs (Unicode's confusables for Cyrillic, Greek and a few Latin forms), enough to see "exаmple.com"
 * with a Cyrillic "а" for what it is.
 */
const LOOKS_LIKE: Readonly<Record<string, string>> = {
  // Cyrillic
  а: "a", в: "b", е: "e", ё: "e", о: "o", р: "p", с: "c", у: "y", х: "x", і: "i", ї: "i", ј: "j", ѕ: "s", һ: "h", ԁ: "d", ԛ: "q", ԝ: "w", ӏ: "l", к: "k", м: "m", н: "h", т: "t", ь: "b", ѡ: "w", ү: "y",
  // Greek
  α: "a", β: "b", ε: "e", η: "n", ι: "i", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", ω: "w", ϲ: "c", ϳ: "j",
  // Latin forms and symbols
  ı: "i", ȷ: "j", ɡ: "g", ɑ: "a", ℓ: "l", ⅼ: "l", ⅰ: "i", ο̇: "o",
};

/** The Latin letters a domain renders as: homoglyphs replaced, accents removed, lower case. */
export function skeleton(domain: string): string {
  return [...domainToUnicode(domain.toLowerCase()).normalize("NFD").replace(/\p{M}/gu, "")]
    .map((c) => LOOKS_LIKE[c] ?? c)
    .join("");
}

/** Every string in the org with its JSON pointer. */

export const rule: Rule = {
  id: "punycode-lookalike",
  summary: "no punycode (xn--) domain that renders like one of the organisation's domains",
  explanation:
    "A domain written in punycode (xn--...) can render as the organisation's own name with letters from another script, " +
    "e.g. xn--exmple-4nf.com shows as exаmple.com with a Cyrillic а: a forward, a sender list or a backup rule naming it " +
    "sends mail to, or trusts, someone else. The Unicode form is refused by the schema already; this warns for the punycode " +
    "form. Write the organisation's real domain, or keep the lookalike only if it is intended (a domain you own).",
  check({ org }) {
    const own = org.domains.map((d) => ({ name: canon(d.name), skeleton: skeleton(canon(d.name)) }));
    const out: Finding[] = [];
    eachString(org, (value, path) => {
      const domain = canon(value.slice(value.lastIndexOf("@") + 1));
      if (!/(^|\.)xn--/.test(domain)) return;
      const like = own.find((o) => o.name !== domain && o.skeleton === skeleton(domain));
      if (!like) return;
      out.push({
        pointer: pointer(...path),
        severity: "warning",
        message: `${value} renders as ${value.slice(0, value.lastIndexOf("@") + 1)}${domainToUnicode(domain)}, which looks like the organisation's domain ${like.name} but is another domain; write ${like.name} if that is meant, or keep it only if you own it`,
      });
    });
    return out;
  },
};
