#!/usr/bin/env node
// The mailorg CLI: runs the esbuild-built JavaScript in dist/ (built by `npm ci`, rebuilt here when stale).
// The Node check runs first: the built code needs Node 22, and an older Node would fail inside an import.
import { requireNode } from "./node-check.mjs";

requireNode();
const { pathToFileURL } = await import("node:url");
const { built } = await import("./built.mjs");
await import(pathToFileURL(await built("cli")).href);
