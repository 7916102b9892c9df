import Link from "next/link";
import { TimeChart } from "@/components/charts/time-chart";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { displayDigits, displayValue, formatMetric } from "@/lib/dashboard/format";
import { bucketLabel, heartRateBuckets } from "@/lib/dashboard/heart";
import { metricDays, RANGE_LABELS, rangeParams, resolveRange, type RangeId } from "@/lib/dashboard/metric";
import { pagePreferences, todayIn } from "@/lib/dashboard/overview";
import { addDays, startOfLocalDay, zoneOffsetMinutes } from "@/lib/normalize/dates";
import { METRICS, type MetricId } from "@/lib/reconcile/metrics";
import { sourceLabel } from "@/lib/reconcile/priority";
import { unitsPreference } from "../units";

export const dynamic = "force-dynamic";

const HEART_RANGES: RangeId[] = ["7d", "30d", "90d", "1y"];
// RMSSD and SDNN are different measures: each gets its own chart and axis, never one line.
const TRENDS: MetricId[] = ["resting_hr", "hrv_rmssd", "hrv_sdnn", "weight", "body_fat"];

export default async function HeartPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requireUser("/dashboard/heart");
  const db = await getDb();
  const units = await unitsPreference();
  const { zone, done } = await pagePreferences(db, user.id);
  const now = new Date();
  const parsed = rangeParams.parse(await searchParams);
  const range = await resolveRange(db, user.id, "resting_hr", { ...parsed, range: parsed.range === "all" || (!parsed.range && !parsed.from) ? "7d" : parsed.range }, todayIn(zone, now));
  const offset = zoneOffsetMinutes(zone, now);
  const hrRange: [number, number] = [startOfLocalDay(range.from, offset), startOfLocalDay(addDays(range.to, 1), offset)];
  const hr = await heartRateBuckets(db, user.id, { fromMs: hrRange[0], toMs: hrRange[1] });
  const hrPoints = hr.buckets.map((b) => ({ t: b.t, w: b.w, value: b.avg, min: b.min, max: b.max }));
  const hrSources = [...new Set(hr.buckets.map((b) => sourceLabel(b)))];
  const trends = await Promise.all(TRENDS.map(async (m) => ({ metric: m, days: await metricDays(db, user.id, m, range, done) })));

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Heart and body</h1>
        <p className="text-sm text-slate-600">
          {range.from} to {range.to} ({zone})
        </p>
      </div>
      <nav aria-label="Range" className="flex flex-wrap gap-2">
        {HEART_RANGES.map((r) => (
          <Link
            key={r}
            href={`?range=${r}`}
            aria-current={range.range === r ? "page" : undefined}
            className={`rounded border px-3 py-1 text-sm ${range.range === r ? "border-brand bg-brand text-white" : "border-slate-300 bg-white hover:bg-slate-100"}`}
          >
            {RANGE_LABELS[r]}
          </Link>
        ))}
      </nav>
      <section aria-labelledby="hr-heading" className="rounded-lg border border-slate-200 bg-white p-3">
        <h2 id="hr-heading" className="font-semibold">
          Heart rate
        </h2>
        <p className="text-xs text-slate-500">
          Average per {bucketLabel(hr.size)}, band from lowest to highest
          {hrSources.length ? `; from ${hrSources.join(", ")}` : ""}.
        </p>
        <TimeChart points={hrPoints} from={range.from} to={range.to} label="Heart rate" kind="line" unit="bpm" zone={zone} rangeMs={hrRange} />
        {hr.buckets.length ? (
          <p className="mt-1 text-sm text-slate-700">
            Lowest {Math.round(Math.min(...hr.buckets.map((b) => b.min)))} bpm · highest {Math.round(Math.max(...hr.buckets.map((b) => b.max)))} bpm ·{" "}
            {hr.buckets.reduce((a, b) => a + b.n, 0).toLocaleString("en-US")} readings
          </p>
        ) : null}
      </section>
      {trends.map(({ metric, days }) => {
        const unit = displayValue(metric, 0, units).unit;
        return (
          <section key={metric} aria-labelledby={`${metric}-heading`} className="rounded-lg border border-slate-200 bg-white p-3">
            <h2 id={`${metric}-heading`} className="font-semibold">
              <Link href={`/dashboard/metrics/${metric}?range=${range.range === "custom" ? "30d" : range.range}`} className="underline decoration-slate-300 hover:decoration-brand">
                {METRICS[metric].label}
              </Link>
            </h2>
            <TimeChart
              points={days.map((d) => ({ date: d.date, value: displayValue(metric, d.value, units).value }))}
              from={range.from}
              to={range.to}
              label={METRICS[metric].label}
              kind="line"
              unit={unit}
              digits={displayDigits(metric)}
            />
            {days.length ? <p className="mt-1 text-sm text-slate-700">Latest {formatMetric(metric, days[days.length - 1].value, units)} on {days[days.length - 1].date}</p> : null}
          </section>
        );
      })}
    </div>
  );
}
