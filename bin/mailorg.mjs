#!/usr/bin/env node
// The mailorg CLI: runs the esbuild-built JavaScript in dist/ (built by `npm ci`, rebuilt here when stale).
import { pathToFileURL } from "node:url";
import { built } from "./built.mjs";

await import(pathToFileURL(await built("cli")).href);
