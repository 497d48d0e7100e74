/** Types for bin/built.mjs. */
export declare function buildInputs(root?: string): string[];
export declare function built(entry: "cli" | "main"): Promise<string>;
