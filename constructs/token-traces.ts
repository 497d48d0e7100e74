/**
 * cdktf records a full, formatted stack trace for every token it creates (Lazy, Intrinsic, ...), only
 * to print it if that token later fails to resolve. At thousands of members this is a large share of
 * construct time. These traces never reach the synthesized JSON, so dropping them changes no output;
 * set MAILORG_DEBUG=1 to keep them when chasing a token resolution error.
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
