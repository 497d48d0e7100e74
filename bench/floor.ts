/**
 * The floor: a bare cdktf program that synthesises the same number and types of resources (with the
 * same attribute values) as a mailorg synthesis, but with no org logic: no YAML, no validation, no
 * derived views. mailorg's synth time divided by this is the overhead mailorg adds to cdktf itself.
 *
 *   tsx bench/floor.ts <mailorg cdktf.out dir> <floor out dir>
 * prints {"ms": <construct+synth ms>, "resources": <count>, "peakRssMb": <MB>} on stdout.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { AwsProvider } from "@cdktn/provider-aws/lib/provider";
import { App, LocalBackend, TerraformOutput, TerraformStack } from "cdktn";

type Json = Record<string, unknown>;
type ResourceClass = new (scope: TerraformStack, id: string, config: Json) => unknown;

const classCache = new Map<string, ResourceClass>();

/** aws_sesv2_email_identity -> the class exported by @cdktn/provider-aws/lib/sesv2-email-identity. */
async function resourceClass(type: string): Promise<ResourceClass> {
  const cached = classCache.get(type);
  if (cached) return cached;
  const mod = (await import(`@cdktn/provider-aws/lib/${type.replace(/^aws_/, "").replace(/_/g, "-")}/index.js`)) as Record<string, unknown>;
  const cls = Object.values(mod).find(
    (v) => typeof v === "function" && (v as { tfResourceType?: string }).tfResourceType === type,
  ) as ResourceClass | undefined;
  if (!cls) throw new Error(`no provider class for ${type}`);
  classCache.set(type, cls);
  return cls;
}

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** snake_case JSON config -> camelCase construct config (map-typed attributes such as tags keep their keys). */
function toConfig(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => toConfig(v));
  if (value && typeof value === "object") {
    if (key === "tags" || key === "tags_all" || key === "variables" || key === "environment") return value;
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) {
      if (k === "//" || k === "depends_on" || k === "provider") continue;
      out[camel(k)] = toConfig(v, k);
    }
    return out;
  }
  return value;
}

export async function synthFloor(mailorgOut: string, outDir: string): Promise<{ ms: number; resources: number }> {
  const stacksDir = join(mailorgOut, "stacks");
  const stacks = readdirSync(stacksDir).sort().map((name) => ({
    name,
    json: JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8")) as Json,
  }));
  // Load every class before timing, as mailorg's imports are loaded before its timing starts.
  for (const s of stacks) for (const type of Object.keys((s.json.resource as Json) ?? {})) await resourceClass(type);
  const t0 = performance.now();
  const app = new App({ outdir: outDir, stackTraces: false });
  let resources = 0;
  for (const s of stacks) {
    const stack = new TerraformStack(app, s.name);
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new LocalBackend(stack, { path: `terraform.${s.name}.tfstate` });
    for (const [type, byName] of Object.entries((s.json.resource as Record<string, Json>) ?? {})) {
      const cls = classCache.get(type)!;
      for (const [name, config] of Object.entries(byName)) {
        new cls(stack, name, toConfig(config) as Json);
        resources++;
      }
    }
    for (const [name, out] of Object.entries((s.json.output as Record<string, Json>) ?? {})) {
      new TerraformOutput(stack, name, { value: out.value, sensitive: out.sensitive === true });
    }
  }
  app.synth();
  return { ms: performance.now() - t0, resources };
}

if (process.argv[1]?.endsWith("floor.ts")) {
  const [src, out] = process.argv.slice(2);
  if (!src || !out) {
    process.stderr.write("usage: tsx bench/floor.ts <mailorg cdktf.out> <floor out dir>\n");
    process.exit(2);
  }
  const r = await synthFloor(src, out);
  process.stdout.write(JSON.stringify({ ...r, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + "\n");
}
