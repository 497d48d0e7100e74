import { isTimeZone } from "./timezone.ts";

/**
 * The one "today" of every command (validate, synth, can-send, sandbox, diff, approvers, audit, stacks):
 * MAILORG_TODAY when set (for reproducible runs), otherwise the date in the organisation's time zone
 * (organisation.timezone; UTC when it is unset or not a time zone). A delegation that ended yesterday in
 * the organisation's day has ended for every command alike.
 */
export function today(org?: { readonly organisation?: { readonly timezone?: string } }, env: NodeJS.ProcessEnv = process.env): string {
  const tz = org?.organisation?.timezone;
  return dateIn(tz !== undefined && isTimeZone(tz) ? tz : "UTC", env);
}

function dateIn(timeZone: string, env: NodeJS.ProcessEnv): string {
  const forced = env.MAILORG_TODAY;
  if (forced !== undefined && forced !== "") {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(forced) || Number.isNaN(Date.parse(forced + "T00:00:00Z"))) {
      throw new UsageError(`MAILORG_TODAY is '${forced}'; expected a date written YYYY-MM-DD`);
    }
    return forced;
  }
  if (timeZone === "UTC") return new Date().toISOString().slice(0, 10);
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

/** A mistake in how a command was called (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
