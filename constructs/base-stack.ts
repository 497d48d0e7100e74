import { AwsProvider } from "@cdktn/provider-aws/lib/provider";
import { LocalBackend, TerraformBackend, TerraformStack, type TerraformRemoteState } from "cdktn";
import type { Construct } from "constructs";
import type { StatePlan } from "../plan/plan.ts";
import { escapeElementLiterals } from "./terraform-literal.ts";

/** Where a stack keeps its Terraform state: the plan's `state`, or local files for trying out. */
export type StateConfig = StatePlan;

export interface MailOrgStackProps {
  /** AWS region for the provider (organisation.region). */
  readonly region: string;
  /** Organisation name, written to every resource's default tags. */
  readonly organisation: string;
  /** Remote state (S3, native locking); default: a local file outside the synthesized stack directories. */
  readonly state?: StateConfig;
}

/** Relative to a stack's directory (`<out>/stacks/<stack>`): `<out>/state/`, which synth never writes. */
export function localStatePath(stack: string): string {
  return `../../state/${stack}.tfstate`;
}

const NO_REMOTE_STATE = "mailorg stacks never read another stack's state: derive the value from the org or look it up in this stack";

/** The S3 backend with S3-native locking (Terraform 1.10+), which cdktf 0.21's S3Backend cannot express. */
class S3StateBackend extends TerraformBackend {
  constructor(
    scope: Construct,
    private readonly config: Record<string, unknown>,
  ) {
    super(scope, "backend", "s3");
  }
  protected override synthesizeAttributes(): Record<string, unknown> {
    return this.config;
  }
  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return this.config;
  }
  getRemoteStateDataSource(): TerraformRemoteState {
    throw new Error(NO_REMOTE_STATE);
  }
}

/** The local backend, refusing cross-stack references (cdktf would read the other stack's state file). */
class LocalStateBackend extends LocalBackend {
  override getRemoteStateDataSource(): TerraformRemoteState {
    throw new Error(NO_REMOTE_STATE);
  }
}

/** The backend block of a stack: S3 when the org declares `organisation.state`, else a local file. */
export function backendConfig(stack: string, state: StateConfig | undefined): { type: "s3" | "local"; config: Record<string, unknown> } {
  if (!state) return { type: "local", config: { path: localStatePath(stack) } };
  return {
    type: "s3",
    config: {
      bucket: state.bucket,
      region: state.region,
      key: `${state.key_prefix.replace(/\/+$/, "")}/${stack}.tfstate`,
      encrypt: true,
      use_lockfile: true,
      ...(state.kms_key_id ? { kms_key_id: state.kms_key_id } : {}),
      ...(state.role_arn ? { assume_role: { role_arn: state.role_arn } } : {}),
    },
  };
}

/**
 * A stack with the AWS provider (default tags ManagedBy=mailorg, Organisation=<name>) and an explicit
 * backend (see backendConfig), so the synthesized JSON holds no absolute path. Every element's literal
 * strings are escaped for Terraform (terraform-literal.ts), and no cross-stack reference can be made: each
 * stack plans on its own.
 */
export class MailOrgStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: MailOrgStackProps) {
    super(scope, id);
    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [{ tags: { ManagedBy: "mailorg", Organisation: props.organisation } }],
    });
    const backend = backendConfig(id, props.state);
    if (backend.type === "s3") new S3StateBackend(this, backend.config);
    else new LocalStateBackend(this, { path: backend.config.path as string });
  }

  override toTerraform(): any {
    escapeElementLiterals(this);
    return super.toTerraform();
  }
}
