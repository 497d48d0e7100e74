import { SesActiveReceiptRuleSet } from "@cdktf/provider-aws/lib/ses-active-receipt-rule-set";
import { SesReceiptFilter } from "@cdktf/provider-aws/lib/ses-receipt-filter";
import { SesReceiptRule } from "@cdktf/provider-aws/lib/ses-receipt-rule";
import { SesReceiptRuleSet } from "@cdktf/provider-aws/lib/ses-receipt-rule-set";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { domainKey, packRecipientRules, type RoutingTable } from "../plan/routing.ts";
import { sesName, STORE_PREFIX } from "../plan/naming.ts";

export interface InboundRoutingProps {
  /** Rule set name; rule and filter names are prefixed with namePrefix. */
  readonly ruleSetName: string;
  readonly namePrefix: string;
  readonly table: RoutingTable;
  readonly bucketName: string;
  readonly functionArn: string;
  /** Resources that must exist before SES validates the rules (bucket policy, Lambda permission). */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * A CIDR as a name part, one-to-one and valid in Terraform and SES names: "." -> "_", ":" -> "x" (not a hex
 * digit), "/" -> "-". (Replacing every symbol by "-" would merge 2001:db8::48/128 and 2001:db8:48::/128.)
 */
const cidrKey = (cidr: string): string => cidr.toLowerCase().replace(/\./g, "_").replace(/:/g, "x").replace(/\//g, "-");

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
    for (const cidr of props.table.blockedIps) {
      new SesReceiptFilter(this, `block-${cidrKey(cidr)}`, { name: sesName(props.namePrefix, `block-${cidrKey(cidr)}`), cidr, policy: "Block" });
    }
    for (const cidr of props.table.allowedIps) {
      new SesReceiptFilter(this, `allow-${cidrKey(cidr)}`, { name: sesName(props.namePrefix, `allow-${cidrKey(cidr)}`), cidr, policy: "Allow" });
    }
    const ruleSet = new SesReceiptRuleSet(this, "rule-set", { ruleSetName: props.ruleSetName });
    const specs = [
      ...packRecipientRules(props.table).map((r) => ({ id: `rcpt-${r.key}`, recipients: [...r.recipients] })),
      ...(props.table.catchAll ? props.table.receivingDomains.map((d) => ({ id: `catch-all-${domainKey(d)}`, recipients: [d] })) : []),
    ];
    let previous: SesReceiptRule | undefined;
    for (const spec of specs) {
      const rule: SesReceiptRule = new SesReceiptRule(this, spec.id, {
        name: sesName(props.namePrefix, spec.id),
        ruleSetName: ruleSet.ruleSetName,
        after: previous?.name,
        enabled: true,
        recipients: spec.recipients,
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
