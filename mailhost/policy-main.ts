/**
 * Entry point of the policy service bundle (mailorg/policy.mjs on the host): `node policy.mjs policy.json`.
 * Loads the plan's decision input once, then answers Postfix on stdin/stdout (mailhost/policy-service.ts).
 */
import { readFileSync } from "node:fs";
import { servePolicy, type PolicyConfig } from "./policy-service.ts";

const file = process.argv[2];
if (!file) {
  process.stderr.write("mailorg-policy: usage: node policy.mjs POLICY.json\n");
  process.exit(64);
}
const config = JSON.parse(readFileSync(file, "utf8")) as PolicyConfig;
await servePolicy(config, process.stdin, process.stdout);
