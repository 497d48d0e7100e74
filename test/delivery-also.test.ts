/**
 * Issue #29: dual delivery while mail moves (delivery.also). The listed members' mail also goes to the old
 * provider, as a target of its own (claimed and recorded, so a retry never sends it twice), beside the mailbox
 * host; the router's table and its IAM policy carry it only when declared.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesize } from "../constructs/synth.ts";
import type { MailboxHost } from "../runtime/delivery/deliver.ts";
import { deliverCopies, DeliveryIncomplete, DeliveryError, type DeliveryJob } from "../runtime/delivery/deliver.ts";
import { validatePlan } from "../plan/validate.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { memoryTargets, type Recorded } from "./delivery-fakes.ts";
import { writeOrg } from "./helpers.ts";

const MESSAGE = Buffer.from("From: Pat <pat@partner.example.org>\r\nTo: li.na@example.com\r\nMessage-ID: <m1@partner.example.org>\r\nSubject: hi\r\n\r\nhello\r\n");
const JOB: DeliveryJob = { messageId: "m1", envelopeFrom: "pat@partner.example.org", addresses: ["li.na@example.com", "wu.bo@example.com"] };

function oldProvider(failFirst = 0): MailboxHost & { got: Recorded[] } {
  let failures = failFirst;
  const got: Recorded[] = [];
  return {
    got,
    async deliver(address, _from, raw, folder) {
      if (failures-- > 0) throw new DeliveryError("451 4.3.0 try again", false, "smtp-4xx");
      got.push({ address, raw, folder });
    },
  };
}

describe("delivering to the old provider too", () => {
  it("copies the listed members' mail to the old provider as well as to the host and the store", async () => {
    const t = memoryTargets(MESSAGE);
    const old = oldProvider();
    const results = await deliverCopies(JOB, { store: t.store, host: t.host, forwards: {}, also: { host: old, members: new Set(["li.na@example.com"]) } }, { retryDelaysMs: [] });
    expect(results.map((r) => [r.address, r.relay, r.also ?? null])).toEqual([["li.na@example.com", "delivered", "delivered"], ["wu.bo@example.com", "delivered", null]]);
    expect(old.got.map((g) => g.address)).toEqual(["li.na@example.com"]);
    expect(old.got[0]!.raw.toString()).toContain("Delivered-To: li.na@example.com");
    expect(t.relayed.map((r) => r.address)).toEqual(["li.na@example.com", "wu.bo@example.com"]);
  });

  it("a retry after the old provider failed sends it there once, and the host's copy is not sent again", async () => {
    const t = memoryTargets(MESSAGE);
    const old = oldProvider(1);
    const targets = { store: t.store, host: t.host, forwards: {}, also: { host: old, members: new Set(["li.na@example.com"]) } };
    await expect(deliverCopies({ ...JOB, addresses: ["li.na@example.com"] }, targets, { retryDelaysMs: [], claimLeaseMs: 0 })).rejects.toThrow(DeliveryIncomplete);
    const again = await deliverCopies({ ...JOB, addresses: ["li.na@example.com"] }, targets, { retryDelaysMs: [], claimLeaseMs: 0 });
    expect(again[0]).toMatchObject({ relay: "delivered", also: "delivered", earlier: ["relay"] });
    expect([old.got.length, t.relayed.length]).toEqual([1, 1]);
  });
});

describe("the plan carries it", () => {
  const withAlso = HOST_ORG.replace("default_quota_mb: 512 }", "default_quota_mb: 512 }\n  delivery: { also: { host: smtp-relay.gmail.com, tls: required, auth_secret: mailorg/google, members: [Li.Na@example.com, wu.bo@example.com] } }");
  it("into the routing table, with port 587 by default; an org without it ships no also at all", () => {
    const r = validatePlan(writeOrg({ "org.yaml": withAlso }), { today: "2026-06-01" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.plan!.inbound.table.also).toEqual({ host: "smtp-relay.gmail.com", port: 587, authSecret: "mailorg/google", members: ["li.na@example.com", "wu.bo@example.com"] });
    expect(r.plan!.inbound.table.relay?.host).toBe("mail.example.com");
    const plain = validatePlan(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
    expect("also" in plain.plan!.inbound.table).toBe(false);
  });

  it("the router may read both SMTP logins (the host's and the old provider's), and nothing else's", () => {
    const dir = writeOrg({ "org/org.yaml": withAlso });
    const out = join(dir, "out");
    synthesize({ orgDir: join(dir, "org"), outDir: out, today: "2026-06-01" });
    const text = readFileSync(join(out, "stacks/inbound/cdk.tf.json"), "utf8");
    const secrets = [...text.matchAll(/secret:([A-Za-z0-9/_+=.@-]+)-\?{6}/g)].map((m) => m[1]);
    expect([...new Set(secrets)].sort()).toEqual(["host-co/mailhost/relay", "mailorg/google"].sort());
  }, 60_000);
});
