import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sendingShard, SENDING_SHARDS, stackOrder } from "../plan/stacks.ts";
import { runCli, writeOrg } from "./helpers.ts";
import { synthOrg } from "./synth-helpers.ts";

const ORG = `organisation: { name: Stack Co, region: eu-west-1, default_department: hq }
domains: [{ name: example.com }]
departments: [{ id: hq, name: HQ }]
groups: [{ address: all@example.com, name: All, members: [department:hq], senders: [m000@example.com] }]
members:
${Array.from({ length: 60 }, (_, i) => `  - { address: m${String(i).padStart(3, "0")}@example.com, name: M${i} }`).join("\n")}
`;

describe("stacks", () => {
  it("assigns a member's shard from the address alone, spread over all shards", () => {
    expect(sendingShard("Ann@Example.com")).toBe(sendingShard("ann@example.com"));
    const used = new Set(Array.from({ length: 2000 }, (_, i) => sendingShard(`user${i}@example.com`)));
    expect(used.size).toBe(SENDING_SHARDS);
  });

  it("adding one member changes only their own shard stack (and the inbound routing), nothing else", () => {
    const before = synthOrg(writeOrg({ "org.yaml": ORG }));
    const after = synthOrg(writeOrg({ "org.yaml": ORG + "  - { address: newcomer@example.com, name: New }\n" }));
    const shard = sendingShard("newcomer@example.com");
    const changed = [...new Set([...before.stacks, ...after.stacks])].filter((s) => !before.stacks.includes(s) || !after.stacks.includes(s) || before.raw(s) !== after.raw(s));
    // The newcomer joins the shared "may not mail all@" group by name: the shared sending stack is untouched.
    expect(changed.sort()).toEqual(["inbound", shard].sort());
    const count = (s: string, o: typeof before) => Object.values(o.stack(s).resource).reduce((n, r) => n + Object.keys(r).length, 0);
    expect(count(shard, after) - (before.stacks.includes(shard) ? count(shard, before) : 0)).toBe(3);
  });

  it("mailorg stacks lists resource counts from the output directory", () => {
    const dir = writeOrg({ "org.yaml": ORG });
    const out = synthOrg(dir);
    const r = runCli(["stacks", "--out", out.outDir, "--org", dir, "--format", "json"]);
    expect(r.status).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; resources: number }[];
    expect(list.map((s) => s.name)).toEqual(stackOrder());
    expect(list.filter((s) => s.name.startsWith("sending-")).reduce((a, s) => a + s.resources, 0)).toBe(60 * 3);
    expect(runCli(["stacks", "--member", "m001@example.com", "--org", dir]).stdout.trim()).toBe(sendingShard("m001@example.com"));
    expect(runCli(["stacks", "--out", "/nonexistent"]).status).toBe(2);
  });

  it("refuses an output older than the org, or made from another org or another mailorg, naming the synth to run", () => {
    const dir = writeOrg({ "org.yaml": ORG });
    const out = synthOrg(dir).outDir;
    expect(runCli(["stacks", "--out", out, "--org", dir]).status).toBe(0);
    // Another org (the example) against this output: refused.
    const other = runCli(["stacks", "--out", out]);
    expect([other.status, other.stderr]).toEqual([2, `mailorg: ${out} is out of date for the org in org: the org has changed since (or a date in it has passed); run \`mailorg synth --org org --out ${out}\` first\n`]);
    // A new member since synth: the listing would miss their resources.
    writeFileSync(join(dir, "org.yaml"), ORG + "  - { address: newcomer@example.com, name: New }\n");
    expect(runCli(["stacks", "--out", out, "--org", dir]).stderr).toContain("the org has changed since");
    // An output whose record names another code version.
    const record = join(out, ".mailorg-synth.json");
    writeFileSync(join(dir, "org.yaml"), ORG);
    const rec = JSON.parse(readFileSync(record, "utf8")) as { source: { code: string } };
    rec.source.code = "0".repeat(64);
    writeFileSync(record, JSON.stringify(rec));
    expect(runCli(["stacks", "--out", out, "--org", dir]).stderr).toContain("it was made by another version of mailorg");
    delete (rec as { source?: unknown }).source;
    writeFileSync(record, JSON.stringify(rec));
    expect(runCli(["stacks", "--out", out, "--org", dir]).stderr).toContain("it carries no record of the org and code it was made from");
  });

  it("--order prints the apply order: domains, inbound (with the MX), sending, then the shards", () => {
    const r = runCli(["stacks", "--order"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(["domains", "mailhost", "inbound", "sending", ...Array.from({ length: SENDING_SHARDS }, (_, i) => `sending-${String(i).padStart(2, "0")}`)]);
    expect(JSON.parse(runCli(["stacks", "--order", "--format", "json"]).stdout)).toEqual(stackOrder());
  });

  it("--changed REF lists, in apply order, only the stacks whose JSON the change touches", () => {
    const repo = mkdtempSync(join(tmpdir(), "mailorg-changed-"));
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
    git("init", "-q", "-b", "main");
    mkdirSync(join(repo, "org"));
    writeFileSync(join(repo, "org", "org.yaml"), ORG);
    git("add", "-A");
    git("-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "org");
    writeFileSync(join(repo, "org", "org.yaml"), ORG + "  - { address: newcomer@example.com, name: New }\n");
    const r = runCli(["stacks", "--changed", "HEAD", "--org", join(repo, "org"), "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual(["inbound", sendingShard("newcomer@example.com")]);
    // No change: nothing to plan.
    git("add", "-A");
    git("-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "newcomer");
    expect(runCli(["stacks", "--changed", "HEAD", "--org", join(repo, "org")]).stdout).toBe("");
    // A DMARC change touches the domains stack (the record) and inbound (the router enforces the org's policy on forged org mail).
    writeFileSync(join(repo, "org", "org.yaml"), readFileSync(join(repo, "org", "org.yaml"), "utf8").replace("domains: [{ name: example.com }]", "domains: [{ name: example.com, dmarc: { policy: reject } }]"));
    expect(runCli(["stacks", "--changed", "HEAD", "--org", join(repo, "org")]).stdout).toBe("domains\ninbound\n");
    expect(runCli(["stacks", "--changed", "no-such-ref", "--org", join(repo, "org")]).status).toBe(2);
  }, 60_000);
});
