/**
 * The host's two Node.js programs as single-file ES module bundles (esbuild), shipped in the configuration object
 * and run by Debian 12's nodejs (18) on the host, and by the sandbox's own node: the account service, the Postfix
 * policy service and
 * the SES relay, which carry the one sending decision (plan/send-decision.ts), the code `mailorg can-send` runs.
 */
import { buildSync } from "esbuild";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const cache = new Map<string, string>();

function bundle(entry: string, minify = false): string {
  let text = cache.get(entry);
  if (text === undefined) {
    const out = buildSync({
      entryPoints: [`${ROOT}mailhost/${entry}`],
      absWorkingDir: ROOT,
      bundle: true,
      platform: "node",
      target: "node18",
      format: "esm",
      write: false,
      legalComments: "none",
      charset: "utf8",
      logLevel: "silent",
      minify,
      // CommonJS packages inside (the AWS SDK, nodemailer) require() Node's modules: give the bundle a require.
      banner: { js: 'import { createRequire as __mailorgRequire } from "node:module";\nconst require = __mailorgRequire(import.meta.url);' },
    });
    // (The relay carries the AWS SDK's SESv2 client: minified, it is about half the size.)
    // Drop esbuild's per-module path comments, so moving a source file does not change the bundle.
    text = out.outputFiles[0]!.text.replace(/^\/\/ [\w@./-]+\.(?:ts|mjs|cjs|js|json)\n/gm, "");
    cache.set(entry, text);
  }
  return text;
}

/** The Postfix policy service (mailhost/policy-main.ts). */
export const policyBundle = (): string => bundle("policy-main.ts");
/** The account service: activation, password changes, the password store's one writer (mailhost/account-main.ts). */
export const accountBundle = (): string => bundle("account-main.ts");
/** The SES relay Postfix's mailorg-ses transport runs (mailhost/ses-relay-main.ts). */
export const relayBundle = (): string => bundle("ses-relay-main.ts", true);
