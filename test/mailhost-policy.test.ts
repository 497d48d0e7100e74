/**
 * One decision: the mailbox host's enforcement (the policy service bundle as Postfix runs it, speaking Postfix's
 * policy protocol, and the SES relay's author check) against `can-send` on a generated corpus of over 5,000
 * requests, the IAM oracle's 300 cases among them. Also the policy service's answers one by one.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { policyBundle } from "../mailhost/bundles.ts";
import { policyAction, ruleOf, type PolicyConfig } from "../mailhost/policy-service.ts";
import { authorRefusal } from "../mailhost/ses-relay.ts";
import type { Org } from "../model/org.ts";
import type { OrgIndex } from "../model/org-index.ts";
import { validateOrg } from "../model/validate.ts";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { planOrg } from "../plan/plan.ts";
import { canSend } from "../simulate/can-send.ts";
import { caseArb, ORG } from "./fixtures-sending.ts";
import { writeOrg } from "./helpers.ts";

/** The oracle's org with a mailbox host, plus a disabled and a departed member. */
const HOST = {
  "org.yaml": ORG.replace("timezone: Asia/Shanghai }", "timezone: Asia/Shanghai, mailbox_host: { hostname: mail.example.com } }").replace("{ name: example.com }", "{ name: example.com, hosted_zone_id: Z0123456789ABC }"),
  "more.yaml": "members:\n  - { address: dis@example.com, name: Dis, status: disabled }\n  - { address: gone@example.com, name: Gone, status: departed, forward_to: [dev@example.com] }\n",
};

let org: Org;
let index: OrgIndex;
let host: MailhostPlan;
beforeAll(() => {
  const r = validateOrg(writeOrg(HOST), { today: "2026-06-01" });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  org = r.org;
  index = r.index!;
  host = planOrg(org, index, { today: "2026-06-01" }).mailhost!;
});

const config = (today?: string): PolicyConfig => ({ relayUser: "mailorg-router", filter: "mailorg-ses:", decision: host.decision, ...(today ? { today } : {}) });
const ask = (c: PolicyConfig, attrs: Record<string, string>): string => policyAction(c, { request: "smtpd_access_policy", ...attrs }, () => "2026-06-01T04:00:00Z");

describe("the host's policy service", () => {
  it("filters an allowed sender to the SES relay, accepts an allowed recipient, refuses with 5.7.1 naming the rule", () => {
    const c = config("2026-06-01");
    const m = { sasl_username: "dev@example.com", client_address: "192.0.2.10" };
    expect(ask(c, { ...m, policy_context: "sender", sender: "dev@example.com" })).toBe("FILTER mailorg-ses:");
    expect(ask(c, { ...m, policy_context: "recipient", sender: "dev@example.com", recipient: "friend@partner.example" })).toBe("OK");
    expect(ask(c, { ...m, policy_context: "sender", sender: "ceo@example.com" })).toBe("REJECT 5.7.1 no statement allows dev@example.com to send as ceo@example.com [send-as]");
    expect(ask(c, { ...m, policy_context: "recipient", sender: "dev@example.com", recipient: "all@example.com" })).toMatch(/^REJECT 5\.7\.1 denied by group oracle-co-no-all-\w+: DenyRestrictedGroups \[DenyRestrictedGroups\]$/);
    expect(ask(c, { ...m, client_address: "203.0.113.5", policy_context: "sender", sender: "dev@example.com" })).toBe("REJECT 5.7.1 denied by group oracle-co-office-ip-only: DenySendingOutsideOfficeRanges [DenySendingOutsideOfficeRanges]");
    expect(ask(c, { sasl_username: "dis@example.com", policy_context: "sender", sender: "dis@example.com" })).toBe("REJECT 5.7.1 dis@example.com is disabled: the access key behind their SMTP credentials is Inactive [account]");
  });

  it("leaves the router's relay, unauthenticated clients and other questions to Postfix's other restrictions", () => {
    const c = config("2026-06-01");
    expect(ask(c, { sasl_username: "mailorg-router", policy_context: "sender", sender: "anyone@partner.example" })).toBe("DUNNO");
    expect(ask(c, { policy_context: "sender", sender: "dev@example.com" })).toBe("DUNNO");
    expect(ask(c, { sasl_username: "dev@example.com", sender: "dev@example.com" })).toBe("DUNNO");
  });

  it("ends a dated delegation at midnight in the org's time zone, by the host's clock", () => {
    // dev@ may send as hr@ until 2026-06-30 in Asia/Shanghai: 16:00 UTC that day is midnight there.
    const c = config();
    const at = (instant: string) => policyAction(c, { sasl_username: "dev@example.com", policy_context: "sender", sender: "hr@example.com", client_address: "192.0.2.10" }, () => instant);
    expect(at("2026-06-30T15:59:59Z")).toBe("FILTER mailorg-ses:");
    expect(at("2026-06-30T16:00:00Z")).toBe("REJECT 5.7.1 no statement allows dev@example.com to send as hr@example.com [send-as]");
  });
});

/** Runs the bundled policy service (node policy.mjs policy.json) and asks it every request in order. */
async function viaBundle(c: PolicyConfig, requests: Record<string, string>[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "mailorg-policy-"));
  writeFileSync(join(dir, "policy.mjs"), policyBundle());
  writeFileSync(join(dir, "policy.json"), JSON.stringify(c));
  const child = spawn(process.execPath, [join(dir, "policy.mjs"), join(dir, "policy.json")], { stdio: ["pipe", "pipe", "inherit"] });
  const answers: string[] = [];
  const done = (async () => {
    for await (const line of createInterface({ input: child.stdout })) if (line.startsWith("action=")) answers.push(line.slice("action=".length));
  })();
  for (const r of requests) child.stdin.write(Object.entries({ request: "smtpd_access_policy", ...r }).map(([k, v]) => `${k}=${v}\n`).join("") + "\n");
  child.stdin.end();
  await done;
  return answers;
}

describe("one decision: the host's enforcement and can-send agree", () => {
  it("on every one of over 5,000 generated requests, the IAM oracle's 300 among them", async () => {
    const logins = fc.constantFrom("ceo@example.com", "dev@example.com", "intern@example.com", "solo@example.net", "dis@example.com", "gone@example.com", "boss@example.com", "DEV@example.com");
    const corpus = [
      ...fc.sample(caseArb, { numRuns: 300, seed: 12 }), // the oracle's cases (test/iam-oracle.test.ts, same seed)
      ...fc.sample(fc.tuple(caseArb, logins).map(([c, as]) => ({ ...c, as })), { numRuns: 5000, seed: 26 }),
    ];
    const days = [...new Set(corpus.map((c) => c.today))].sort();
    const disagreements: string[] = [];
    const outcomes = { allowed: 0, refusedAtSender: 0, refusedAtRecipient: 0 };
    for (const today of days) {
      const cases = corpus.filter((c) => c.today === today);
      // Per case: the sender question, then one recipient question per recipient (as Postfix asks them).
      const requests = cases.flatMap((c) => {
        const base = { sasl_username: c.as, sender: c.from, client_address: c.ip };
        return [{ ...base, policy_context: "sender" }, ...c.to.map((r) => ({ ...base, policy_context: "recipient", recipient: r }))];
      });
      const answers = await viaBundle(config(today), requests);
      expect(answers).toHaveLength(requests.length);
      let i = 0;
      for (const c of cases) {
        const sender = answers[i++]!;
        const recipients = c.to.map(() => answers[i++]!);
        const truth = canSend(org, index, { as: c.as, from: c.from, to: c.to, ip: c.ip, today });
        const hostAllows = sender.startsWith("FILTER ") && recipients.every((a) => a === "OK");
        // The relay's check of the From field (here the same address as the envelope's) must agree too.
        const raw = Buffer.from(`From: ${c.from}\r\nTo: ${c.to.join(", ")}\r\nSubject: t\r\n\r\nx\r\n`);
        const relayAllows = authorRefusal({ decision: host.decision, today }, { login: c.as, client: c.ip, sender: c.from, recipients: c.to }, raw, () => "unused") === null;
        if (hostAllows !== truth.allowed || relayAllows !== truth.allowed) disagreements.push(`${JSON.stringify(c)}: can-send ${truth.allowed} (${truth.reason}), host ${sender} / ${recipients.join(" / ")}, relay ${relayAllows}`);
        // A refusal names the rule can-send names for the same question: the sender (no recipients yet), or that recipient.
        const refused = [sender, ...recipients].findIndex((a) => a.startsWith("REJECT "));
        if (refused >= 0) {
          const question = canSend(org, index, { as: c.as, from: c.from, to: refused === 0 ? [] : [c.to[refused - 1]!], ip: c.ip, today });
          const answer = [sender, ...recipients][refused]!;
          if (question.allowed || answer !== `REJECT 5.7.1 ${question.reason} [${ruleOf(question)}]`) disagreements.push(`${JSON.stringify(c)}: can-send says ${question.reason} [${ruleOf(question)}], host said ${answer}`);
        }
        if (truth.allowed) outcomes.allowed++;
        else if (sender.startsWith("REJECT ")) outcomes.refusedAtSender++;
        else outcomes.refusedAtRecipient++;
      }
    }
    expect(corpus.length).toBeGreaterThanOrEqual(5000);
    expect(disagreements.slice(0, 5)).toEqual([]);
    // The corpus exercises every outcome, each many times.
    expect(Math.min(outcomes.allowed, outcomes.refusedAtSender, outcomes.refusedAtRecipient)).toBeGreaterThan(100);
  }, 180_000);
});
