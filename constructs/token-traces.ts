/**
 * CDK Terrain records a full, formatted stack trace for every token and resource it creates (Lazy, Intrinsic,
 * TerraformResource, ...), only to print it if that token later fails to resolve. At thousands of members this is
 * a large share of construct time. These traces never reach the synthesized JSON, so dropping them changes no
 * output. cdktn offers a switch for it, `CDKTN_DISABLE_CREATION_STACK` (read at each capture; cdktf needed a
 * patch of its private module); set MAILORG_DEBUG=1 to keep the traces when chasing a token resolution error.
 *
 * Measured in docs/performance.md (synthesis with and without the traces, `npm run bench`): with cdktn the capture
 * is cheap, and switching it off costs nothing.
 */
let disabled = false;

/** Turns cdktn's creation-stack capture off for this process, unless MAILORG_DEBUG is set. Idempotent. */
export function disableTokenStackTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  if (disabled || env.MAILORG_DEBUG) return disabled;
  if (env.CDKTN_DISABLE_CREATION_STACK === undefined) env.CDKTN_DISABLE_CREATION_STACK = "1";
  disabled = true;
  return disabled;
}
