/**
 * Composes the org's stacks. Each concern's construct takes an already-validated slice of the model.
 * Stacks: `domains` (identities, configuration set, DNS), `inbound` (mail store, receipt rules,
 * router), `sending` (IAM sending policies, signatures).
 */
import type { App } from "cdktf";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/views/org-index.ts";
import { MailOrgStack } from "./base-stack.ts";
import { MailConfigurationSet } from "./configuration-set.ts";
import { MailDomain } from "./mail-domain.ts";
import { mailStoreBucketName, orgSlug } from "../model/views/naming.ts";
import { buildRoutingTable } from "../model/views/routing.ts";
import { sendingShard } from "../model/views/stacks.ts";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { InboundRouting } from "./inbound-routing.ts";
import { MailStore } from "./mail-store.ts";
import { RouterFunction } from "./router-function.ts";
import { buildSendingModel } from "../model/views/sending.ts";
import { renderAllSignatures } from "../model/views/signatures.ts";
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
  /** Per-member credentials by shard (model/views/stacks.ts), only the non-empty ones. */
  readonly shards: MailOrgStack[];
}

export function buildStacks(app: App, model: MailOrgModel): MailOrgStacks {
  const props = { region: model.org.organisation.region, organisation: model.org.organisation.name };
  const stacks: MailOrgStacks = {
    domains: new MailOrgStack(app, "domains", props),
    inbound: new MailOrgStack(app, "inbound", props),
    sending: new MailOrgStack(app, "sending", props),
    shards: [],
  };
  const configurationSet = new MailConfigurationSet(stacks.domains, "configuration-set", { name: orgSlug(model.org) });
  for (const domain of [...model.org.domains].sort((a, b) => (canon(a.name) < canon(b.name) ? -1 : 1))) {
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
  new InboundRouting(stack, "routing", {
    ruleSetName,
    namePrefix: prefix,
    table,
    bucketName: store.bucket.bucket,
    functionArn: router.fn.arn,
    dependsOn: [store.policy, router.permission],
  });
}

/** The sending stacks: shared groups, policies and signatures; per-member credentials in stable shards. */
function buildSending(app: App, stacks: { sending: MailOrgStack; shards: MailOrgStack[] }, model: MailOrgModel, props: { region: string; organisation: string }): void {
  const { org } = model;
  const prefix = orgSlug(org);
  const account = new DataAwsCallerIdentity(stacks.sending, "account");
  const sending = buildSendingModel(org, model.index, model.today, { region: org.organisation.region, accountId: account.accountId }, prefix);
  new SendingGroups(stacks.sending, "sending-groups", { groups: sending.groups });
  new Signatures(stacks.sending, "signatures", {
    namePrefix: prefix,
    templates: org.signatures,
    rendered: renderAllSignatures(org, model.index),
    bucketName: mailStoreBucketName(org, account.accountId),
  });
  const byShard = new Map<string, typeof sending.members>();
  for (const m of sending.members) {
    const shard = sendingShard(m.address);
    const list = byShard.get(shard);
    if (list) list.push(m);
    else byShard.set(shard, [m]);
  }
  for (const shard of [...byShard.keys()].sort()) {
    const stack = new MailOrgStack(app, shard, props);
    // Group names, not references: the shared groups live in the `sending` stack, applied first.
    new SendingCredentials(stack, "credentials", { members: byShard.get(shard)! });
    stacks.shards.push(stack);
  }
}
