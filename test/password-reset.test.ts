/**
 * `mailorg password reset` on the EC2 host (SSM Run Command, mocked): the command carries only the token's hash
 * to the account service's admin socket, the link carries the token, and a failure on the host is named. The
 * sandbox path runs for real in test/mailhost-sandbox.test.ts.
 */
import { createHash } from "node:crypto";
import { ListCommandInvocationsCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { newActivationToken, resetOnHost } from "../mailhost/password-reset.ts";
import { validateOrg } from "../model/validate.ts";
import { planOrg } from "../plan/plan.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { runCli, writeOrg } from "./helpers.ts";

const host = () => {
  const r = validateOrg(writeOrg({ "org.yaml": HOST_ORG }), { today: "2026-06-01" });
  return planOrg(r.org, r.index!, { today: "2026-06-01" }).mailhost!;
};
const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

describe("password reset on the host", () => {
  it("makes 256-bit URL-safe tokens and their sha256", () => {
    const a = newActivationToken();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.sha256).toBe(createHash("sha256").update(a.token).digest("hex"));
    expect(newActivationToken().token).not.toBe(a.token);
  });

  it("sends only the token's hash to the host's admin socket, by tag, and returns the link for the host's name", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c-1" } });
    ssm.on(ListCommandInvocationsCommand).resolvesOnce({ CommandInvocations: [{ Status: "InProgress" }] }).resolves({ CommandInvocations: [{ Status: "Success", CommandPlugins: [{ Output: '{"ok":true}' }] }] });
    const link = await resetOnHost(new SSMClient({ region: "eu-west-1" }), host(), "li.na@example.com", { pollMs: 1 });
    const token = /^https:\/\/mail\.example\.com\/account\/activate\?t=([A-Za-z0-9_-]{43})$/.exec(link)![1]!;
    const sent = ssm.commandCalls(SendCommandCommand)[0]!.args[0].input;
    expect(sent.Targets).toEqual([{ Key: "tag:Name", Values: ["host-co-mailhost"] }]);
    const sha = createHash("sha256").update(token).digest("hex");
    expect(sent.Parameters!.commands).toEqual([
      `curl -sS --fail-with-body --unix-socket /srv/mail/.mailorg-accounts/admin.sock -H 'content-type: application/json' --data '{"address":"li.na@example.com","sha256":"${sha}"}' http://localhost/reset`,
    ]);
    expect(JSON.stringify(sent)).not.toContain(token);
  });

  it("names a failure on the host", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c-2" } });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [{ Status: "Failed", CommandPlugins: [{ Output: 'curl: (7) Failed to connect\n' }] }] });
    await expect(resetOnHost(new SSMClient({ region: "eu-west-1" }), host(), "li.na@example.com", { pollMs: 1 })).rejects.toThrow("the host did not reset li.na@example.com: Failed: curl: (7) Failed to connect");
  });

  it("refuses an address without an account, and an org without a host", () => {
    const dir = writeOrg({ "org.yaml": HOST_ORG });
    expect(runCli(["password", "reset", "gone@example.com", "--org", dir])).toMatchObject({ status: 1, stderr: "mailorg: gone@example.com is not a member of the org with an account (departed members and other addresses have none)\n" });
    expect(runCli(["password", "reset", "hr@example.com", "--org", dir]).status).toBe(1);
    const none = runCli(["password", "reset", "li.na@example.com", "--org", writeOrg({ "org.yaml": HOST_ORG.replace(/  mailbox_host:.*\n/, "").replace(", quota_mb: 4096", "") })]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/declares no organisation\.mailbox_host/);
  });
});
