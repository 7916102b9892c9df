import Link from "next/link";
import { Sparkline } from "@/components/charts/time-chart";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { formatMetric, type Units } from "@/lib/dashboard/format";
import { overview, pagePreferences, sourceProblems, type OverviewTile } from "@/lib/dashboard/overview";
import { isMetricId } from "@/lib/reconcile/metrics";
import { latestActivities } from "@/lib/reconcile/read";
import { formatDistance, formatHours, formatTime } from "@/lib/dashboard/format";
import { unitsPreference } from "./units";
import { sourceList } from "./sources";

export const dynamic = "force-dynamic";

function tileValue(t: OverviewTile, v: number | null, units: Units) {
  if (isMetricId(t.metric)) return formatMetric(t.metric, v, units);
  return v == null ? "—" : v.toFixed(0);
}

function Trend({ t, units }: { t: OverviewTile; units: Units }) {
  if (!t.trend) return <p className="text-xs text-slate-500">No previous week to compare.</p>;
  const up = t.trend.delta > 0;
  const flat = Math.abs(t.trend.pct ?? t.trend.delta) < 0.5;
  const sign = flat ? "±" : up ? "+" : "−";
  const delta = isMetricId(t.metric) ? formatMetric(t.metric, Math.abs(t.trend.delta), units) : Math.abs(t.trend.delta).toFixed(0);
  return (
    <p className="text-xs text-slate-600">
      <span aria-hidden="true">{flat ? "→" : up ? "↑" : "↓"}</span> {sign}
      {delta}
      {t.trend.pct != null ? ` (${sign}${Math.abs(t.trend.pct).toFixed(0)} %)` : ""} vs the week before
    </p>
  );
}

export default async function DashboardPage() {
  const user = await requireUser("/dashboard");
  const db = await getDb();
  const units = await unitsPreference();
  const prefs = await pagePreferences(db, user.id);
  const now = new Date();
  const [data, recent, problems] = await Promise.all([overview(db, user.id, now, prefs), latestActivities(db, user.id, 5, prefs.done), sourceProblems(db, user.id, now)]);
  const hasData = data.tiles.some((t) => t.week != null || t.previousWeek != null) || recent.length > 0;

  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-bold">Dashboard</h1>
        <p className="text-sm text-slate-600">
          Today is {data.today} ({data.zone}). This week = {data.week.from} to today, compared with the week before ({data.previous.from} to{" "}
          {data.previous.to}).
        </p>
      </div>
      {problems.length ? (
        <section aria-labelledby="problems-heading" className="rounded-lg border border-amber-300 bg-amber-50 p-4">
          <h2 id="problems-heading" className="font-semibold text-amber-900">
            Sources that need attention
          </h2>
          <ul className="mt-1 list-disc pl-5 text-sm text-amber-900">
            {problems.map((p) => (
              <li key={p.provider} className="break-words">
                {p.providerName} {p.problem}.
              </li>
            ))}
          </ul>
          <Link href="/dashboard/settings" className="mt-2 inline-block text-sm text-amber-900 underline">
            Open Connected sources
          </Link>
        </section>
      ) : null}
      {!hasData ? (
        <section className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
          <h2 className="text-lg font-semibold">No data yet</h2>
          <p className="mt-2 text-slate-600">
            Nothing from the last two weeks to show. Connect a provider or set up a phone app and your days, nights and
            workouts will appear here.
          </p>
          <Link href="/dashboard/settings" className="mt-4 inline-block rounded bg-brand px-4 py-2 font-medium text-white">
            Connect a source
          </Link>
        </section>
      ) : null}
      <section aria-labelledby="overview-heading">
        <h2 id="overview-heading" className="text-lg font-semibold">
          Today and this week
        </h2>
        <ul className="mt-3 grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {data.tiles.map((t) => (
            <li key={`${t.metric}-${t.provider ?? ""}`} className="rounded-lg border border-slate-200 bg-white p-4" data-metric={t.metric}>
              <h3 className="text-sm font-medium text-slate-600">
                {isMetricId(t.metric) ? (
                  <Link href={`/dashboard/metrics/${t.metric}`} className="underline decoration-slate-300 hover:decoration-brand">
                    {t.label}
                  </Link>
                ) : (
                  t.label
                )}
              </h3>
              <p className="mt-1 text-2xl font-semibold" data-testid="today">
                {tileValue(t, t.today, units)}
              </p>
              <p className="text-xs text-slate-500">{t.todayDate ? (t.todayDate === data.today ? "today" : `latest, ${t.todayDate}`) : "nothing today"}</p>
              <p className="mt-2 text-sm" data-testid="week">
                This week: {tileValue(t, t.week, units)}
                {t.weekDays ? ` avg/day over ${t.weekDays} day${t.weekDays === 1 ? "" : "s"}` : ""}
                {t.weekTotal != null && isMetricId(t.metric) ? `, total ${formatMetric(t.metric, t.weekTotal, units)}` : ""}
              </p>
              <Trend t={t} units={units} />
              <Sparkline points={t.series} from={data.from} to={data.today} label={`${t.label}, this week and the week before`} />
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="activities-heading">
        <h2 id="activities-heading" className="text-lg font-semibold">
          Recent activities
        </h2>
        {recent.length === 0 ? (
          <p className="mt-2 text-slate-600">No activities yet.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {recent.map((a) => (
              <li key={a.id} className="p-3">
                <Link href={`/dashboard/activities/${a.id}`} className="font-medium underline decoration-slate-300 hover:decoration-brand">
                  {a.name ?? a.type}
                </Link>
                <p className="text-sm text-slate-600">
                  {formatTime(a.startAt, a.utcOffsetMinutes, data.zone)} · {a.type} · {formatDistance(a.distanceM, units)} · {formatHours(a.durationS)} ·{" "}
                  {sourceList(a.copies)}
                </p>
              </li>
            ))}
          </ul>
        )}
        <Link href="/dashboard/activities" className="mt-2 inline-block text-sm text-brand-dark underline">
          All activities
        </Link>
      </section>
    </div>
  );
}
