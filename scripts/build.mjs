/**
 * Builds the CLI once with esbuild: cli/main.ts -> dist/cli.mjs, main.ts -> dist/main.mjs and the review's rules worker
 * review/rules-worker.ts -> dist/review-worker.mjs, our own code bundled
 * (npm packages stay in node_modules), each command in its own chunk so that a command loads only what it uses.
 * Every output file sits directly in dist/, one level below the repository root like the sources, so paths
 * computed from import.meta.url (package.json, schemas/, runtime/) resolve the same in the build as in source.
 *
 *   node scripts/build.mjs          (npm run build; run by `npm ci` through `prepare`, and by bin/ when stale)
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DIST = join(ROOT, "dist");
/** Written last: its mtime is the build's, compared with the sources' by bin/built.mjs. */
export const STAMP = join(DIST, ".build-stamp");

/**
 * An esbuild plugin that replaces model/schema-precompiled.ts with Ajv standalone code for the org schema, compiled
 * with model/schema-ajv.mjs's options, so the built CLI does not compile the schema at every start.
 */
const precompiledSchema = {
  name: "mailorg-precompiled-schema",
  setup(b) {
    b.onResolve({ filter: /schema-precompiled\.ts$/ }, (args) => ({ path: join(args.resolveDir, args.path), namespace: "mailorg-schema" }));
    b.onLoad({ filter: /.*/, namespace: "mailorg-schema" }, async () => {
      const { Ajv2020 } = await import("ajv/dist/2020.js");
      const { default: standaloneCode } = await import("ajv/dist/standalone/index.js");
      const { _ } = await import("ajv/dist/compile/codegen/index.js");
      const { default: addFormats } = await import("ajv-formats");
      const { AJV_OPTIONS, configureAjv, readSchema } = await import("../model/schema-ajv.mjs");
      const ajv = configureAjv(new Ajv2020({ ...AJV_OPTIONS, code: { source: true, esm: true, formats: _`require("ajv-formats/dist/formats").fullFormats` } }), addFormats);
      const code = standaloneCode(ajv, ajv.compile(readSchema())).replace(/^"use strict";/, "");
      // The standalone code require()s Ajv's runtime helpers and the formats, which stay in node_modules.
      return {
        contents: `import { createRequire as __mailorgCreateRequire } from "node:module";\nconst require = __mailorgCreateRequire(import.meta.url);\n${code}\nexport const precompiled = validate20;\n`,
        loader: "js",
        resolveDir: join(ROOT, "model"),
      };
    });
  },
};

/**
 * The provider's deep imports (`@cdktn/provider-aws/lib/<resource>`) name directories, which TypeScript and
 * tsx resolve but Node's ES module loader does not: the build points them at the directory's index.js and keeps
 * them external (the provider stays in node_modules).
 */
const providerDeepImports = {
  name: "mailorg-provider-deep-imports",
  setup(b) {
    b.onResolve({ filter: /^@cdktn\/provider-aws\/lib\/[^/]+$/ }, (args) => ({ path: `${args.path}/index.js`, external: true }));
  },
};

/** Builds into a fresh folder beside dist/ and swaps it in, so a CLI started meanwhile never sees half a build. */
export async function build() {
  const esbuild = await import("esbuild");
  const tmp = `${DIST}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { cli: "cli/main.ts", main: "main.ts", "review-worker": "review/rules-worker.ts" },
    outdir: tmp,
    outExtension: { ".js": ".mjs" },
    chunkNames: "[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    packages: "external",
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
    plugins: [precompiledSchema, providerDeepImports],
  });
  writeFileSync(join(tmp, ".build-stamp"), new Date().toISOString() + "\n");
  const old = `${DIST}.old-${process.pid}`;
  try {
    renameSync(DIST, old);
  } catch {
    // no previous build
  }
  renameSync(tmp, DIST);
  rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await build();
