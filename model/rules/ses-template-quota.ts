import { pointer } from "../pointer.ts";
import type { Rule } from "./types.ts";

export const SES_MAX_TEMPLATES = 10000;

export const rule: Rule = {
  id: "ses-template-quota",
  summary: `at most ${SES_MAX_TEMPLATES} signature templates (SES templates per account and region)`,
  explanation: "Each signature template becomes an SES email template; SES allows 10,000 per account and region.",
  check({ org }) {
    return org.signatures.length > SES_MAX_TEMPLATES
      ? [{ pointer: pointer("signatures", SES_MAX_TEMPLATES, "id"), message: `${org.signatures.length} signature templates; SES allows ${SES_MAX_TEMPLATES} (merge templates)` }]
      : [];
  },
};
