/** Calendar dates in the organisation's time zone (IANA names such as Asia/Shanghai), with Intl only. */

/** Whether the runtime knows this IANA time zone. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** How far local time in tz is ahead of UTC at an instant, in milliseconds. */
function offsetMs(instant: number, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
  return local - Math.floor(instant / 1000) * 1000;
}

/** The instant at which the day `date` (YYYY-MM-DD) begins in tz (its local midnight), DST included. */
export function startOfDay(date: string, tz: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`);
  const first = wall - offsetMs(wall, tz);
  return new Date(wall - offsetMs(first, tz));
}

/** The day after a YYYY-MM-DD date. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The instant at which the day `date` ends in tz (the next local midnight), as IAM writes it: 2026-06-01T16:00:00Z. */
export function endOfDayIso(date: string, tz: string): string {
  return startOfDay(nextDay(date), tz).toISOString().replace(".000Z", "Z");
}
