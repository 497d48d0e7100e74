#!/usr/bin/env node
// Synthesis entry point for `npm run synth` and cdktf.json's app: main.ts, built (see bin/built.mjs).
import { requireNode } from "./node-check.mjs";

requireNode();
const { pathToFileURL } = await import("node:url");
const { built } = await import("./built.mjs");
await import(pathToFileURL(await built("main")).href);
