import { ACCOUNT_ID_PLACEHOLDER } from "../plan/plan.ts";

/** A plan value with the account id placeholder replaced by this stack's own account lookup. */
export function withAccount(text: string, accountId: string): string {
  return text.replaceAll(ACCOUNT_ID_PLACEHOLDER, accountId);
}
