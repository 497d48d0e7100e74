#!/usr/bin/env node
// Synthesis entry point for `npm run synth` and cdktf.json's app: main.ts, built (see bin/built.mjs).
import { pathToFileURL } from "node:url";
import { built } from "./built.mjs";

await import(pathToFileURL(await built("main")).href);
