import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

const sig = (html: string, text = "      {{name}}\n") => `signatures:\n  - id: std\n    html: |\n${html}    text: |\n${text}`;

describe("signature-template", () => {
  it("accepts fields, #if blocks and triple-stash in the text template", async () => {
    expect(await findings({ "s.yaml": sig("      <p>{{name}}{{#if title}} · {{title}}{{/if}}</p>\n", "      {{{name}}}\n") }, { rule: "signature-template" })).toEqual([]);
  });
  it("points at the line of an unclosed block", async () => {
    expect(await findings({ "s.yaml": sig("      <p>{{name}}\n      {{#if title}}<b>{{title}}</b>\n") }, { rule: "signature-template" })).toEqual([
      "s.yaml:5:7: error [signature-template] signature std: the html template does not compile as Handlebars: a block ({{#if}} …) is not closed before the end of the template (add its {{/…}})",
    ]);
  });
  it("points at a mismatched closing block", async () => {
    expect(await findings({ "s.yaml": sig("      <p>{{name}}</p>\n      {{#if title}}x{{/each}}\n") }, { rule: "signature-template" })).toEqual([
      "s.yaml:5:7: error [signature-template] signature std: the html template does not compile as Handlebars: if doesn't match each",
    ]);
  });
  it("refuses triple-stash and {{& }} in html", async () => {
    expect(await findings({ "s.yaml": sig("      <p>{{{name}}}</p>\n      <p>{{&title}}</p>\n") }, { rule: "signature-template" })).toEqual([
      "s.yaml:4:7: error [signature-template] signature std: the html template uses triple-stash or {{& …}} on 'name', which would insert the member's field unescaped into HTML; use {{name}} (fields are always HTML-escaped)",
      "s.yaml:5:7: error [signature-template] signature std: the html template uses triple-stash or {{& …}} on 'title', which would insert the member's field unescaped into HTML; use {{title}} (fields are always HTML-escaped)",
    ]);
  });
  it("refuses partials and unknown helpers", async () => {
    expect(await findings({ "s.yaml": "signatures:\n  - { id: std, html: \"{{> footer}}\", text: \"{{upper name}}\" }\n" }, { rule: "signature-template" })).toEqual([
      "s.yaml:2:22: error [signature-template] signature std: the html template uses a partial or decorator ({{> …}}), which signatures do not support; write the markup inline",
      "s.yaml:2:44: error [signature-template] signature std: the text template calls helper 'upper', which signatures do not have; use fields (name, title, department, phone, address) and #if/#unless/#each/#with blocks",
    ]);
  });
});
