/**
 * Composes the org's stacks. Each concern's construct takes an already-validated slice of the model.
 * Stacks: `domains` (identities, configuration set, DNS), `inbound` (mail store, receipt rules,
 * router), `sending` (IAM sending policies, signatures).
 */
import type { App } from "cdktf";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { MailOrgStack, type MailOrgStackProps, type StateConfig } from "./base-stack.ts";
import { MailConfigurationSet } from "./configuration-set.ts";
import { InboundMx, MailDomain } from "./mail-domain.ts";
import { mailStoreBucketName, orgSlug } from "../plan/naming.ts";
import { buildRoutingTable } from "../plan/routing.ts";
import { sendingShard, sendingShards } from "../plan/stacks.ts";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { InboundRouting } from "./inbound-routing.ts";
import { MailStore } from "./mail-store.ts";
import { RouterFunction } from "./router-function.ts";
import { ACCOUNT_ID_PLACEHOLDER, buildSendingModel } from "../plan/sending.ts";
import { renderAllSignatures } from "../plan/signatures.ts";
import { SendingCredentials, SendingGroups } from "./sending-policy.ts";
import { Signatures } from "./signatures.ts";
import { canon } from "../model/org.ts";

export interface MailOrgModel {
  readonly org: Org;
  readonly index: OrgIndex;
  /** YYYY-MM-DD the synthesis is for (delegation end dates are compared with it). */
  readonly today: string;
}

export interface MailOrgStacks {
  readonly domains: MailOrgStack;
  readonly inbound: MailOrgStack;
  /** Shared sending resources: IAM groups and policies, signatures. */
  readonly sending: MailOrgStack;
  /** Per-member credentials by shard (model/views/stacks.ts): always all of them, even when empty. */
  readonly shards: MailOrgStack[];
}

export function buildStacks(app: App, model: MailOrgModel): MailOrgStacks {
  const props: MailOrgStackProps = {
    region: model.org.organisation.region,
    organisation: model.org.organisation.name,
    state: stateConfig(model.org),
  };
  const stacks: MailOrgStacks = {
    domains: new MailOrgStack(app, "domains", props),
    inbound: new MailOrgStack(app, "inbound", props),
    sending: new MailOrgStack(app, "sending", props),
    shards: [],
  };
  const configurationSet = new MailConfigurationSet(stacks.domains, "configuration-set", { name: orgSlug(model.org) });
  for (const domain of sortedDomains(model.org)) {
    new MailDomain(stacks.domains, `domain-${canon(domain.name)}`, {
      org: model.org,
      domain,
      configurationSetName: configurationSet.configurationSet.configurationSetName,
    });
  }
  buildInbound(stacks.inbound, model);
  buildSending(app, stacks, model, props);
  return stacks;
}

/** The inbound stack: mail store, router Lambda and the receipt rule set, all fed by one routing table. */
function buildInbound(stack: MailOrgStack, model: MailOrgModel): void {
  const { org } = model;
  const prefix = orgSlug(org);
  const account = new DataAwsCallerIdentity(stack, "account");
  const region = org.organisation.region;
  const ruleSetName = `${prefix}-inbound`;
  const receiptRuleArnPattern = `arn:aws:ses:${region}:${account.accountId}:receipt-rule-set/${ruleSetName}:receipt-rule/*`;
  const bucketName = mailStoreBucketName(org, account.accountId);
  const table = buildRoutingTable(org, model.index);
  const store = new MailStore(stack, "mail-store", {
    bucketName,
    namePrefix: prefix,
    retentionDays: org.organisation.retention_days,
    receiptRuleArnPattern,
    accountId: account.accountId,
  });
  const router = new RouterFunction(stack, "router", {
    name: `${prefix}-mail-router`,
    table,
    bucketName: store.bucket.bucket,
    bucketArn: store.bucket.arn,
    keyArn: store.key.arn,
    accountId: account.accountId,
    region,
    receiptRuleArnPattern,
    configurationSetName: prefix,
  });
  const routing = new InboundRouting(stack, "routing", {
    ruleSetName,
    namePrefix: prefix,
    table,
    bucketName: store.bucket.bucket,
    functionArn: router.fn.arn,
    dependsOn: [store.policy, router.permission],
  });
  for (const domain of sortedDomains(org)) {
    new InboundMx(stack, `mx-${canon(domain.name)}`, { org, domain, dependsOn: [routing.active, ...routing.rules, router.permission, store.policy] });
  }
}

function sortedDomains(org: Org): Org["domains"] {
  return [...org.domains].sort((a, b) => (canon(a.name) < canon(b.name) ? -1 : 1));
}

/** The org's remote state, with the key prefix defaulted (the loader applies schema defaults too). */
function stateConfig(org: Org): StateConfig | undefined {
  const s = org.organisation.state;
  return s ? { ...s, key_prefix: s.key_prefix ?? "mailorg" } : undefined;
}

/**
 * The sending stacks: shared groups, policies and signatures; per-member credentials in stable shards.
 * Every shard stack is written even when empty, so a departure that empties one plans the destruction of
 * the member's user and key instead of orphaning them. Each stack looks up its own account id.
 */
function buildSending(app: App, stacks: { sending: MailOrgStack; shards: MailOrgStack[] }, model: MailOrgModel, props: MailOrgStackProps): void {
  const { org } = model;
  const prefix = orgSlug(org);
  const sending = buildSendingModel(org, model.index, model.today, { region: org.organisation.region, accountId: ACCOUNT_ID_PLACEHOLDER }, prefix);
  const account = new DataAwsCallerIdentity(stacks.sending, "account");
  new SendingGroups(stacks.sending, "sending-groups", { groups: sending.groups, accountId: account.accountId });
  new Signatures(stacks.sending, "signatures", {
    namePrefix: prefix,
    templates: org.signatures,
    rendered: renderAllSignatures(org, model.index),
    bucketName: mailStoreBucketName(org, account.accountId),
  });
  const byShard = new Map<string, typeof sending.members>(sendingShards().map((s) => [s, []]));
  for (const m of sending.members) byShard.get(sendingShard(m.address))!.push(m);
  for (const [shard, members] of byShard) {
    const stack = new MailOrgStack(app, shard, props);
    // Group names, not references: the shared groups live in the `sending` stack, applied first.
    new SendingCredentials(stack, "credentials", { members, accountId: new DataAwsCallerIdentity(stack, "account").accountId });
    stacks.shards.push(stack);
  }
}
