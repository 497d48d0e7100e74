import { describe, expect, it } from "vitest";
import { DOMAINS_ORG } from "./fixtures-domains.ts";
import { writeOrg } from "./helpers.ts";
import { resources, synthOrg } from "./synth-helpers.ts";

const dir = writeOrg({ "org.yaml": DOMAINS_ORG });
const synth = synthOrg(dir);
const domains = synth.stack("domains");

describe("MailDomain and the configuration set (domains stack)", () => {
  it("keeps the apex TXT values beside the merged SPF in one record set, and writes the report-authorisation record", () => {
    const two = synthOrg(writeOrg({ "org.yaml": `organisation: { name: Two, region: eu-west-1, default_department: hq }
domains:
  - { name: a.example, hosted_zone_id: Z1A, spf: { include: [_spf.google.com] }, txt: [site-verification=xyz], dmarc: { rua: [dmarc@b.example] } }
  - { name: b.example, hosted_zone_id: Z1B }
departments: [{ id: hq, name: HQ }]
mailboxes: [{ address: dmarc@b.example, name: DMARC }]
` }));
    const recs = Object.values(resources(two.stack("domains"), "aws_route53_record"));
    expect(recs.filter((r) => r.name === "a.example" && r.type === "TXT").map((r) => r.records)).toEqual([
      ["v=spf1 include:amazonses.com include:_spf.google.com ~all", "site-verification=xyz"],
    ]);
    expect(recs.filter((r) => r.name === "a.example._report._dmarc.b.example").map((r) => [r.zone_id, r.type, r.records])).toEqual([["Z1B", "TXT", ["v=DMARC1"]]]);
  });

  it("creates one protected SES identity per domain with Easy DKIM RSA 2048 and the configuration set", () => {
    const ids = Object.values(resources(domains, "aws_sesv2_email_identity"));
    expect(ids.map((i) => i.email_identity).sort()).toEqual(["acme-elsewhere.example", "acme-send.example", "acme.example"]);
    for (const i of ids) {
      expect(i.dkim_signing_attributes).toEqual({ next_signing_key_length: "RSA_2048_BIT" });
      expect(i.configuration_set_name).toMatch(/^\$\{aws_sesv2_configuration_set\..*\.configuration_set_name\}$/);
      expect(i.lifecycle).toEqual({ prevent_destroy: true });
    }
  });

  it("sets a custom MAIL FROM per domain that falls back to SES's on MX failure", () => {
    const mf = Object.values(resources(domains, "aws_sesv2_email_identity_mail_from_attributes"));
    expect(mf.map((m) => m.mail_from_domain).sort()).toEqual(["bounce.acme-send.example", "mail.acme-elsewhere.example", "mail.acme.example"]);
    for (const m of mf) expect(m.behavior_on_mx_failure).toBe("USE_DEFAULT_VALUE");
  });

  it("writes every record into the hosted zone, protected, keyed by name rather than position", () => {
    const recs = resources(domains, "aws_route53_record");
    const acme = Object.entries(recs).filter(([, r]) => r.zone_id === "Z111ACME");
    expect(acme.map(([, r]) => `${r.type} ${String(r.name).replace(/\$\{element\(.*?, (\d)\)\}/, "<token $1>")}`).sort()).toEqual([
      "CNAME <token 0>._domainkey.acme.example",
      "CNAME <token 1>._domainkey.acme.example",
      "CNAME <token 2>._domainkey.acme.example",
      "MX mail.acme.example",
      "TXT _dmarc.acme.example",
      "TXT _smtp._tls.acme.example",
      "TXT acme.example",
      "TXT default._bimi.acme.example",
      "TXT mail.acme.example",
    ]);
    const dkim = acme.find(([k]) => k.startsWith("domain-acmeexample_dkim-1"))![1];
    expect(dkim.records).toEqual(["${element(aws_sesv2_email_identity.domain-acmeexample_identity_9579D41A.dkim_signing_attributes[0].tokens, 0)}.dkim.amazonses.com"]);
    for (const [, r] of Object.entries(recs)) {
      expect(r.lifecycle).toEqual({ prevent_destroy: true });
      expect(r.ttl).toBe(600);
    }
    const send = Object.values(recs).filter((r) => r.zone_id === "Z222SEND");
    expect(send.some((r) => r.type === "MX" && r.name === "acme-send.example")).toBe(false);
    expect(send).toHaveLength(7);
  });

  it("writes the domain's MX in the inbound stack, created only after the rule set, rules, store and router", () => {
    const inbound = synth.stack("inbound");
    const mx = Object.entries(resources(inbound, "aws_route53_record"));
    expect(mx.map(([, r]) => `${r.type} ${r.name} ${r.zone_id} ${JSON.stringify(r.records)}`)).toEqual(['MX acme.example Z111ACME ["10 inbound-smtp.eu-west-1.amazonaws.com"]']);
    const [, record] = mx[0]!;
    expect(record.lifecycle).toEqual({ prevent_destroy: true });
    const deps = record.depends_on as string[];
    for (const type of ["aws_ses_active_receipt_rule_set", "aws_ses_receipt_rule", "aws_lambda_permission", "aws_s3_bucket_policy"]) {
      expect(deps.some((d) => d.startsWith(`${type}.`))).toBe(true);
    }
    // No domain's apex MX is left in the domains stack (it would switch mail before SES can take it).
    expect(Object.values(resources(domains, "aws_route53_record")).filter((r) => r.type === "MX").map((r) => r.name).sort()).toEqual(["bounce.acme-send.example", "mail.acme.example"]);
  });

  it("without a hosted zone, creates no records and outputs them instead", () => {
    const recs = Object.values(resources(domains, "aws_route53_record"));
    expect(recs.some((r) => String(r.name).endsWith("acme-elsewhere.example"))).toBe(false);
    const out = Object.entries(domains.output ?? {}).find(([k]) => k === "dns_records_acme_elsewhere_example");
    expect(out).toBeDefined();
    // One readable output per domain for the DKIM tokens: `terraform output dkim_tokens_acme_example`.
    expect(Object.keys(domains.output ?? {}).filter((k) => k.startsWith("dkim_tokens_")).sort()).toEqual(["dkim_tokens_acme_elsewhere_example", "dkim_tokens_acme_example", "dkim_tokens_acme_send_example"]);
    expect((out![1].value as { name: string }[]).map((r) => r.name)).toContain("_dmarc.acme-elsewhere.example");
  });

  it("configures the organisation's configuration set: TLS required, reputation, suppression, events to SNS", () => {
    const [set] = Object.values(resources(domains, "aws_sesv2_configuration_set"));
    expect(set).toMatchObject({
      configuration_set_name: "acme-mail",
      delivery_options: { tls_policy: "REQUIRE" },
      reputation_options: { reputation_metrics_enabled: true },
      suppression_options: { suppressed_reasons: ["BOUNCE", "COMPLAINT"] },
      lifecycle: { prevent_destroy: true },
    });
    const [dest] = Object.values(resources(domains, "aws_sesv2_configuration_set_event_destination"));
    expect(dest!.event_destination).toMatchObject({ enabled: true, matching_event_types: ["BOUNCE", "COMPLAINT", "REJECT"] });
    expect(Object.values(resources(domains, "aws_sesv2_account_suppression_attributes"))[0]).toMatchObject({ suppressed_reasons: ["BOUNCE", "COMPLAINT"] });
    const policy = JSON.parse(String(Object.values(resources(domains, "aws_sns_topic_policy"))[0]!.policy));
    expect(policy.Statement[0]).toMatchObject({ Effect: "Allow", Principal: { Service: "ses.amazonaws.com" }, Action: "SNS:Publish" });
  });

  it("encrypts the events topic with its own key and lets only SES of this account, for this configuration set, publish", () => {
    const [topic] = Object.values(resources(domains, "aws_sns_topic"));
    const keys = resources(domains, "aws_kms_key");
    const keyName = Object.keys(keys).find((k) => k.includes("events-key"))!;
    expect(topic!.kms_master_key_id).toBe(`\${aws_kms_key.${keyName}.arn}`);
    const keyPolicy = JSON.parse(String(keys[keyName]!.policy));
    expect(keyPolicy.Statement[1]).toMatchObject({ Principal: { Service: "ses.amazonaws.com" }, Action: ["kms:GenerateDataKey*", "kms:Decrypt"] });
    const policy = JSON.parse(String(Object.values(resources(domains, "aws_sns_topic_policy"))[0]!.policy));
    const [allow, denyOthers, denyPlain] = policy.Statement;
    const acct = allow.Condition.StringEquals["AWS:SourceAccount"];
    expect(acct).toMatch(/^\$\{data\.aws_caller_identity\..+\.account_id\}$/);
    expect(allow.Condition.ArnLike["AWS:SourceArn"]).toBe(`arn:aws:ses:*:${acct}:configuration-set/acme-mail`);
    expect(denyOthers).toMatchObject({ Effect: "Deny", Principal: "*", Action: "SNS:Publish", Condition: { StringNotEquals: { "AWS:SourceAccount": acct } } });
    expect(denyPlain).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
  });

  it("is byte-identical across runs and independent of domain order", () => {
    const again = synthOrg(dir);
    expect(again.raw("domains")).toBe(synth.raw("domains"));
    const reordered = DOMAINS_ORG.replace(
      /domains:\n([\s\S]*?)departments:/,
      (_, body: string) => {
        const items = body.split(/(?=  - name:)/).filter(Boolean);
        return `domains:\n${[...items].reverse().join("")}departments:`;
      },
    );
    expect(reordered).not.toBe(DOMAINS_ORG);
    expect(synthOrg(writeOrg({ "org.yaml": reordered })).raw("domains")).toBe(synth.raw("domains"));
  });
});
