import { SesActiveReceiptRuleSet } from "@cdktn/provider-aws/lib/ses-active-receipt-rule-set";
import { SesReceiptFilter } from "@cdktn/provider-aws/lib/ses-receipt-filter";
import { SesReceiptRule } from "@cdktn/provider-aws/lib/ses-receipt-rule";
import { SesReceiptRuleSet } from "@cdktn/provider-aws/lib/ses-receipt-rule-set";
import type { ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { STORE_PREFIX } from "../plan/contract.ts";
import type { ReceiptFilterPlan, ReceiptRulePlan } from "../plan/plan.ts";

export interface InboundRoutingProps {
  readonly ruleSetName: string;
  /** Receipt filters (blocked and allowed CIDRs), named in the plan. */
  readonly filters: readonly ReceiptFilterPlan[];
  /** Receipt rules in their order, named in the plan. */
  readonly rules: readonly ReceiptRulePlan[];
  readonly bucketName: string;
  readonly functionArn: string;
  /** Resources that must exist before SES validates the rules (bucket policy, Lambda permission). */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * Inbound routing: IP receipt filters (blocked and allowed CIDRs), and one active rule set whose rules run
 * in an explicit order (`after`): recipient rules listing every deliverable address (at most 100 each), then,
 * with a catch-all, one domain-wide rule per receiving domain. Every rule requires TLS, scans for spam and
 * viruses, stores the raw message under incoming/ and invokes the router (Event). No rule stops the chain.
 */
export class InboundRouting extends Construct {
  readonly rules: SesReceiptRule[] = [];
  /** The rule set made active: what MX records wait for. */
  readonly active: SesActiveReceiptRuleSet;

  constructor(scope: Construct, id: string, props: InboundRoutingProps) {
    super(scope, id);
    for (const f of props.filters) new SesReceiptFilter(this, f.key, { name: f.name, cidr: f.cidr, policy: f.policy });
    const ruleSet = new SesReceiptRuleSet(this, "rule-set", { ruleSetName: props.ruleSetName });
    let previous: SesReceiptRule | undefined;
    for (const spec of props.rules) {
      const rule: SesReceiptRule = new SesReceiptRule(this, spec.key, {
        name: spec.name,
        ruleSetName: ruleSet.ruleSetName,
        after: previous?.name,
        enabled: true,
        recipients: [...spec.recipients],
        scanEnabled: true,
        tlsPolicy: "Require",
        s3Action: [{ position: 1, bucketName: props.bucketName, objectKeyPrefix: STORE_PREFIX.incoming }],
        lambdaAction: [{ position: 2, functionArn: props.functionArn, invocationType: "Event" }],
        dependsOn: props.dependsOn,
      });
      this.rules.push(rule);
      previous = rule;
    }
    this.active = new SesActiveReceiptRuleSet(this, "active", { ruleSetName: ruleSet.ruleSetName });
  }
}
