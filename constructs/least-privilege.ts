import type { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import type { Construct } from "constructs";

/** A role's one inline policy, named least-privilege, holding exactly these statements. */
export function leastPrivilegePolicy(scope: Construct, id: string, role: IamRole, statements: readonly Record<string, unknown>[]): IamRolePolicy {
  return new IamRolePolicy(scope, id, { role: role.id, name: "least-privilege", policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) });
}
