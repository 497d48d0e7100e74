import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Object } from "@cdktn/provider-aws/lib/s3-object";
import { SesTemplate } from "@cdktn/provider-aws/lib/ses-template";
import { AssetType, TerraformAsset } from "cdktn";
import { Construct } from "constructs";
import { STORE_PREFIX } from "../plan/contract.ts";
import type { SignatureTemplatePlan } from "../plan/plan.ts";
import type { RenderedSignature } from "../plan/signatures.ts";

export interface SignaturesProps {
  /** The SES templates, named and composed in the plan. */
  readonly templates: readonly SignatureTemplatePlan[];
  /** Every active member's rendered signature. */
  readonly rendered: readonly RenderedSignature[];
  /** The mail store bucket's name. */
  readonly bucketName: string;
}

/**
 * Enterprise signatures. Each template becomes an SES template for API sends ({{{body}}} then the
 * signature, Handlebars). SES adds nothing to SMTP mail, so every active member's rendered signature is
 * also published as one object, signatures/signatures.json in the mail store, for mail clients to install.
 */
export class Signatures extends Construct {
  constructor(scope: Construct, id: string, props: SignaturesProps) {
    super(scope, id);
    for (const t of props.templates) new SesTemplate(this, `template-${t.id}`, { name: t.name, subject: t.subject, html: t.html, text: t.text });
    const dir = mkdtempSync(join(tmpdir(), "mailorg-signatures-"));
    const file = join(dir, "signatures.json");
    const byAddress = Object.fromEntries(props.rendered.map((s) => [s.address, { template: s.template, html: s.html, text: s.text }]));
    writeFileSync(file, JSON.stringify(byAddress, null, 1) + "\n");
    utimesSync(file, new Date("2020-01-01T00:00:00Z"), new Date("2020-01-01T00:00:00Z"));
    const asset = new TerraformAsset(this, "rendered", { path: file, type: AssetType.FILE });
    new S3Object(this, "published", {
      bucket: props.bucketName,
      key: `${STORE_PREFIX.signatures}signatures.json`,
      source: asset.path,
      sourceHash: asset.assetHash,
      contentType: "application/json",
    });
  }
}
