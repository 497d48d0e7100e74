/**
 * The org schema's validator compiled ahead of time. From source this is undefined and model/schema.ts compiles
 * the schema at run time; scripts/build.mjs replaces this module in the built CLI with Ajv standalone code made
 * with the same options (model/schema-ajv.mjs).
 */
import type { ValidateFunction } from "ajv/dist/2020.js";

export const precompiled: ValidateFunction | undefined = undefined;
