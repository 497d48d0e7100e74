/**
 * Renders a MailPlan into the stacks, in apply order: `domains` (identities, configuration set, DNS but the
 * MX), `mailhost` (the mailbox host, when declared), `inbound` (mail store, router, receipt rules, published signatures, then the MX), `sending` (shared IAM sending groups,
 * SES signature templates) and `sending-00` … `sending-19` (per-member credentials). Every decision is in the plan; the
 * constructs only turn their slice into resources, and each stack looks up its own account id.
 */
import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity";
import type { App } from "cdktn";
import { withAccount, type MailPlan } from "../plan/plan.ts";
import { MailOrgStack, type MailOrgStackProps } from "./base-stack.ts";
import { MailConfigurationSet } from "./configuration-set.ts";
import { InboundRouting } from "./inbound-routing.ts";
import { InboundMx, MailDomain } from "./mail-domain.ts";
import { MailStore } from "./mail-store.ts";
import { MailboxHost } from "./mailbox-host.ts";
import { RouterFunction } from "./router-function.ts";
import { SendingCredentials, SendingGroups } from "./sending-policy.ts";
import { PublishedSignatures, SignatureTemplates } from "./signatures.ts";

export interface MailOrgStacks {
  readonly domains: MailOrgStack;
  /** The mailbox host (organisation.mailbox_host); always written, empty without one. */
  readonly mailhost: MailOrgStack;
  readonly inbound: MailOrgStack;
  /** Shared sending resources: IAM groups and policies, SES signature templates. */
  readonly sending: MailOrgStack;
  /** Per-member credentials by shard (plan/stacks.ts): always all of them, even when empty. */
  readonly shards: MailOrgStack[];
}

export function buildStacks(app: App, plan: MailPlan): MailOrgStacks {
  const props: MailOrgStackProps = { region: plan.organisation.region, organisation: plan.organisation.name, state: plan.state };
  const stacks: MailOrgStacks = {
    domains: new MailOrgStack(app, "domains", props),
    mailhost: new MailOrgStack(app, "mailhost", props),
    inbound: new MailOrgStack(app, "inbound", props),
    sending: new MailOrgStack(app, "sending", props),
    shards: [],
  };
  const configurationSet = new MailConfigurationSet(stacks.domains, "configuration-set", { name: plan.configurationSet });
  for (const domain of plan.domains) {
    new MailDomain(stacks.domains, `domain-${domain.name}`, { domain, configurationSetName: configurationSet.configurationSet.configurationSetName });
  }
  if (plan.mailhost) {
    const zones = Object.fromEntries(plan.domains.filter((d) => d.zoneId).map((d) => [d.name, d.zoneId!]));
    new MailboxHost(stacks.mailhost, "host", { host: plan.mailhost, accountId: new DataAwsCallerIdentity(stacks.mailhost, "account").accountId, zones });
  }
  buildInbound(stacks.inbound, plan);
  buildSending(app, stacks, plan, props);
  return stacks;
}

/** The inbound stack: mail store, router Lambda, the receipt rule set, the published signatures, then the MX records. */
function buildInbound(stack: MailOrgStack, plan: MailPlan): void {
  const { inbound } = plan;
  const accountId = new DataAwsCallerIdentity(stack, "account").accountId;
  const receiptRuleArnPattern = withAccount(inbound.receiptRuleArnPattern, accountId);
  const store = new MailStore(stack, "mail-store", {
    bucketName: withAccount(inbound.bucketName, accountId),
    namePrefix: plan.organisation.prefix,
    retentionDays: inbound.retentionDays,
    receiptRuleArnPattern,
    accountId,
  });
  const router = new RouterFunction(stack, "router", {
    name: inbound.routerName,
    table: inbound.table,
    bucketName: store.bucket.bucket,
    bucketArn: store.bucket.arn,
    keyArn: store.key.arn,
    accountId,
    region: plan.organisation.region,
    receiptRuleArnPattern,
    configurationSetName: plan.configurationSet,
  });
  const routing = new InboundRouting(stack, "routing", {
    ruleSetName: inbound.ruleSetName,
    filters: inbound.filters,
    rules: inbound.rules,
    bucketName: store.bucket.bucket,
    functionArn: router.fn.arn,
    dependsOn: [store.policy, router.permission],
  });
  // Written into the mail store, in this stack: one member's change touches the routing table here anyway.
  new PublishedSignatures(stack, "signatures", { rendered: plan.signatures.rendered, bucketName: store.bucket.bucket });
  for (const domain of plan.domains) {
    new InboundMx(stack, `mx-${domain.name}`, { domain, dependsOn: [routing.active, ...routing.rules, router.permission, store.policy] });
  }
}

/**
 * The sending stacks: shared groups, policies and SES signature templates; per-member credentials in stable shards.
 * Every shard stack is written even when empty, so a departure that empties one plans the destruction of
 * the member's user and key instead of orphaning them.
 */
function buildSending(app: App, stacks: { sending: MailOrgStack; shards: MailOrgStack[] }, plan: MailPlan, props: MailOrgStackProps): void {
  const accountId = new DataAwsCallerIdentity(stacks.sending, "account").accountId;
  const iam = plan.sending.credentials === "iam";
  // With a mailbox host no member has an IAM user, so the shared groups would have no one to hold.
  if (iam) new SendingGroups(stacks.sending, "sending-groups", { groups: plan.sending.groups, accountId });
  new SignatureTemplates(stacks.sending, "signatures", { templates: plan.signatures.templates });
  for (const shard of plan.sending.shards) {
    const stack = new MailOrgStack(app, shard.name, props);
    // Group names, not references: the shared groups live in the `sending` stack, applied first. With a mailbox
    // host the shard is written empty: members' accounts live on the host, never in Terraform.
    if (iam) new SendingCredentials(stack, "credentials", { members: shard.members, accountId: new DataAwsCallerIdentity(stack, "account").accountId });
    stacks.shards.push(stack);
  }
}
