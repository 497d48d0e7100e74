import { pointer } from "../../model/pointer.ts";
import type { Finding } from "../../model/rules/types.ts";
import { IAM_MAX_GROUPS_PER_USER, IAM_MAX_INLINE_USER_POLICY_CHARS, IAM_MAX_MANAGED_POLICY_CHARS, IAM_MAX_USERS } from "../sending.ts";
import type { PlanRule } from "./types.ts";

/** IAM user names are at most 64 characters. */
export const IAM_MAX_USER_NAME = 64;
/** Characters IAM allows in a user name. */
export const IAM_USER_NAME_CHAR = /^[A-Za-z0-9+=,.@_-]$/;

export const rule: PlanRule = {
  id: "iam-quota",
  summary: `sending credentials fit IAM's limits: ${IAM_MAX_USERS} users per account, ${IAM_MAX_GROUPS_PER_USER} groups per user, policy sizes (orgs without a mailbox host)`,
  explanation:
    "Without a mailbox host, every member who has not departed gets an IAM user; IAM allows 5,000 users per account, 10 groups per user, " +
    "6,144 characters per managed policy, 2,048 characters of inline policy per user, and 64-character user names of letters, digits and +=,.@_- (a member's IAM user is named by their address). Past these the apply " +
    "fails half-way; split the org across accounts, or reduce aliases, delegations and restricted groups. " +
    "With `organisation.mailbox_host` members have accounts on the host instead, no IAM user, group or policy of their own, so none of these limits applies.",
  check({ index, plan }) {
    const out: Finding[] = [];
    if (plan.sending.credentials !== "iam") return out;
    // The plan's account placeholder has the length of a real 12-digit id, so sizes are exact.
    const model = plan.sending;
    if (model.members.length > IAM_MAX_USERS) {
      out.push({
        pointer: pointer("organisation", "name"),
        message: `${model.members.length} members need sending credentials (IAM users); IAM allows ${IAM_MAX_USERS} per account (mark leavers departed, or split the org across accounts)`,
      });
    }
    for (const g of model.groups) {
      const size = JSON.stringify(g.policy).length;
      if (size > IAM_MAX_MANAGED_POLICY_CHARS) {
        out.push({ pointer: pointer("sending"), message: `the policy of group ${g.name} would be ${size} characters; IAM allows ${IAM_MAX_MANAGED_POLICY_CHARS} (${g.description})` });
      }
    }
    for (const m of model.members) {
      const i = index.memberIndex.get(m.address)!;
      const badChars = [...new Set([...m.userName].filter((c) => !IAM_USER_NAME_CHAR.test(c)))];
      if (badChars.length > 0) {
        out.push({
          pointer: pointer("members", i, "address"),
          message: `member ${m.address} names their IAM user, and IAM user names may not contain ${badChars.map((c) => `'${c}'`).join(", ")}; allowed: letters, digits and +=,.@_- (use an address without it as the primary and keep this one as an alias)`,
        });
      }
      if (m.userName.length > IAM_MAX_USER_NAME) {
        out.push({
          pointer: pointer("members", i, "address"),
          message: `member ${m.address} is ${m.userName.length} characters long; their IAM user is named by the address and IAM allows ${IAM_MAX_USER_NAME} (use a shorter primary address and keep this one as an alias)`,
        });
      }
      if (m.groups.length > IAM_MAX_GROUPS_PER_USER) {
        out.push({ pointer: pointer("members", i, "address"), message: `member ${m.address} would be in ${m.groups.length} IAM groups; IAM allows ${IAM_MAX_GROUPS_PER_USER}` });
      }
      const size = m.inline ? JSON.stringify(m.inline).length : 0;
      if (size > IAM_MAX_INLINE_USER_POLICY_CHARS) {
        out.push({
          pointer: pointer("members", i, "address"),
          message: `member ${m.address} needs a ${size}-character inline policy for their aliases and delegations; IAM allows ${IAM_MAX_INLINE_USER_POLICY_CHARS} (remove aliases or delegations)`,
        });
      }
    }
    return out;
  },
};
