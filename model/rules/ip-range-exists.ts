import { closest } from "../schema.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "ip-range-exists",
  summary: "sending.allowed_ip_ranges names declared ip_ranges",
  explanation: "Sending may be limited to named office ranges; a name that matches no range would lock everyone out or in by mistake. Declare the range under ip_ranges or fix the name.",
  check({ org }) {
    const out: Finding[] = [];
    const names = Object.keys(org.ip_ranges);
    (org.sending.allowed_ip_ranges ?? []).forEach((name, i) => {
      if (!Object.hasOwn(org.ip_ranges, name)) {
        const guess = closest(name, names);
        out.push({
          pointer: pointer("sending", "allowed_ip_ranges", i),
          message: `sending.allowed_ip_ranges names '${name}', which is not declared under ip_ranges${guess ? `; did you mean '${guess}'?` : names.length ? `; declared: ${names.sort().join(", ")}` : ""}`,
        });
      }
    });
    return out;
  },
};
