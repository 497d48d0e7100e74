import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { generateTypes, TYPES_PATH } from "../scripts/gen-types.ts";

it("model/org.generated.ts is generated from the current schema (run npm run gen:types)", async () => {
  expect(readFileSync(TYPES_PATH, "utf8")).toBe(await generateTypes());
});
