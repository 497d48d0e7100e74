import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamOpenidConnectProvider } from "@cdktn/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktn/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { GITHUB_OIDC_URL, OIDC_PROVIDER_PLACEHOLDER, type CiRolePlan, type CiRolesPlan } from "../plan/ci-roles.ts";
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
 * their trust policies and inline policies, rendered exactly as planned. The provider is protected from
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
      new IamRolePolicy(this, `${key}-policy`, { role: created.name, name: "mailorg", policy: withAccount(JSON.stringify(r.policy), account.accountId) });
      return created;
    };
    this.planRole = role("plan", props.roles.plan);
    this.applyRole = role("apply", props.roles.apply);
  }
}
