/**
 * The synthesized stacks as Terraform reads them (provider-free, nothing downloaded): every string of every
 * stack parses, refers only to resources of its own stack, and user text comes out of Terraform exactly as
 * written, `${...}` and `%{...}` included.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateOrg } from "../bench/generate.ts";
import { escapeString } from "../constructs/terraform-literal.ts";
import { ROOT, writeOrg } from "./helpers.ts";
import { synthOrg } from "./synth-helpers.ts";
import { allStrings, evaluateStrings, readStacks, stackStringProblems, terraformMissing, validateStrings } from "./terraform.ts";

/** User text that Terraform would evaluate if it were not escaped (path.cwd, a directive, escapes). */
const HOSTILE = ["${path.cwd}", "%{ if true }on%{ else }off%{ endif }", "$${already}", "%%{twice}", "${", "%{", "$", "%", "${upper(\"x\")}"];

function hostileOrg(): string {
  const t = (label: string, i: number): string => `${label} ${HOSTILE[i % HOSTILE.length]} end`;
  return writeOrg({
    "org.yaml": `organisation:
  name: Acme
  region: eu-west-1
  default_department: hq
domains:
  - name: example.com
    hosted_zone_id: Z0123456789ABC
    dmarc: { policy: reject, pct: 100 }
    bimi_logo_url: 'https://logo.example.com/a$b%25.svg'
departments:
  - id: hq
    name: '${t("Head", 1)}'
members:
${HOSTILE.map(
  (_, i) => `  - address: m${i}@example.com
    name: '${t("Name", i)}'
    title: '${t("Title", i + 3)}'
    phone: '${t("Phone", i + 5)}'
    aliases: [a${i}@example.com]`,
).join("\n")}
signatures:
  - id: standard
    applies_to: [department:hq]
    html: '<p>{{name}} ${HOSTILE[0]} %{ if true }x%{ endif }</p>'
    text: '{{name}} ${HOSTILE[2]} ${HOSTILE[3]}'
`,
  });
}

describe.skipIf(terraformMissing)("Terraform reads every synthesized string", () => {
  it("escapes literal text but keeps references live", () => {
    expect(escapeString("${aws:username}")).toBe("$${aws:username}");
    expect(escapeString("%{ if x }")).toBe("%%{ if x }");
    // What Terraform makes of them: exactly the text.
    expect(evaluateStrings(["${aws:username}", "a%{b}", "$", "50%", "$${x}"].map(escapeString))).toEqual(["${aws:username}", "a%{b}", "$", "50%", "$${x}"]);
  });

  it.each([
    ["the example org", () => join(ROOT, "org")],
    [
      "the bench org of 1,000 members",
      () => {
        const dir = mkdtempSync(join(tmpdir(), "mailorg-bench-"));
        generateOrg(1000, dir);
        return dir;
      },
    ],
    ["an org full of ${...} and %{...} text", hostileOrg],
  ])("%s: every string of every stack parses and refers only to its own stack", (_label, org) => {
    const { outDir } = synthOrg(org());
    const stacks = readStacks(outDir);
    expect(stacks.length).toBe(24); // domains, mailhost (empty without a host), inbound, sending, 20 shards
    const problems = stacks.flatMap(stackStringProblems);
    expect(problems).toEqual([]);
    for (const s of stacks) expect(JSON.stringify(s.json.data ?? {})).not.toContain("terraform_remote_state");
  }, 120_000);

  it("user text comes out of Terraform exactly as written", () => {
    const { outDir } = synthOrg(hostileOrg());
    const carrying = [
      ...new Set(
        readStacks(outDir).flatMap((s) => {
          const { terraform: _t, "//": _m, ...body } = s.json;
          return allStrings(body).filter((x) => / end|<p>|twice|logo\.example/.test(x));
        }),
      ),
    ];
    // Strings with user text carry no live reference, so Terraform can evaluate them here.
    expect(validateStrings(carrying)).toEqual([]);
    const values = evaluateStrings(carrying).join("\n");
    expect(values).not.toContain(process.cwd());
    expect(values).not.toContain("on end");
    // The BIMI record, the signature's SES template (HTML and text parts). Names, titles and phones reach
    // AWS only inside the published signatures object (a file asset, never read as a template), and the
    // organisation name and tags may not hold "$" or braces at all (rule tag-values).
    for (const text of ["l=https://logo.example.com/a$b%25.svg", "<p>{{name}} ${path.cwd} %{ if true }x%{ endif }</p>", "{{name}} $${already} %%{twice}"]) {
      expect(values).toContain(text);
    }
  }, 120_000);

  it("a stack that referred to another stack would be caught", () => {
    const stack = { name: "x", json: { locals: { a: "${aws_iam_group.elsewhere.name}" } }, declared: new Set<string>() };
    expect(stackStringProblems(stack)).toEqual([expect.stringContaining('A managed resource "aws_iam_group" "elsewhere" has not been declared')]);
    expect(stackStringProblems({ ...stack, declared: new Set(["aws_iam_group.elsewhere"]) })).toEqual([]);
  });
});

if (terraformMissing) {
  describe("Terraform reads every synthesized string", () => {
    it.skip(`skipped: ${terraformMissing}`, () => {});
  });
}

