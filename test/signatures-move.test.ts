/**
 * The published signatures (signatures/signatures.json in the mail store) moved from the `sending` stack to
 * the `inbound` stack, so that one member's change touches at most two stacks. The object is live: the move
 * must never delete it. The sending stack forgets its old address (`removed`, `destroy = false`); the inbound
 * stack, applied first, writes the same key (an S3 put replaces it; no import, which would fail on an org
 * that never had the object). Terraform itself plans the forget, with a provider-free stand-in of the object.
 */
import { describe, expect, it } from "vitest";
import { PUBLISHED_SIGNATURES_IN_SENDING } from "../constructs/signatures.ts";
import { stackOrder } from "../plan/stacks.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";
import { resources, synthOrg } from "./synth-helpers.ts";
import { plannedActions, terraformMissing } from "./terraform.ts";

const ORG = `${HOST_ORG}signatures:
  - { id: std, applies_to: [department:hq], html: "<b>{{name}}</b>", text: "{{name}}" }
`;

type Removed = { from: string; lifecycle: { destroy: boolean } };

describe("the published signatures' move from the sending stack to the inbound stack", () => {
  const synth = synthOrg(writeOrg({ "org.yaml": ORG }));
  const sending = synth.stack("sending") as unknown as { removed?: Removed[]; resource: Record<string, unknown> };
  const inbound = synth.stack("inbound") as unknown as { import?: unknown; resource: Record<string, Record<string, Record<string, unknown>>> };

  it("the sending stack forgets the object's old address without destroying it, and no longer declares it", () => {
    // The address the sending stack gave the object before the move (constructs/signatures.ts at b88fe20).
    expect(PUBLISHED_SIGNATURES_IN_SENDING).toBe("aws_s3_object.signatures_published_182F8186");
    expect(sending.removed).toEqual([{ from: PUBLISHED_SIGNATURES_IN_SENDING, lifecycle: { destroy: false } }]);
    expect(sending.resource["aws_s3_object"]).toBeUndefined();
  });

  it("the inbound stack writes the same key into its own mail store, without an import, and is applied before the sending stack", () => {
    const objects = resources(synth.stack("inbound"), "aws_s3_object");
    expect(Object.keys(objects)).toEqual(["signatures_published_182F8186"]);
    expect(objects["signatures_published_182F8186"]).toMatchObject({ key: "signatures/signatures.json", bucket: expect.stringMatching(/^\$\{aws_s3_bucket\.mail-store_bucket_[0-9A-F]+\.bucket\}$/) });
    expect(inbound.import).toBeUndefined();
    expect(stackOrder().indexOf("inbound")).toBeLessThan(stackOrder().indexOf("sending"));
  });

  it.skipIf(terraformMissing)("Terraform plans a forget, not a delete, for the object in the sending stack's state; nothing for a new org", () => {
    // terraform_data stands in for the aws_s3_object (no provider to download); the removed blocks are the stack's own.
    const standIn = (address: string) => address.replace(/^aws_s3_object\./, "terraform_data.");
    const name = standIn(PUBLISHED_SIGNATURES_IN_SENDING).split(".")[1]!;
    const deployed = { resource: { terraform_data: { [name]: { input: "signatures/signatures.json" } } } };
    const next = { removed: sending.removed!.map((r) => ({ ...r, from: standIn(r.from) })) };
    expect(plannedActions(deployed, next)).toEqual({ [`terraform_data.${name}`]: ["forget"] });
    // Without the removed block the same state would plan the object's deletion.
    expect(plannedActions(deployed, {})).toEqual({ [`terraform_data.${name}`]: ["delete"] });
    // An org deployed after the move never had the object in the sending stack: the block plans nothing.
    expect(plannedActions({}, next)).toEqual({});
  }, 60_000);
});
