import { pointer } from "../pointer.ts";
import { isTimeZone } from "../timezone.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "timezone",
  summary: "organisation.timezone is an IANA time zone the runtime knows",
  explanation:
    "Dates in the org (a delegation's until) are read in organisation.timezone: a delegation ends at midnight there, and the " +
    "IAM condition that ends it is written as that instant in UTC. A zone name the runtime does not know would make every " +
    "such instant wrong; use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC.",
  check({ org }) {
    const tz = org.organisation.timezone;
    const out: Finding[] = [];
    if (tz !== undefined && !isTimeZone(tz)) {
      out.push({ pointer: pointer("organisation", "timezone"), message: `organisation.timezone is '${tz}', which is not a known IANA time zone; use a name such as Asia/Shanghai, Europe/Berlin or UTC` });
    }
    return out;
  },
};
