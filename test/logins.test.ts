/** Login records from Dovecot's log lines: the parser, CloudWatch Logs through the SDK (mocked), and the CLI on a sandbox log. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { loginsFromCloudWatch, loginsFromLog, parseLoginLine } from "../mailhost/logins.ts";
import { runCli, writeOrg } from "./helpers.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";

/** Lines as Dovecot 2.3.19 writes them with the host's log_timestamp and login_log_format_elements. */
const LOG = [
  "2026-12-02T00:20:02 master: Info: Dovecot v2.3.19.1 (9b53102964) starting up for imap, lmtp",
  "2026-12-02T00:20:02 imap-login: Info: Disconnected: Connection closed (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, TLS: Connection closed, session=<Uxijmpth4rh/AAAB>",
  "2026-12-02T00:20:03 imap-login: Info: Login: user=<li.na@example.com>, method=PLAIN, rip=203.0.113.9, lip=10.0.0.5, mpid=14099, TLS, session=<nAqwmpth7Lh/AAAB>",
  "2026-12-02T00:20:05 imap-login: Info: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): user=<li.na@example.com>, method=PLAIN, rip=198.51.100.4, lip=10.0.0.5, TLS: Connection closed, session=<Q32xmpth8Lh/AAAB>",
  "2026-12-03T08:00:00 imap-login: Info: Aborted login (auth failed, 3 attempts in 12 secs): user=<wu.bo@example.com>, method=LOGIN, rip=2001:db8::7, lip=10.0.0.5, TLS, session=<abc>",
  "2026-12-03T08:00:01 lmtp(li.na@example.com)<1><x>: Info: msgid=<m@x>: saved mail to INBOX",
].join("\n");

describe("login records", () => {
  it("reads successes and failures with time, address, remote IP and method; ignores every other line", () => {
    expect(loginsFromLog(LOG)).toEqual([
      { time: "2026-12-02T00:20:03Z", address: "li.na@example.com", ip: "203.0.113.9", protocol: "imap", method: "PLAIN", result: "success" },
      { time: "2026-12-02T00:20:05Z", address: "li.na@example.com", ip: "198.51.100.4", protocol: "imap", method: "PLAIN", result: "failure" },
      { time: "2026-12-03T08:00:00Z", address: "wu.bo@example.com", ip: "2001:db8::7", protocol: "imap", method: "LOGIN", result: "failure" },
    ]);
    expect(parseLoginLine(LOG.split("\n")[1]!)).toBeUndefined();
    expect(loginsFromLog(LOG, { address: "Wu.Bo@example.com" }).map((r) => r.time)).toEqual(["2026-12-03T08:00:00Z"]);
    expect(loginsFromLog(LOG, { since: "2026-12-03" }).map((r) => r.address)).toEqual(["wu.bo@example.com"]);
  });

  it("reads the account service's password events: set, changed, reset, and failed attempts", () => {
    expect(parseLoginLine("2026-12-02T09:00:01 mailorg-account: Info: password set: user=<li.na@example.com>, method=activation, rip=192.0.2.7")).toEqual({ time: "2026-12-02T09:00:01Z", address: "li.na@example.com", ip: "192.0.2.7", protocol: "account", method: "activation", result: "success" });
    expect(parseLoginLine("2026-12-02T09:00:02 mailorg-account: Info: password change failed (wrong address or current password): user=<Li.Na@example.com>, method=change, rip=2001:db8::7")).toEqual({ time: "2026-12-02T09:00:02Z", address: "li.na@example.com", ip: "2001:db8::7", protocol: "account", method: "change", result: "failure" });
    expect(parseLoginLine("2026-12-02T09:00:03 mailorg-account: Info: password reset: user=<li.na@example.com>, method=reset, rip=admin")?.result).toBe("success");
    expect(parseLoginLine("2026-12-02T09:00:03 someone-else: Info: password reset: user=<li.na@example.com>, method=reset, rip=admin")).toBeUndefined();
  });

  it("reads every page of the host's CloudWatch log group, filtered on the server by address and start time", async () => {
    const cw = mockClient(CloudWatchLogsClient);
    const lines = LOG.split("\n");
    cw.on(FilterLogEventsCommand, { nextToken: undefined })
      .resolves({ events: [{ message: lines[2] + "\n" }], nextToken: "p2" })
      .on(FilterLogEventsCommand, { nextToken: "p2" })
      .resolves({ events: [{ message: lines[3] }] });
    const records = await loginsFromCloudWatch(new CloudWatchLogsClient({ region: "eu-west-1" }), "/mailorg/host-co/mailhost", { address: "li.na@example.com", since: "2026-12-01" });
    expect(records.map((r) => r.result)).toEqual(["success", "failure"]);
    const calls = cw.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { logGroupName: "/mailorg/host-co/mailhost", filterPattern: '"user=<li.na@example.com>"', startTime: Date.parse("2026-12-01T00:00:00Z") },
      { logGroupName: "/mailorg/host-co/mailhost", filterPattern: '"user=<li.na@example.com>"', startTime: Date.parse("2026-12-01T00:00:00Z"), nextToken: "p2" },
    ]);
    cw.restore();
  });

  it("mailorg logins --sandbox lists a sandbox's logins as text or JSON; a bad date is a usage error", () => {
    const maildir = mkdtempSync(join(tmpdir(), "mailorg-logins-"));
    mkdirSync(join(maildir, "_mailhost/log"), { recursive: true });
    writeFileSync(join(maildir, "_mailhost/log/dovecot.log"), LOG + "\n");
    const org = writeOrg({ "org.yaml": HOST_ORG });
    const text = runCli(["logins", "--org", org, "--sandbox", maildir, "--address", "li.na@example.com"]);
    expect(text.stderr).toBe("");
    expect(text.stdout).toBe("2026-12-02T00:20:03Z  success  imap  PLAIN  203.0.113.9      li.na@example.com\n2026-12-02T00:20:05Z  failure  imap  PLAIN  198.51.100.4     li.na@example.com\n");
    expect(JSON.parse(runCli(["logins", "--org", org, "--sandbox", maildir, "--format", "json"]).stdout)).toHaveLength(3);
    const bad = runCli(["logins", "--org", org, "--sandbox", maildir, "--since", "yesterday"]);
    expect([bad.status, bad.stderr]).toEqual([2, "mailorg: --since is 'yesterday'; expected a date YYYY-MM-DD\n"]);
  });
});
