import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("department-id-unique", () => {
  it("accepts distinct ids", async () => {
    expect(await findings({ "d.yaml": "departments:\n  - { id: hr, name: HR }\n" })).toEqual([]);
  });
  it("rejects an id declared twice", async () => {
    expect(await findings({ "d.yaml": "departments:\n  - { id: hq, name: Again }\n" })).toEqual([
      "d.yaml:2:11: error [department-id-unique] department id 'hq' is already declared (departments #1); rename or merge them",
    ]);
  });
});
