import type { MetricId } from "@/lib/reconcile/metrics";
import { METRICS } from "@/lib/reconcile/metrics";

/** How the dashboard words numbers: metric or imperial units, times always with their zone. */

export type Units = "metric" | "imperial";
export const UNITS: readonly Units[] = ["metric", "imperial"];
export const isUnits = (v: unknown): v is Units => v === "metric" || v === "imperial";

const KG_PER_LB = 0.45359237;
const M_PER_MI = 1609.344;
const M_PER_FT = 0.3048;

/** A metric's reconciled value (in its catalog unit) converted for display: number and unit label. */
export function displayValue(metric: MetricId, value: number, units: Units): { value: number; unit: string } {
  const unit = METRICS[metric].unit;
  if (metric === "sleep") return { value: value / 3600, unit: "h" };
  if (metric === "distance") return units === "imperial" ? { value: value / M_PER_MI, unit: "mi" } : { value: value / 1000, unit: "km" };
  if (metric === "weight" && units === "imperial") return { value: value / KG_PER_LB, unit: "lb" };
  if (unit === "count") return { value, unit: "" };
  return { value, unit };
}

const DIGITS: Partial<Record<MetricId, number>> = { sleep: 1, distance: 2, weight: 1, body_fat: 1, spo2: 1, respiratory_rate: 1, vo2max: 1 };

/** Decimals a metric is shown with. */
export const displayDigits = (metric: MetricId): number => DIGITS[metric] ?? 0;

/** "8,412", "7.4 h", "71.3 kg" */
export function formatMetric(metric: MetricId, value: number | null | undefined, units: Units): string {
  if (value == null || !Number.isFinite(value)) return "—";
  const d = displayValue(metric, value, units);
  return formatNumber(d.value, d.unit, displayDigits(metric));
}

/** "8,412", "71.3 kg": fixed decimals, the unit after a space (none for counts). */
export function formatNumber(value: number, unit: string, digits: number): string {
  const n = value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${n} ${unit}` : n;
}

export function formatDistance(metres: number | null | undefined, units: Units): string {
  if (metres == null) return "—";
  return units === "imperial" ? `${(metres / M_PER_MI).toFixed(2)} mi` : `${(metres / 1000).toFixed(2)} km`;
}

export function formatElevation(metres: number | null | undefined, units: Units): string {
  if (metres == null) return "—";
  return units === "imperial" ? `${Math.round(metres / M_PER_FT)} ft` : `${Math.round(metres)} m`;
}

/** Seconds as "1 h 05 min" / "25 min". */
export function formatHours(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  const m = Math.round(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min` : `${m} min`;
}

/** "UTC+02:00" */
export function offsetLabel(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? "−" : "+";
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/**
 * One format for every time on the dashboard: `YYYY-MM-DD HH:mm` and the zone it is in. A record
 * with its own offset is shown in it (the wall clock where it happened); one without, in the home zone.
 */
export function formatTime(instant: Date, offsetMinutes: number | null | undefined, homeZone: string): string {
  if (offsetMinutes != null) {
    const iso = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 16)} ${offsetLabel(offsetMinutes)}`;
  }
  return `${wallClock(instant, homeZone)} ${homeZone}`;
}

/** `YYYY-MM-DD HH:mm` on the clock of `zone` (an IANA name), without naming it. */
export function wallClock(instant: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(instant);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Change against the previous period, worded: "+4 % vs previous 7 days". */
export function trendOf(current: number | null, previous: number | null): { delta: number; pct: number | null } | null {
  if (current == null || previous == null) return null;
  const delta = current - previous;
  return { delta, pct: previous === 0 ? null : (delta / Math.abs(previous)) * 100 };
}
