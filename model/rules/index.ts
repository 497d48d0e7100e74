/** Every semantic rule, in the order they run. One file per rule; this file only lists them. */
import type { Rule } from "./types.ts";
import { rule as addressUnique } from "./address-unique.ts";
import { rule as aliasLimit } from "./alias-limit.ts";

export const RULES: readonly Rule[] = [addressUnique, aliasLimit];
