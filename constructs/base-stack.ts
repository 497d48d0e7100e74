import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";

export interface MailOrgStackProps {
  /** AWS region for the provider (organisation.region). */
  readonly region: string;
  /** Organisation name, written to every resource's default tags. */
  readonly organisation: string;
}

/**
 * A stack with the AWS provider (default tags ManagedBy=mailorg, Organisation=<name>) and an explicit
 * local backend whose path is relative, so the synthesized JSON holds no absolute path. Replace the
 * backend for real use (see README: "State").
 */
export class MailOrgStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: MailOrgStackProps) {
    super(scope, id);
    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [{ tags: { ManagedBy: "mailorg", Organisation: props.organisation } }],
    });
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
  }
}
