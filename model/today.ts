/**
 * Today's date as YYYY-MM-DD in `timeZone` (default UTC; validation passes organisation.timezone), or
 * MAILORG_TODAY when set, for reproducible runs.
 */
export function today(env: NodeJS.ProcessEnv = process.env, timeZone = "UTC"): string {
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
