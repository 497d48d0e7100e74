import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Object } from "@cdktn/provider-aws/lib/s3-object";
import { SesTemplate } from "@cdktn/provider-aws/lib/ses-template";
import { AssetType, TerraformAsset, TerraformStack } from "cdktn";
import { Construct } from "constructs";
import { STORE_PREFIX } from "../plan/contract.ts";
import type { SignatureTemplatePlan } from "../plan/plan.ts";
import type { RenderedSignature } from "../plan/signatures.ts";

/**
 * Where the `sending` stack kept the published signatures until they moved to the `inbound` stack, beside the
 * mail store they are written into. The sending stack forgets this address (a `removed` block with
 * `destroy = false`) so that its next apply leaves the object in place; the inbound stack writes the same key.
 */
export const PUBLISHED_SIGNATURES_IN_SENDING = "aws_s3_object.signatures_published_182F8186";

export interface SignatureTemplatesProps {
  /** The SES templates, named and composed in the plan. */
  readonly templates: readonly SignatureTemplatePlan[];
}

/**
 * Enterprise signatures for API sends, in the `sending` stack: each template becomes an SES template
 * ({{{body}}} then the signature, Handlebars). They change only when a template does, never for one member.
 * The stack also forgets (never destroys) the published object it used to write (PUBLISHED_SIGNATURES_IN_SENDING).
 */
export class SignatureTemplates extends Construct {
  constructor(scope: Construct, id: string, props: SignatureTemplatesProps) {
    super(scope, id);
    for (const t of props.templates) new SesTemplate(this, `template-${t.id}`, { name: t.name, subject: t.subject, html: t.html, text: t.text });
    TerraformStack.of(this).addOverride("removed", [{ from: PUBLISHED_SIGNATURES_IN_SENDING, lifecycle: { destroy: false } }]);
  }
}

export interface PublishedSignaturesProps {
  /** Every active member's rendered signature. */
  readonly rendered: readonly RenderedSignature[];
  /** The mail store bucket's name (a reference to the bucket of the same stack, so the object follows it). */
  readonly bucketName: string;
}

/**
 * SES adds nothing to SMTP mail, so every active member's rendered signature is published as one object,
 * signatures/signatures.json in the mail store, for mail clients to install. It lives in the `inbound` stack
 * with the mail store: a member's change already touches that stack (the routing table), so publishing their
 * signature touches no other.
 */
export class PublishedSignatures extends Construct {
  constructor(scope: Construct, id: string, props: PublishedSignaturesProps) {
    super(scope, id);
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
