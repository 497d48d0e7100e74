import { describe, expect, it } from "vitest";
import { BASE_ORG, findings } from "../helpers.ts";

const HOST = BASE_ORG.replace("  - name: example.com\n", "  - name: example.com\n    hosted_zone_id: Z0123456789ABC\n").replace("default_department: hq", "default_department: hq\n  mailbox_host: { hostname: mail.example.com }");
const WELCOME = (text: string, html = "<p>Hi {{name}}</p>") => `  welcome:\n    subject: "Welcome, {{name}}"\n    text: ${JSON.stringify(text)}\n    html: ${JSON.stringify(html)}\n`;
const withWelcome = (org: string, w: string) => org.replace("default_department: hq\n", `default_department: hq\n${w}`);

describe("welcome-template", () => {
  it("accepts templates on a host", async () => {
    expect(await findings({ "a.yaml": withWelcome(HOST, WELCOME("Log in at https://{{hostname}}/ as {{address}}.\n{{#if title}}{{title}}{{/if}}")) }, { rule: "welcome-template" })).toEqual([]);
  });
  it("rejects a welcome letter without a mailbox host", async () => {
    expect(await findings({ "a.yaml": withWelcome(BASE_ORG, WELCOME("Hello")) }, { rule: "welcome-template" })).toEqual([
      "a.yaml:5:3: error [welcome-template] organisation.welcome is delivered by the mailbox host, but the org declares no organisation.mailbox_host; remove welcome or declare the host",
    ]);
  });
  it("reports a template that does not compile, and a field inserted unescaped into HTML", async () => {
    const out = await findings({ "a.yaml": withWelcome(HOST, WELCOME("Hello {{#if name}}", "<p>{{{name}}}</p>")) }, { rule: "welcome-template" });
    expect(out).toEqual([
      expect.stringMatching(/^a\.yaml:\d+:\d+: error \[welcome-template\] the welcome letter's text template does not compile as Handlebars: a block/),
      expect.stringMatching(/^a\.yaml:\d+:\d+: error \[welcome-template\] the welcome letter's html template uses triple-stash or \{\{& …\}\} on 'name'/),
    ]);
  });
});
