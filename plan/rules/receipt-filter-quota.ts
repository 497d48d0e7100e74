import { pointer } from "../../model/pointer.ts";
import { SES_MAX_RECEIPT_FILTERS } from "../routing.ts";
import type { PlanRule } from "./types.ts";

export const rule: PlanRule = {
  id: "receipt-filter-quota",
  summary: `inbound IP entries (blocked and allowed) make at most ${SES_MAX_RECEIPT_FILTERS} SES receipt filters`,
  explanation: "Each IP or CIDR in inbound.blocked or inbound.allowed becomes one SES receipt filter, and SES allows at most 100 per account and region. Merge adjacent ranges into wider CIDRs.",
  check({ plan }) {
    const blocked = plan.inbound.filters.filter((f) => f.policy === "Block").length;
    const allowed = plan.inbound.filters.filter((f) => f.policy === "Allow").length;
    if (blocked + allowed <= SES_MAX_RECEIPT_FILTERS) return [];
    return [
      {
        pointer: pointer("inbound"),
        message: `inbound lists ${blocked + allowed} IP entries (${blocked} blocked, ${allowed} allowed); SES allows at most ${SES_MAX_RECEIPT_FILTERS} receipt filters (merge ranges into wider CIDRs)`,
      },
    ];
  },
};
