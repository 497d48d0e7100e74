/** Every semantic rule on the org, in the order they run. One file per rule; this file only lists them. Rules on the plan (AWS quotas, computed records) are in plan/rules/. */
import type { Rule } from "./types.ts";
import { rule as addressDomain } from "./address-domain.ts";
import { rule as addressUnique } from "./address-unique.ts";
import { rule as aliasLimit } from "./alias-limit.ts";
import { rule as autoReplyHost } from "./auto-reply-host.ts";
import { rule as backupNameUnique } from "./backup-name-unique.ts";
import { rule as bimiRequiresDmarc } from "./bimi-requires-dmarc.ts";
import { rule as cidrValid } from "./cidr-valid.ts";
import { rule as controlCharacters } from "./control-characters.ts";
import { rule as delegation } from "./delegation.ts";
import { rule as deliveryAlso } from "./delivery-also.ts";
import { rule as deliveryTarget } from "./delivery-target.ts";
import { rule as departmentExists } from "./department-exists.ts";
import { rule as departmentIdUnique } from "./department-id-unique.ts";
import { rule as departmentTree } from "./department-tree.ts";
import { rule as domainUnique } from "./domain-unique.ts";
import { rule as duplicateIdentities } from "./duplicate-identities.ts";
import { rule as forwardTo } from "./forward-to.ts";
import { rule as groupCycle } from "./group-cycle.ts";
import { rule as groupEmpty } from "./group-empty.ts";
import { rule as groupMemberIsAlias } from "./group-member-is-alias.ts";
import { rule as ipRangeExists } from "./ip-range-exists.ts";
import { rule as mailboxHostAddress } from "./mailbox-host-address.ts";
import { rule as mailboxHostApostrophe } from "./mailbox-host-apostrophe.ts";
import { rule as mailboxHostRelay } from "./mailbox-host-relay.ts";
import { rule as mailboxHostZone } from "./mailbox-host-zone.ts";
import { rule as mailboxQuota } from "./mailbox-quota.ts";
import { rule as memberForward } from "./member-forward.ts";
import { rule as punycodeLookalike } from "./punycode-lookalike.ts";
import { rule as refResolves } from "./ref-resolves.ts";
import { rule as regionReceivesMail } from "./region-receives-mail.ts";
import { rule as roleAddress } from "./role-address.ts";
import { rule as sesTemplateQuota } from "./ses-template-quota.ts";
import { rule as signatureExists } from "./signature-exists.ts";
import { rule as signatureTemplate } from "./signature-template.ts";
import { rule as tagValues } from "./tag-values.ts";
import { rule as timezone } from "./timezone.ts";
import { rule as welcomeTemplate } from "./welcome-template.ts";

export const RULES: readonly Rule[] = [
  addressDomain,
  addressUnique,
  aliasLimit,
  backupNameUnique,
  bimiRequiresDmarc,
  cidrValid,
  controlCharacters,
  delegation,
  deliveryAlso,
  deliveryTarget,
  departmentExists,
  departmentIdUnique,
  departmentTree,
  domainUnique,
  duplicateIdentities,
  forwardTo,
  groupCycle,
  groupEmpty,
  groupMemberIsAlias,
  ipRangeExists,
  mailboxHostAddress,
  mailboxHostApostrophe,
  mailboxHostRelay,
  mailboxHostZone,
  mailboxQuota,
  autoReplyHost,
  memberForward,
  punycodeLookalike,
  refResolves,
  regionReceivesMail,
  roleAddress,
  sesTemplateQuota,
  signatureExists,
  signatureTemplate,
  tagValues,
  timezone,
  welcomeTemplate,
];
