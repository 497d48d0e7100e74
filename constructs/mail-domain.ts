import { Route53Record } from "@cdktn/provider-aws/lib/route53-record";
import { Sesv2EmailIdentity } from "@cdktn/provider-aws/lib/sesv2-email-identity";
import { Sesv2EmailIdentityMailFromAttributes } from "@cdktn/provider-aws/lib/sesv2-email-identity-mail-from-attributes";
import { Fn, TerraformOutput, type ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { slug } from "../model/org.ts";
import { DKIM_PLACEHOLDERS, DKIM_TOKEN_COUNT, outputName, route53TxtValue, type DnsRecord } from "../plan/dns.ts";
import type { DomainPlan } from "../plan/plan.ts";
import { protect } from "./protect.ts";

export interface MailDomainProps {
  /** The domain's slice of the plan. */
  readonly domain: DomainPlan;
  /** Name of the configuration set every message from this identity uses. */
  readonly configurationSetName: string;
}

/** A plan record with the DKIM placeholders replaced by the identity's tokens (known after apply). */
function withDkimTokens(r: DnsRecord, tokens: readonly string[]): DnsRecord {
  const sub = (text: string): string => DKIM_PLACEHOLDERS.reduce((t, p, i) => t.replaceAll(p, tokens[i]!), text);
  return { ...r, name: sub(r.name), values: r.values.map(sub) };
}

/**
 * One mail domain: the SES identity with Easy DKIM (RSA 2048), its custom MAIL FROM domain, and every
 * mail DNS record but the MX (SPF, DKIM, MAIL FROM, DMARC, TLS-RPT, BIMI). With a hosted zone the records
 * are created in Route53; without one they are outputs for another DNS host. The identity and records are
 * protected from destruction.
 */
export class MailDomain extends Construct {
  readonly identity: Sesv2EmailIdentity;
  readonly records: DnsRecord[];

  constructor(scope: Construct, id: string, props: MailDomainProps) {
    super(scope, id);
    const { name, zoneId } = props.domain;
    this.identity = protect(
      new Sesv2EmailIdentity(this, "identity", {
        emailIdentity: name,
        configurationSetName: props.configurationSetName,
        dkimSigningAttributes: { nextSigningKeyLength: "RSA_2048_BIT" },
      }),
    );
    protect(
      new Sesv2EmailIdentityMailFromAttributes(this, "mail-from", {
        emailIdentity: this.identity.emailIdentity,
        mailFromDomain: props.domain.mailFrom,
        behaviorOnMxFailure: "USE_DEFAULT_VALUE",
      }),
    );
    const tokens = Array.from({ length: DKIM_TOKEN_COUNT }, (_, i) => Fn.element(this.identity.dkimSigningAttributes.tokens, i) as string);
    this.records = props.domain.records.map((r) => withDkimTokens(r, tokens));
    if (zoneId) createRecords(this, zoneId, name, this.records.filter((r) => r.stack === "domains"));
    if (!zoneId) {
      new TerraformOutput(this, "dns-records", {
        description: `DNS records to create for ${name} at its DNS host (no hosted_zone_id in the org)`,
        value: this.records.map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, values: r.values })),
      }).overrideLogicalId(outputName("dns_records", name));
    }
    new TerraformOutput(this, "dkim-tokens", { description: `DKIM tokens of ${name}`, value: this.identity.dkimSigningAttributes.tokens }).overrideLogicalId(
      outputName("dkim_tokens", name),
    );
  }
}

export { outputName };

/** Route53 records of one domain, protected, with construct ids from the record's name and type. */
function createRecords(scope: Construct, zoneId: string, domain: string, records: readonly DnsRecord[], dependsOn?: ITerraformDependable[]): void {
  records.forEach((r, i) => {
    // DKIM names hold tokens known only after apply: key them by position among the DKIM records.
    const dkimIndex = r.type === "CNAME" ? records.filter((x, k) => x.type === "CNAME" && k < i).length + 1 : 0;
    const key = r.type === "CNAME" ? `dkim-${dkimIndex}` : `${slug(r.name === domain ? "apex" : r.name.slice(0, -domain.length - 1))}-${r.type.toLowerCase()}`;
    const values = r.type === "TXT" ? r.values.map(route53TxtValue) : r.values;
    protect(new Route53Record(scope, key, { zoneId, name: r.name, type: r.type, ttl: r.ttl, records: values, dependsOn }));
  });
}

export interface InboundMxProps {
  /** The domain whose MX records to write (nothing when it does not receive or has no hosted zone). */
  readonly domain: DomainPlan;
  /** What must exist before mail is pointed at SES: the active rule set, the router's permission. */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * The domain's MX record, in the stack that receives: Terraform creates it only after the receipt rules,
 * the store and the router, so the MX switch never sends mail to an SES that would bounce it. Without a
 * hosted zone, the record is in the `dns-records` output of the domains stack (add it last by hand).
 */
export class InboundMx extends Construct {
  constructor(scope: Construct, id: string, props: InboundMxProps) {
    super(scope, id);
    const { name, zoneId } = props.domain;
    if (!zoneId) return;
    createRecords(this, zoneId, name, props.domain.records.filter((r) => r.stack === "inbound"), props.dependsOn);
  }
}
