/**
 * `mailorg cutover --domain D`: the checks before a domain's MX moves from the old provider to SES, in the
 * order they must pass, each ✓ or ✗ (or ? where nothing here can tell), with the MX switch as the last
 * step. Pure: the zone as it is now, SES's view of the identity and the MTA-STS policy text come in; the
 * CLI gathers them (a zone file, SES's API, HTTPS).
 */
import { canon, type Domain } from "../model/org.ts";
import { dmarcValue } from "../plan/dns.ts";
import { parseSpf, readPolicies, SES_MX, type ZoneRecord } from "./zone.ts";

export type Mark = "✓" | "✗" | "?";

export interface Step {
  readonly mark: Mark;
  readonly title: string;
  /** What was seen, and what to do when it is not ✓. */
  readonly detail: string;
}

/** SES's view of the domain's identity (GetEmailIdentity); undefined: not known (not asked, or no access). */
export interface IdentityStatus {
  /** DkimAttributes.Status: SUCCESS, PENDING, FAILED, TEMPORARY_FAILURE, NOT_STARTED. */
  readonly dkim?: string;
  /** MailFromAttributes.MailFromDomainStatus: SUCCESS, PENDING, FAILED, TEMPORARY_FAILURE. */
  readonly mailFrom?: string;
  /** Why the status is missing, when it is. */
  readonly error?: string;
}

export interface CutoverInput {
  readonly domain: Domain;
  readonly region: string;
  /** The zone as it is now (a fresh export). */
  readonly zone: readonly ZoneRecord[];
  readonly identity: IdentityStatus;
  /** The MTA-STS policy served at https://mta-sts.<domain>/.well-known/mta-sts.txt, or why it could not be read. */
  readonly mtaStsPolicy?: { readonly text?: string; readonly error?: string };
}

/** The TTL the MX should have a day before the switch, so that a rollback takes minutes. */
export const LOW_TTL = 300;

/**
 * Senders an SPF include stands for, and the DKIM selectors they sign with when set up for the domain
 * (their documented defaults): a sender passes DMARC only aligned, and these send with their own MAIL FROM,
 * so alignment comes from DKIM with d=<domain>.
 */
export const KNOWN_SENDERS: Record<string, { readonly name: string; readonly selectors: readonly string[] }> = {
  "_spf.google.com": { name: "Google Workspace", selectors: ["google"] },
  "spf.protection.outlook.com": { name: "Microsoft 365", selectors: ["selector1", "selector2"] },
  "spf.mail.qq.com": { name: "Tencent Exmail", selectors: [] },
  "mail.zendesk.com": { name: "Zendesk", selectors: ["zendesk1", "zendesk2"] },
  "sendgrid.net": { name: "SendGrid", selectors: ["s1", "s2"] },
  "servers.mcsv.net": { name: "Mailchimp", selectors: ["k1", "k2", "k3"] },
  "mailgun.org": { name: "Mailgun", selectors: ["k1", "mx", "smtp", "pic"] },
  "_spf.salesforce.com": { name: "Salesforce", selectors: [] },
};

export function cutoverSteps(input: CutoverInput): Step[] {
  const d = canon(input.domain.name);
  const steps: Step[] = [];
  const z = input.zone;
  const id = input.identity;
  const sesMx = `inbound-smtp.${input.region}.amazonaws.com`;

  // 1, 2: SES must sign and bounce for the domain before it receives for it.
  const status = (s: string | undefined, what: string, fix: string): Step =>
    s === "SUCCESS"
      ? { mark: "✓", title: what, detail: "SUCCESS" }
      : { mark: "✗", title: what, detail: s ? `${s}: ${fix}` : `not known (${id.error ?? "not checked"}); ${fix}` };
  steps.push(status(id.dkim, `DKIM of ${d} verified by SES`, "apply the domains stack and publish the three DKIM CNAMEs (mailorg dns); SES checks them for up to 72 hours"));
  const mailFrom = `${input.domain.mail_from ?? "mail"}.${d}`;
  steps.push(status(id.mailFrom, `MAIL FROM ${mailFrom} verified by SES`, `publish the MX and SPF records of ${mailFrom} (mailorg dns)`));

  // 3: the SPF record lets SES send as the domain, and DMARC is what the org says.
  const apexSpf = z.filter((r) => r.name === d && r.type === "TXT" && /^v=spf1(\s|$)/i.test(r.value));
  const spf = apexSpf[0] ? parseSpf(apexSpf[0].value) : undefined;
  const sesListed = apexSpf.some((r) => /\binclude:amazonses\.com\b/i.test(r.value));
  steps.push(
    apexSpf.length !== 1
      ? { mark: "✗", title: `one SPF record at ${d}`, detail: `${apexSpf.length} found; a domain has exactly one (mailorg's merges the others' senders)` }
      : { mark: sesListed ? "✓" : "✗", title: `SPF of ${d} lists SES`, detail: sesListed ? apexSpf[0]!.value : `${apexSpf[0]!.value}: apply the domains stack (its SPF record adds include:amazonses.com)` },
  );
  const dmarc = z.find((r) => r.name === `_dmarc.${d}` && r.type === "TXT")?.value;
  const want = dmarcValue(input.domain);
  steps.push({ mark: dmarc === want ? "✓" : "✗", title: `DMARC of ${d} as the org has it`, detail: dmarc === want ? want : `the zone has ${dmarc ? JSON.stringify(dmarc) : "none"}, the org says ${JSON.stringify(want)}: import the record set and apply the domains stack` });

  // 4: every other sender the SPF record lists still passes DMARC after the move (aligned by DKIM).
  const selectors = new Set(z.filter((r) => r.name.endsWith(`._domainkey.${d}`)).map((r) => r.name.slice(0, -`._domainkey.${d}`.length)));
  for (const inc of spf?.include ?? []) {
    const known = KNOWN_SENDERS[inc];
    if (!known) {
      steps.push({ mark: "?", title: `sender ${inc}: SPF passes, DMARC alignment unknown`, detail: `make sure it signs with DKIM d=${d} (a selector under _domainkey.${d}) or sends with a MAIL FROM under ${d}; otherwise its mail fails DMARC` });
      continue;
    }
    const found = known.selectors.filter((s) => selectors.has(s));
    steps.push(
      found.length
        ? { mark: "✓", title: `sender ${known.name} (${inc}): SPF and DKIM-aligned`, detail: `DKIM selector ${found.map((s) => `${s}._domainkey.${d}`).join(", ")}` }
        : { mark: "✗", title: `sender ${known.name} (${inc}): SPF passes but DMARC is not aligned`, detail: `it sends with its own MAIL FROM; set up its DKIM for ${d}${known.selectors.length ? ` (selector ${known.selectors.join(" or ")})` : ""}, or remove it from spf once it no longer sends` },
    );
  }
  for (const ip of [...(spf?.ip4 ?? []), ...(spf?.ip6 ?? [])]) {
    steps.push({ mark: "?", title: `sender ${ip}: SPF passes, DMARC alignment unknown`, detail: `a server of your own: it aligns only when its MAIL FROM is under ${d} or it signs with DKIM d=${d}` });
  }

  // 5: the MX TTL, so that the switch and a rollback take minutes.
  const mx = z.filter((r) => r.name === d && r.type === "MX");
  const ttl = Math.max(0, ...mx.map((r) => r.ttl));
  steps.push(
    mx.length === 0
      ? { mark: "✓", title: `MX TTL of ${d}`, detail: "no MX yet" }
      : { mark: ttl <= LOW_TTL ? "✓" : "✗", title: `MX TTL of ${d} lowered to ${LOW_TTL} s or less`, detail: ttl <= LOW_TTL ? `${ttl} s` : `${ttl} s: lower it to ${LOW_TTL} at the DNS host a day (the old TTL) before the switch` },
  );

  // 6: MTA-STS: senders that enforce a policy listing only the old MX refuse SES's.
  const sts = readPolicies(z, d).mtaSts;
  if (!sts) steps.push({ mark: "✓", title: `MTA-STS of ${d}`, detail: "not published: nothing refuses SES's MX" });
  else if (!input.mtaStsPolicy?.text) {
    steps.push({ mark: "✗", title: `MTA-STS policy of ${d} lists SES's MX`, detail: `the zone publishes _mta-sts (id=${sts.id}) but the policy could not be read (${input.mtaStsPolicy?.error ?? "not fetched"})` });
  } else {
    const policy = parseStsPolicy(input.mtaStsPolicy.text);
    const listed = policy.mx.some((p) => mxMatches(p, sesMx));
    const ok = listed || policy.mode === "none";
    steps.push({
      mark: ok ? "✓" : "✗",
      title: `MTA-STS policy of ${d} lists SES's MX`,
      detail: ok
        ? `mode ${policy.mode}, mx ${policy.mx.join(", ")}`
        : `mode ${policy.mode}, mx ${policy.mx.join(", ")}: add "mx: ${sesMx}" (mode testing while mail moves), publish it, change the id of _mta-sts.${d}, and wait max_age (${policy.maxAge ?? "?"} s) for senders' cached copies to expire`,
    });
  }

  // Last: the switch itself, only once everything above holds.
  const blocked = steps.some((s) => s.mark === "✗");
  const oldMx = mx.map((r) => r.value.trim().split(/\s+/).pop()!.replace(/\.$/, "")).filter((h) => !SES_MX.test(h));
  steps.push({
    mark: blocked ? "✗" : "✓",
    title: `switch the MX of ${d} to SES (last)`,
    detail: blocked
      ? "not yet: the steps marked ✗ come first"
      : `in one pull request, remove receive: false from ${d}; import the MX record set into the inbound stack (mailorg import dns prints the command once receive is on), then mailorg apply: the MX becomes 10 ${sesMx}${oldMx.length ? ` (was ${oldMx.join(", ")})` : ""}, after the receipt rules exist. Keep the old provider for a few days for mail in flight`,
  });
  return steps;
}

export interface StsPolicy {
  readonly mode: string;
  readonly mx: string[];
  readonly maxAge?: number;
}

/** An MTA-STS policy file (RFC 8461 section 3.2): key: value lines. */
export function parseStsPolicy(text: string): StsPolicy {
  const mx: string[] = [];
  let mode = "none";
  let maxAge: number | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([a-z_]+)\s*:\s*(.*?)\s*$/i.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    if (key === "mx") mx.push(m[2]!.toLowerCase());
    else if (key === "mode") mode = m[2]!.toLowerCase();
    else if (key === "max_age") maxAge = Number(m[2]);
  }
  return { mode, mx, maxAge };
}

/** Whether a policy's mx pattern covers a host (a leading `*.` matches exactly one label). */
export function mxMatches(pattern: string, host: string): boolean {
  const p = pattern.replace(/\.$/, "").toLowerCase();
  const h = host.toLowerCase();
  if (p.startsWith("*.")) {
    const rest = h.slice(h.indexOf(".") + 1);
    return h.includes(".") && rest === p.slice(2);
  }
  return p === h;
}
