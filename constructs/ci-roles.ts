import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamOpenidConnectProvider } from "@cdktn/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktn/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamPolicy } from "@cdktn/provider-aws/lib/iam-policy";
import { IamRolePolicyAttachment } from "@cdktn/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { CI_POLICY_PATH, GITHUB_OIDC_URL, OIDC_PROVIDER_PLACEHOLDER, type CiRolePlan, type CiRolesPlan } from "../plan/ci-roles.ts";
import { withAccount } from "../plan/plan.ts";
import { protect } from "./protect.ts";

export interface CiRolesProps {
  /** The two roles' documents (plan/ci-roles.ts). */
  readonly roles: CiRolesPlan;
  /** Look up the account's GitHub OIDC provider instead of creating it. Default false: create it. */
  readonly existingOidcProvider?: boolean;
}

/**
 * The GitHub Actions OIDC provider (or a lookup of the one the account has) and the two CI roles with
 * their trust policies and managed policies (the planned documents), rendered exactly as planned. The provider is protected from
 * destruction: other workflows of the account may trust it too.
 */
export class CiRoles extends Construct {
  readonly planRole: IamRole;
  readonly applyRole: IamRole;

  constructor(scope: Construct, id: string, props: CiRolesProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account");
    const providerArn = props.existingOidcProvider
      ? new DataAwsIamOpenidConnectProvider(this, "github", { url: GITHUB_OIDC_URL }).arn
      : protect(new IamOpenidConnectProvider(this, "github", { url: GITHUB_OIDC_URL, clientIdList: ["sts.amazonaws.com"] })).arn;
    const role = (key: string, r: CiRolePlan): IamRole => {
      const created = new IamRole(this, key, {
        name: r.name,
        description: `mailorg CI (${r.subjects.join(", ")})`,
        assumeRolePolicy: JSON.stringify(r.trust).replaceAll(OIDC_PROVIDER_PLACEHOLDER, providerArn),
        maxSessionDuration: 3600,
      });
      // Managed policies under their own path, outside /mailorg/ (the member policies the apply role may edit).
      r.documents.forEach((doc, i) => {
        const n = `${key}-policy-${i + 1}`;
        const policy = new IamPolicy(this, n, { name: `${r.name}-${i + 1}`, path: CI_POLICY_PATH, description: `mailorg CI: ${r.name}, part ${i + 1} of ${r.documents.length}`, policy: withAccount(JSON.stringify(doc), account.accountId) });
        new IamRolePolicyAttachment(this, `${n}-attachment`, { role: created.name, policyArn: policy.arn });
      });
      return created;
    };
    this.planRole = role("plan", props.roles.plan);
    this.applyRole = role("apply", props.roles.apply);
  }
}
