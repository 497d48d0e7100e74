/**
 * The host's Sieve scripts, decided in process and proven with Pigeonhole's own tools: the junk filing and the
 * org's auto-replies compile with sievec, and sieve-test shows what each does with a message (junk filed and
 * nothing after it; a reply from the member's address, never to lists, bounces or automatic mail, only before its end).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { autoReplyScript, junkScript, sieveString } from "../mailhost/sieve.ts";
import { validateOrg } from "../model/validate.ts";
import { planOrg } from "../plan/plan.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { writeOrg } from "./helpers.ts";

const have = ["/usr/bin/sievec", "/usr/bin/sieve-test"].every(existsSync);

describe("the plan's auto-replies", () => {
  it("carries each hosted member's auto_reply with its addresses and the instant its last day ends in the org's time zone", () => {
    const org = HOST_ORG.replace("default_quota_mb: 512 }", "default_quota_mb: 512 }\n  timezone: Asia/Shanghai").replace(
      "quota_mb: 4096, aliases: [ln@example.com] }",
      'quota_mb: 4096, aliases: [LN@example.com], auto_reply: { subject: "Away", body: "Back soon", until: 2026-06-30 } }',
    ).replace("name: Kept, status: departed }", "name: Kept, status: departed, auto_reply: { subject: Left, body: Gone }  }");
    const r = validateOrg(writeOrg({ "org.yaml": org }), { today: "2026-06-01" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(planOrg(r.org, r.index!, { today: "2026-06-01" }).mailhost!.autoReplies).toEqual([
      { address: "kept@example.com", addresses: ["kept@example.com"], subject: "Left", body: "Gone", days: 7 },
      { address: "li.na@example.com", addresses: ["li.na@example.com", "ln@example.com"], subject: "Away", body: "Back soon", days: 7, untilUtc: "2026-06-30T16:00:00Z" },
    ]);
  });
  it("writes Sieve strings with backslashes and quotes escaped", () => {
    expect(sieveString('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
  });
});

describe.skipIf(!have)("the host's Sieve scripts, run by Pigeonhole's sieve-test", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mailorg-sieve-"));
    chmodSync(dir, 0o777);
    mkdirSync(join(dir, "mail"));
    chmodSync(join(dir, "mail"), 0o777); // sieve-test delivers as nobody
    writeFileSync(join(dir, "d.conf"), `mail_uid = nobody\nmail_gid = nogroup\nmail_location = maildir:${dir}/mail\n`);
  });
  const message = (headers: string) => `From: Pat <pat@partner.example.org>\r\nTo: ln@example.com\r\nSubject: hi\r\nMessage-ID: <1@partner.example.org>\r\n${headers}\r\nhello\r\n`;
  /** sievec's verdict and sieve-test's actions for a script and a message. */
  function run(script: string, msg: string, from = "pat@partner.example.org"): { compiled: number | null; actions: string } {
    const n = Math.random().toString(36).slice(2);
    writeFileSync(join(dir, `${n}.sieve`), script, { mode: 0o644 });
    writeFileSync(join(dir, `${n}.eml`), msg, { mode: 0o644 });
    const compiled = spawnSync("sievec", ["-c", join(dir, "d.conf"), join(dir, `${n}.sieve`)], { encoding: "utf8" }).status;
    // -e executes the result as delivery would (sending simulated): the vacation action's own checks run.
    const t = spawnSync("sieve-test", ["-e", "-c", join(dir, "d.conf"), "-f", from, "-a", "li.na@example.com", join(dir, `${n}.sieve`), join(dir, `${n}.eml`)], { encoding: "utf8" });
    return { compiled, actions: t.stdout + t.stderr };
  }
  const reply = { address: "li.na@example.com", addresses: ["li.na@example.com", "ln@example.com"], subject: 'Li Na is "away"', body: "Write to hr@example.com.\nThanks", days: 7 };

  it("files a copy marked X-Spam-Flag: YES into Junk and stops; leaves other mail alone", () => {
    const junk = run(junkScript(), message("X-Spam-Flag: YES\r\n"));
    expect(junk.compiled).toBe(0);
    expect(junk.actions).toMatch(/stored mail into mailbox 'Junk'/);
    expect(junk.actions).not.toMatch(/INBOX/);
    const plain = run(junkScript(), message("X-Spam-Flag: NO\r\n")).actions;
    expect(plain).toMatch(/stored mail into mailbox 'INBOX'/);
    expect(plain).not.toMatch(/Junk/);
  });

  it("replies from the member's address to mail sent to an alias, with the subject and body as written", () => {
    const r = run(autoReplyScript(reply), message(""));
    expect(r.compiled).toBe(0);
    expect(r.actions).toContain("vacation action: sent vacation response to <pat@partner.example.org>");
    expect(r.actions).toMatch(/^From: li\.na@example\.com\r?$/m);
    expect(r.actions).toMatch(/^Subject: Li Na is "away"\r?$/m);
    expect(r.actions).toMatch(/^Auto-Submitted: auto-replied \(vacation\)\r?$/m);
    expect(r.actions).toMatch(/Write to hr@example\.com\.\r?\nThanks/);
  });

  it("sends nothing to a mailing list, a bounce or automatic mail", () => {
    expect(run(autoReplyScript(reply), message("List-Id: <news.lists.example.org>\r\n")).actions).toContain("discarding vacation response to mailinglist recipient");
    // A bounce (sieve-test cannot take the null sender; the sandbox test sends one with MAIL FROM:<>), and automatic mail.
    expect(run(autoReplyScript(reply), message(""), "MAILER-DAEMON@partner.example.org").actions).toContain("not sending vacation response to system address <MAILER-DAEMON@partner.example.org>");
    expect(run(autoReplyScript(reply), message("Auto-Submitted: auto-replied\r\n")).actions).toContain("discarding vacation response to auto-submitted message");
  });

  it("sends nothing once its last day has ended (an end long past), and replies before it (an end far ahead)", () => {
    expect(run(autoReplyScript({ ...reply, untilUtc: "2000-01-01T16:00:00Z" }), message("")).actions).not.toContain("vacation");
    const ahead = run(autoReplyScript({ ...reply, untilUtc: "2999-12-31T16:00:00Z" }), message(""));
    expect(ahead.compiled).toBe(0);
    expect(ahead.actions).toContain("sent vacation response to <pat@partner.example.org>");
  });
});
