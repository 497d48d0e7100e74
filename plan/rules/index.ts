/** Every rule on the plan, in the order they run (after the org rules). One file per rule; this file only lists them. */
import { rule as dnsRecords } from "./dns-records.ts";
import { rule as iamQuota } from "./iam-quota.ts";
import { rule as receiptFilterQuota } from "./receipt-filter-quota.ts";
import { rule as receiptRuleQuota } from "./receipt-rule-quota.ts";
import type { PlanRule } from "./types.ts";

export const PLAN_RULES: readonly PlanRule[] = [dnsRecords, iamQuota, receiptFilterQuota, receiptRuleQuota];
