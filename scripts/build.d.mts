/** Types for scripts/build.mjs. */
export declare const ROOT: string;
export declare const DIST: string;
export declare const STAMP: string;
export declare function build(): Promise<void>;
