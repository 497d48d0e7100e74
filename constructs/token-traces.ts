/**
 * cdktf records a full, formatted stack trace for every token it creates (Lazy, Intrinsic, ...), only
 * to print it if that token later fails to resolve. At thousands of members this is a large share of
 * construct time. These traces never reach the synthesized JSON, so dropping them changes no output;
 * set MAILORG_DEBUG=1 to keep them when chasing a token resolution error.
 *
 * Still pays for itself (`npm run bench`, 2026-12-01): synthesis of 1,000 members 2,180 ms without the
 * traces against 3,541 ms with them (-38%), of 5,000 members 8,072 ms against 9,332 ms (-14%).
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

let disabled = false;

/** Replaces cdktf's token stack-trace capture with a no-op, unless MAILORG_DEBUG is set. Idempotent. */
export function disableTokenStackTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  if (disabled || env.MAILORG_DEBUG) return disabled;
  const mod = require("cdktf/lib/tokens/private/stack-trace.js") as { captureStackTrace: () => string[] };
  mod.captureStackTrace = () => [];
  disabled = true;
  return disabled;
}
