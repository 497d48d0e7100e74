import { canon } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "mailbox-quota",
  summary: "quota_mb needs a mailbox_host, and the quotas' sum is compared with the data volume",
  explanation:
    "A member's quota_mb is enforced by the mailbox host's Dovecot; without organisation.mailbox_host it does " +
    "nothing (error: remove it or declare the host). Mailbox capacities may overcommit the data volume, as mail " +
    "administrators usually do, but a sum of quotas above volume_gb is reported as a warning, so that growing the " +
    "volume (it grows in place) is a decision rather than a surprise.",
  check({ org }) {
    const host = org.organisation.mailbox_host;
    const out: Finding[] = [];
    if (!host) {
      org.members.forEach((m, i) => {
        if (m.quota_mb !== undefined) {
          out.push({ pointer: pointer("members", i, "quota_mb"), message: `member ${canon(m.address)} has quota_mb ${m.quota_mb} but the org declares no organisation.mailbox_host; remove quota_mb or declare the host`, at: "key" });
        }
      });
      return out;
    }
    const def = host.default_quota_mb ?? 2048;
    const total = org.members.reduce((s, m) => s + (m.quota_mb ?? def), 0) + org.mailboxes.length * def;
    const volumeMb = (host.volume_gb ?? 50) * 1024;
    if (total > volumeMb) {
      out.push({
        pointer: pointer("organisation", "mailbox_host"),
        message: `mailbox quotas add up to ${total} MB, more than the ${host.volume_gb ?? 50} GB data volume (${volumeMb} MB); raise volume_gb to at least ${Math.ceil(total / 1024)} or lower quotas`,
        severity: "warning",
        at: "key",
      });
    }
    return out;
  },
};
