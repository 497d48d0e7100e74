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
import { orgSlug } from "../model/views/naming.ts";
import { canon, slug } from "../model/org.ts";

export interface MailOrgModel {
  readonly org: Org;
  readonly index: OrgIndex;
  /** YYYY-MM-DD the synthesis is for (delegation end dates are compared with it). */
  readonly today: string;
}

export interface MailOrgStacks {
  readonly domains: MailOrgStack;
  readonly inbound: MailOrgStack;
  readonly sending: MailOrgStack;
}

export function buildStacks(app: App, model: MailOrgModel): MailOrgStacks {
  const props = { region: model.org.organisation.region, organisation: model.org.organisation.name };
  const stacks: MailOrgStacks = {
    domains: new MailOrgStack(app, "domains", props),
    inbound: new MailOrgStack(app, "inbound", props),
    sending: new MailOrgStack(app, "sending", props),
  };
  const configurationSet = new MailConfigurationSet(stacks.domains, "configuration-set", { name: orgSlug(model.org) });
  for (const domain of [...model.org.domains].sort((a, b) => (canon(a.name) < canon(b.name) ? -1 : 1))) {
    new MailDomain(stacks.domains, `domain-${slug(domain.name)}`, {
      org: model.org,
      domain,
      configurationSetName: configurationSet.configurationSet.configurationSetName,
    });
  }
  return stacks;
}
