/** `mailorg signature ADDRESS`: a member's rendered enterprise signature. */
import type { Command } from "commander";
import { canon } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { renderSignature } from "../plan/signatures.ts";
import { EXIT_FAIL, EXIT_OK, runCommand, withFormat, withOrg } from "./common.ts";

export function register(program: Command): void {
  const cmd = program.command("signature").description("print a member's signature, rendered from their template and record").argument("<address>", "the member's address");
  withOrg(cmd);
  withFormat(cmd, ["html", "text"]);
  cmd.action((address: string, opts: { org: string; format: "html" | "text" }) =>
    runCommand(() => {
      const { org, index } = loadValidPlan(opts.org);
      const m = index.members.get(canon(address));
      if (!m || index.addresses.get(canon(address))?.kind !== "member") throw new UsageError(`${address} is not a member's primary address`);
      const s = renderSignature(org, index, m);
      if (!s) {
        process.stderr.write(`mailorg: no signature template applies to ${m.address}; set signature: <id> or add them to a template's applies_to\n`);
        return EXIT_FAIL;
      }
      process.stdout.write(opts.format === "html" ? s.html : s.text);
      return EXIT_OK;
    }),
  );
}
