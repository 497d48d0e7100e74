/** Types for model/schema-ajv.mjs. */
import type { Ajv2020, Options } from "ajv/dist/2020.js";
export declare const SCHEMA_FILE: string;
export declare const AJV_OPTIONS: Options;
export declare function configureAjv(ajv: Ajv2020, addFormats: (ajv: Ajv2020, formats: string[]) => Ajv2020): Ajv2020;
export declare function readSchema(): object;
