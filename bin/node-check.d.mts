export declare const MIN_NODE_MAJOR: number;
export declare function nodeProblem(version: string): string | null;
export declare function requireNode(version?: string): void;
