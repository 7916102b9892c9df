import Link from "next/link";
import { notFound } from "next/navigation";
import { TimeChart } from "@/components/charts/time-chart";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { displayDigits, displayValue, formatMetric } from "@/lib/dashboard/format";
import { chartPoints, metricDays, RANGE_LABELS, RANGES, rangeParams, rangeStats, resolveRange, type RangeId } from "@/lib/dashboard/metric";
import { pagePreferences, todayIn } from "@/lib/dashboard/overview";
import { isMetricId, METRICS } from "@/lib/reconcile/metrics";
import type { DailySource } from "@/lib/reconcile/read";
import { unitsPreference } from "../../units";

export const dynamic = "force-dynamic";

/** Rows in the daily table at most (newest first); the chart always covers the whole range. */
const TABLE_ROWS = 120;

const label = (s: DailySource) => (s.source ? `${s.providerName} (${s.source})` : s.providerName);

export default async function MetricPage({ params, searchParams }: { params: Promise<{ metric: string }>; searchParams: Promise<Record<string, string | undefined>> }) {
  const { metric } = await params;
  if (!isMetricId(metric)) notFound();
  const user = await requireUser(`/dashboard/metrics/${metric}`);
  const db = await getDb();
  const units = await unitsPreference();
  const { zone, weekStart, done } = await pagePreferences(db, user.id);
  const today = todayIn(zone, new Date());
  const range = await resolveRange(db, user.id, metric, rangeParams.parse(await searchParams), today);
  const days = await metricDays(db, user.id, metric, range, done);
  const { points, bucket } = chartPoints(days, range.days, weekStart);
  const spec = METRICS[metric];
  const stats = rangeStats(metric, days);
  const unit = displayValue(metric, 0, units).unit;
  // The chart's y values in display units, so the axis reads like the table.
  const shown = points.map((p) => ({ ...p, value: displayValue(metric, p.value, units).value, min: displayValue(metric, p.min, units).value, max: displayValue(metric, p.max, units).value }));

  return (
    <div className="space-y-6">
      <div>
        <Link href="/dashboard" className="text-sm text-brand-dark underline">
          ← Dashboard
        </Link>
        <h1 className="mt-1 text-2xl font-bold">{spec.label}</h1>
        <p className="text-sm text-slate-600">
          {range.from} to {range.to} ({range.days} days, local days in {zone} unless a source gave its own offset)
        </p>
      </div>

      <nav aria-label="Range" className="flex flex-wrap gap-2">
        {(Object.keys(RANGES) as RangeId[]).map((r) => (
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
      {/* Keyed by the range: a client-side navigation must not leave the old dates in the inputs. */}
      <form key={`${range.from}|${range.to}`} method="get" className="flex flex-wrap items-end gap-3" aria-label="Pick dates">
        <label className="text-sm">
          From
          <input type="date" name="from" defaultValue={range.from} required className="mt-1 block rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="text-sm">
          To
          <input type="date" name="to" defaultValue={range.to} required className="mt-1 block rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" className="rounded bg-brand px-3 py-1.5 text-sm font-medium text-white">
          Show
        </button>
      </form>

      <section aria-labelledby="chart-heading" className="rounded-lg border border-slate-200 bg-white p-3">
        <h2 id="chart-heading" className="text-sm font-medium text-slate-600">
          {bucket === "week" ? "Weekly average (band: the week's lowest and highest day)" : "Per day"}
        </h2>
        <TimeChart points={shown} from={range.from} to={range.to} label={spec.label} kind={spec.kind === "sum" ? "bar" : "line"} zero={spec.kind === "sum" || metric === "sleep"} unit={unit} digits={displayDigits(metric)} />
        {stats ? (
          <p className="mt-2 text-sm text-slate-700" data-testid="stats">
            {stats.days} days with data · average {formatMetric(metric, stats.mean, units)} · lowest {formatMetric(metric, stats.min, units)} · highest {formatMetric(metric, stats.max, units)}
            {stats.total != null ? ` · total ${formatMetric(metric, stats.total, units)}` : ""}
          </p>
        ) : null}
      </section>

      <section aria-labelledby="days-heading">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="days-heading" className="text-lg font-semibold">
            Day by day, and where each number came from
          </h2>
          <Link href={`/dashboard/settings/sources#${metric}`} className="text-sm text-brand-dark underline">
            Reorder the sources of {spec.label.toLowerCase()}
          </Link>
        </div>
        {days.length === 0 ? <p className="mt-2 text-slate-600">No {spec.label.toLowerCase()} in this range.</p> : null}
        <ol className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {[...days]
            .reverse()
            .slice(0, TABLE_ROWS)
            .map((d) => (
              <li key={d.date} className="p-3" data-date={d.date}>
                <p className="flex flex-wrap justify-between gap-2">
                  <span className="font-medium">{d.date}</span>
                  <span className="font-semibold">{formatMetric(metric, d.value, units)}</span>
                </p>
                <ul className="mt-1 space-y-1 text-sm">
                  {d.used.map((s, i) => (
                    <li key={`u${i}`} className="text-slate-700">
                      <span className="font-medium">{s.status === "partly_used" ? "Partly used" : "Used"}:</span> {label(s)} — {formatMetric(metric, s.value, units)}
                      {s.counted != null && s.counted !== s.value ? `, ${formatMetric(metric, s.counted, units)} counted` : ""}. <span className="text-slate-500">{s.reason}</span>
                    </li>
                  ))}
                  {d.leftOut.map((s, i) => (
                    <li key={`l${i}`} className="text-slate-500">
                      <span className="font-medium">Left out:</span> {label(s)} — {formatMetric(metric, s.value, units)}. {s.reason}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
        </ol>
        {days.length > TABLE_ROWS ? (
          <p className="mt-2 text-sm text-slate-600">
            The newest {TABLE_ROWS} of {days.length} days are listed; pick a shorter range to see older days one by one.
          </p>
        ) : null}
      </section>
    </div>
  );
}
