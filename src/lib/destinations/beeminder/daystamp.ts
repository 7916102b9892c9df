/**
 * Beeminder's day for an instant (beeminder.md B.6): the goal's `deadline` is seconds from midnight
 * in the Beeminder user's zone (negative = early bird, before midnight; positive = night owl, after
 * it). INFERRED formula, consistent with both help-centre examples: the day of (instant − deadline)
 * in the user's zone. A 3 am deadline puts 00:30 on the previous day; a noon deadline puts 13:00 on
 * the next one.
 */
export function daystamp(instant: Date, timeZone: string, deadlineSeconds: number): string {
  const shifted = new Date(instant.getTime() - deadlineSeconds * 1000);
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(shifted);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}${get("month")}${get("day")}`;
}

/** "2026-03-23" → "20260323": a local day sent as is (daily totals are already the user's day). */
export const daystampOfDate = (date: string): string => date.replaceAll("-", "");
