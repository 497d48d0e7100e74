import { pointer } from "../pointer.ts";
import { looksLikeIp } from "../ip.ts";
import { SES_MAX_RECEIPT_FILTERS } from "../../plan/routing.ts";
import type { Rule } from "./types.ts";

export const rule: Rule = {
  id: "receipt-filter-quota",
  summary: `inbound IP entries (blocked and allowed) make at most ${SES_MAX_RECEIPT_FILTERS} SES receipt filters`,
  explanation: "Each IP or CIDR in inbound.blocked or inbound.allowed becomes one SES receipt filter, and SES allows at most 100 per account and region. Merge adjacent ranges into wider CIDRs.",
  check({ org }) {
    const blocked = (org.inbound.blocked ?? []).filter(looksLikeIp).length;
    const allowed = (org.inbound.allowed ?? []).filter(looksLikeIp).length;
    if (blocked + allowed <= SES_MAX_RECEIPT_FILTERS) return [];
    return [
      {
        pointer: pointer("inbound"),
        message: `inbound lists ${blocked + allowed} IP entries (${blocked} blocked, ${allowed} allowed); SES allows at most ${SES_MAX_RECEIPT_FILTERS} receipt filters (merge ranges into wider CIDRs)`,
      },
    ];
  },
};
