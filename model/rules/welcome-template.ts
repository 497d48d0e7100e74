import { pointer } from "../pointer.ts";
import { templateProblems } from "./signature-template.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "welcome-template",
  summary: "organisation.welcome needs a mailbox_host, and its templates compile as the signatures' do",
  explanation:
    "The welcome letter is delivered by the mailbox host's sync into each new member's INBOX, so without " +
    "organisation.mailbox_host nothing would deliver it (error). Its subject, text and HTML are templates in the " +
    "signatures' language (Handlebars with the member's fields, organisation and hostname), checked here at their " +
    "own line: no partials or helpers, and no unescaped field in HTML.",
  check({ org }) {
    const w = org.organisation.welcome;
    if (!w) return [];
    const out: Finding[] = [];
    if (!org.organisation.mailbox_host) {
      out.push({ pointer: pointer("organisation", "welcome"), message: "organisation.welcome is delivered by the mailbox host, but the org declares no organisation.mailbox_host; remove welcome or declare the host", at: "key" });
    }
    for (const field of ["subject", "text", "html"] as const) {
      const source = w[field];
      if (source === undefined) continue;
      for (const p of templateProblems(source, field === "html")) out.push({ pointer: pointer("organisation", "welcome", field), line: p.line, message: `the welcome letter's ${field} template ${p.message}` });
    }
    return out;
  },
};
