import { IamAccessKey } from "@cdktn/provider-aws/lib/iam-access-key";
import { IamGroup } from "@cdktn/provider-aws/lib/iam-group";
import { IamGroupPolicyAttachment } from "@cdktn/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktn/provider-aws/lib/iam-policy";
import { IamUser } from "@cdktn/provider-aws/lib/iam-user";
import { IamUserGroupMembership } from "@cdktn/provider-aws/lib/iam-user-group-membership";
import { IamUserPolicy } from "@cdktn/provider-aws/lib/iam-user-policy";
import { TerraformOutput } from "cdktn";
import { Construct } from "constructs";
import { withAccount } from "../plan/plan.ts";
import type { MemberCredentials, PolicyDocument, SharedGroup } from "../plan/sending.ts";

export const IAM_PATH = "/mailorg/";

/** A policy document as JSON, with the model's account placeholder replaced by this stack's account id. */
function renderPolicy(policy: PolicyDocument, accountId: string): string {
  return withAccount(JSON.stringify(policy), accountId);
}

export interface SendingGroupsProps {
  /** The shared groups and their policies (plan/sending.ts). */
  readonly groups: readonly SharedGroup[];
  /** The account id as this stack looks it up (data.aws_caller_identity). */
  readonly accountId: string;
}

/** The shared part of the sending policy: one IAM group and one managed policy per kind of restriction. */
export class SendingGroups extends Construct {
  constructor(scope: Construct, id: string, props: SendingGroupsProps) {
    super(scope, id);
    for (const g of props.groups) {
      const group = new IamGroup(this, `group-${g.name}`, { name: g.name, path: IAM_PATH });
      const policy = new IamPolicy(this, `policy-${g.name}`, { name: g.name, path: IAM_PATH, description: g.description, policy: renderPolicy(g.policy, props.accountId) });
      new IamGroupPolicyAttachment(this, `attach-${g.name}`, { group: group.name, policyArn: policy.arn });
    }
  }

}

export interface MemberCredentialsProps {
  /** The members of this slice (any subset: sharding calls this once per shard). */
  readonly members: readonly MemberCredentials[];
  /** The account id as this stack looks it up (data.aws_caller_identity). */
  readonly accountId: string;
}

/**
 * Per-member sending credentials: an IAM user named by the address (tags: address, departments), an
 * access key whose status follows the member's (Active/Inactive), membership of the shared groups, and
 * an inline policy only for extra From addresses. The SMTP passwords are one sensitive output. Only for
 * orgs without a mailbox host (plan.sending.credentials "iam"): with one, members' accounts live on the host.
 */
export class SendingCredentials extends Construct {
  constructor(scope: Construct, id: string, props: MemberCredentialsProps) {
    super(scope, id);
    const credentials: Record<string, { smtp_username: string; smtp_password: string }> = {};
    for (const m of props.members) {
      const user = new IamUser(this, `user-${m.address}`, {
        name: m.userName,
        path: IAM_PATH,
        tags: { Address: m.address, Departments: m.departments.join(" ") },
      });
      const key = new IamAccessKey(this, `key-${m.address}`, { user: user.name, status: m.status === "active" ? "Active" : "Inactive" });
      new IamUserGroupMembership(this, `groups-${m.address}`, { user: user.name, groups: m.groups });
      if (m.inline) new IamUserPolicy(this, `send-as-${m.address}`, { user: user.name, name: "send-as", policy: renderPolicy(m.inline, props.accountId) });
      credentials[m.address] = { smtp_username: key.id, smtp_password: key.sesSmtpPasswordV4 };
    }
    new TerraformOutput(this, "smtp-credentials", {
      description: "SMTP user name (access key id) and password of each member, by address",
      sensitive: true,
      value: credentials,
    }).overrideLogicalId("smtp_credentials");
  }
}
