import Handlebars from "handlebars";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateOrg } from "../model/validate.ts";
import { renderSignature } from "../plan/signatures.ts";
import { runCli, writeOrg } from "./helpers.ts";
import { mergeStacks, resources, synthOrg } from "./synth-helpers.ts";

const ORG = `organisation: { name: Send Co, region: eu-west-1, default_department: hq }
domains: [{ name: example.com }]
departments:
  - { id: hq, name: Head Office }
  - { id: rnd, name: "R&D <Labs>", parent: hq }
members:
  - { address: ceo@example.com, name: Chief, title: CEO, phone: "+1 555 0100", aliases: [boss@example.com] }
  - { address: dev@example.com, name: "Dev <script>", departments: [rnd, hq] }
  - { address: away@example.com, name: Away, status: disabled }
  - { address: gone@example.com, name: Gone, status: departed, forward_to: [dev@example.com] }
groups:
  - { address: all@example.com, name: All, members: [department:hq], senders: [ceo@example.com] }
signatures:
  - id: std
    applies_to: [department:hq]
    html: "<b>{{name}}</b>{{#if title}}, {{title}}{{/if}}{{#if department}} · {{department}}{{/if}}{{#if phone}} · {{phone}}{{/if}}"
    text: "{{name}}{{#if title}}, {{title}}{{/if}}{{#if department}} / {{department}}{{/if}}"
`;

const dir = writeOrg({ "org.yaml": ORG });
const synth = synthOrg(dir);
const sending = mergeStacks(synth.stacks.filter((s) => s.startsWith("sending")).map((s) => synth.stack(s)));

describe("sending stack", () => {
  it("creates a user per member with credentials (none for departed), under /mailorg/, tagged", () => {
    const users = Object.values(resources(sending, "aws_iam_user"));
    expect(users.map((u) => u.name).sort()).toEqual(["away@example.com", "ceo@example.com", "dev@example.com"]);
    expect(users.find((u) => u.name === "dev@example.com")).toMatchObject({ path: "/mailorg/", tags: { Address: "dev@example.com", Departments: "rnd hq" } });
  });
  it("sets each access key's status from the member's", () => {
    const keys = Object.entries(resources(sending, "aws_iam_access_key")).map(([k, v]) => [k.split("_")[1], v.status]).sort();
    expect(keys).toEqual([["key-awayexamplecom", "Inactive"], ["key-ceoexamplecom", "Active"], ["key-devexamplecom", "Active"]]);
  });
  it("shares managed policies through groups; inline policies only for extra From addresses", () => {
    const groups = Object.values(resources(sending, "aws_iam_group")).map((g) => g.name).sort();
    expect(groups).toEqual([expect.stringMatching(/^send-co-no-all-/), "send-co-senders"]);
    const inline = Object.values(resources(sending, "aws_iam_user_policy"));
    expect(inline).toHaveLength(1);
    expect(JSON.parse(String(inline[0]!.policy)).Statement[0]).toMatchObject({ Sid: "SendAsAliases", Condition: { StringEqualsIgnoreCase: { "ses:FromAddress": ["boss@example.com"] } } });
    const memberships = Object.values(resources(sending, "aws_iam_user_group_membership"));
    expect(memberships).toHaveLength(3);
    expect(memberships.map((m) => (m.groups as string[]).join(" ")).sort()).toEqual([
      "send-co-senders",
      expect.stringMatching(/^send-co-senders send-co-no-all-/),
      expect.stringMatching(/^send-co-senders send-co-no-all-/),
    ]);
    const senders = Object.values(resources(sending, "aws_iam_policy")).find((p) => p.name === "send-co-senders")!;
    expect(JSON.parse(String(senders.policy)).Statement[0]).toEqual({
      Sid: "SendAsOwnAddress",
      Effect: "Allow",
      Action: ["ses:SendEmail", "ses:SendRawEmail"],
      Resource: ["arn:aws:ses:eu-west-1:${data.aws_caller_identity.account.account_id}:identity/example.com", "arn:aws:ses:eu-west-1:${data.aws_caller_identity.account.account_id}:configuration-set/send-co"],
      // Escaped for Terraform: AWS receives the IAM policy variable ${aws:username} itself.
      Condition: { StringEqualsIgnoreCase: { "ses:FromAddress": "$${aws:username}" } },
    });
  });
  it("exposes SMTP passwords only as one sensitive output", () => {
    const outs = Object.entries(sending.output ?? {}).filter(([k]) => k.endsWith(":smtp_credentials")).map(([, o]) => o);
    for (const o of outs) expect(o.sensitive).toBe(true);
    expect(outs.flatMap((o) => Object.keys(o.value as object)).sort()).toEqual(["away@example.com", "ceo@example.com", "dev@example.com"]);
    expect(JSON.stringify(outs.map((o) => o.value))).toContain("ses_smtp_password_v4");
  });
  it("makes an SES template per signature template; the rendered signatures are published from the inbound stack, into its mail store", () => {
    const [t] = Object.values(resources(sending, "aws_ses_template"));
    expect(t).toMatchObject({ name: "send-co-signature-std", subject: "{{subject}}" });
    expect(String(t!.html).startsWith("{{{body}}}\n<b>{{name}}</b>")).toBe(true);
    expect(resources(sending, "aws_s3_object")).toEqual({});
    const inbound = synth.stack("inbound");
    const buckets = Object.entries(resources(inbound, "aws_s3_bucket"));
    expect(buckets).toHaveLength(1);
    const [bucketName, bucket] = buckets[0]!;
    expect(bucket).toMatchObject({ bucket: "send-co-mail-${data.aws_caller_identity.account.account_id}-eu-west-1" });
    const [obj] = Object.values(resources(inbound, "aws_s3_object"));
    expect(obj).toMatchObject({ key: "signatures/signatures.json", bucket: `\${aws_s3_bucket.${bucketName}.bucket}`, content_type: "application/json" });
    const published = JSON.parse(readFileSync(join(synth.outDir, "stacks/inbound", String(obj!.source)), "utf8"));
    expect(Object.keys(published)).toEqual(["ceo@example.com", "dev@example.com"]);
    const again = synthOrg(dir);
    expect(again.stacks).toEqual(synth.stacks);
    for (const s of synth.stacks) expect(again.raw(s)).toBe(synth.raw(s));
  });
});

describe("signatures", () => {
  const { org, index } = validateOrg(dir, { today: "2026-06-01" });
  const tpl = org.signatures[0]!;
  it("render exactly as Handlebars renders the template with the member's fields", () => {
    const ceo = renderSignature(org, index!, org.members[0]!)!;
    const fields = { name: "Chief", title: "CEO", department: "Head Office", phone: "+1 555 0100", address: "ceo@example.com" };
    expect(ceo.html).toBe(Handlebars.compile(tpl.html)(fields));
    expect(ceo.html).toBe("<b>Chief</b>, CEO · Head Office · +1 555 0100");
    expect(ceo.text).toBe("Chief, CEO / Head Office");
  });
  it("escapes member fields in HTML, hides empty fields, and takes the first department's name", () => {
    const dev = renderSignature(org, index!, org.members[1]!)!;
    expect(dev.html).toBe("<b>Dev &lt;script&gt;</b> · R&amp;D &lt;Labs&gt;");
    expect(dev.text).toBe("Dev <script> / R&D <Labs>");
  });
  it("mailorg signature prints one, in html or text", () => {
    const r = runCli(["signature", "dev@example.com", "--org", dir, "--format", "text"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("Dev <script> / R&D <Labs>");
    expect(runCli(["signature", "nobody@example.com", "--org", dir]).status).toBe(2);
  });
});
