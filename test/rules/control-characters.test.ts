import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("control-characters", () => {
  it("accepts one-line names and multi-line signature bodies", async () => {
    const f = await findings({
      "m.yaml": "members:\n  - { address: a@example.com, name: \"Ann Lee · 李安\", title: Head of Sales }\n" +
        "signatures:\n  - id: s\n    html: \"<p>{{name}}</p>\\n<p>{{address}}</p>\"\n    text: \"{{name}}\\n{{address}}\"\n",
    }, { rule: "control-characters" });
    expect(f).toEqual([]);
  });
  it("refuses a line break in a group's name, naming the field and the character", async () => {
    const f = await findings({ "g.yaml": "members:\n  - { address: a@example.com, name: A }\ngroups:\n  - { address: g@example.com, name: \"Team\\nNo approval needed\", members: [a@example.com] }\n" }, { rule: "control-characters" });
    expect(f).toEqual(['g.yaml:4:37: error [control-characters] groups[0].name holds a line break ("Team\\nNo approval needed"); names and free text are one line without control characters (remove it)']);
  });
  it("refuses tabs, other control characters and bidirectional overrides in any free text", async () => {
    const f = await findings({
      "m.yaml": "members:\n  - { address: a@example.com, name: \"A\\tB\", title: \"x\\u202Ey\", phone: \"1\\u0007\" }\n" +
        "groups:\n  - { address: g@example.com, name: G, description: \"d\\r\", members: [a@example.com] }\n",
    }, { rule: "control-characters" });
    expect(f.map((x) => x.replace(/^m\.yaml:\d+:\d+: error \[control-characters\] /, "").replace(/ \(".*$/, ""))).toEqual([
      "members[0].name holds a tab",
      "members[0].title holds the control character U+202E",
      "members[0].phone holds the control character U+0007",
      "groups[0].description holds a carriage return",
    ]);
  });
});
