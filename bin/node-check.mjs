/**
 * The Node version check, run before anything else loads: the built CLI uses Node 22 APIs, and on an older
 * Node it would fail with a SyntaxError deep in an import. This file itself uses nothing newer than Node 12.
 */

/** The oldest major version mailorg runs on (package.json engines.node). */
export const MIN_NODE_MAJOR = 22;

/** The message for a Node too old to run mailorg, or null when `version` (as process.version) will do. */
export function nodeProblem(version) {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? NaN);
  if (major >= MIN_NODE_MAJOR) return null;
  return `mailorg needs Node ${MIN_NODE_MAJOR} or later (this is ${version}); run it as npx mailorg or npm run mailorg --, which use the Node 24 that npm ci installed`;
}

/** Exits 2 with that message on a Node too old. */
export function requireNode(version = process.version) {
  const problem = nodeProblem(version);
  if (problem === null) return;
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}
