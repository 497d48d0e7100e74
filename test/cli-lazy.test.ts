/**
 * The CLI loads only the command it runs (issue 19: start-up within 4x of a bare node for --version, 10x for
 * validate). commandsFor decides which command modules a command line needs; help needs them all.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.ts";

describe("command modules loaded per command line", () => {
  it("loads the named command alone, none for --version, every one for help or an unknown command", async () => {
    const { commandsFor } = await import("../cli/commands.ts");
    const all = commandsFor([]);
    expect(all.length).toBeGreaterThan(15);
    expect(all.slice(0, 2)).toEqual(["validate", "synth"]);
    expect(commandsFor(["validate", "--org", "org"])).toEqual(["validate"]);
    expect(commandsFor(["stacks", "--format", "json"])).toEqual(["stacks"]);
    expect(commandsFor(["can-send", "--as", "x@example.com"])).toEqual(["can-send"]);
    expect(commandsFor(["--version"])).toEqual([]);
    expect(commandsFor(["-V"])).toEqual([]);
    expect(commandsFor(["--version", "--help"])).toEqual(all);
    expect(commandsFor(["help", "validate"])).toEqual(all);
    expect(commandsFor(["valdate"])).toEqual(all);
    expect(commandsFor(["constructor"])).toEqual(all);
  });

  it("help lists every command, and an unknown command is a usage error naming it", () => {
    const help = runCli(["--help"]);
    expect(help.status).toBe(0);
    for (const c of ["validate", "synth", "diff", "approvers", "sandbox", "mailhost-config", "import", "init", "bootstrap-ci", "logins", "migrate"]) expect(help.stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    const typo = runCli(["valdate"]);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/^mailorg: unknown command 'valdate'/);
  });
});
