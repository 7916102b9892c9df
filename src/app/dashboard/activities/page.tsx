import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { activityFacets, activityFilters, activityPage, activityTotals, type ActivityTotals } from "@/lib/dashboard/activities";
import { formatDistance, formatHours, formatTime, type Units } from "@/lib/dashboard/format";
import { homeZone } from "@/lib/dashboard/overview";
import { providerName } from "@/lib/providers";
import { sourceList } from "../sources";
import { unitsPreference } from "../units";

export const dynamic = "force-dynamic";

function Totals({ title, rows, units, label }: { title: string; rows: ActivityTotals[]; units: Units; label: (period: string) => string }) {
  return (
    <div className="min-w-0">
      <h3 className="text-sm font-medium text-slate-600">{title}</h3>
      <ul className="mt-1 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
        {rows.map((r) => (
          <li key={r.period} className="flex flex-wrap justify-between gap-x-3 px-3 py-1.5">
            <span>{label(r.period)}</span>
            <span className="text-slate-700">
              {r.count} · {formatDistance(r.distanceM, units)} · {formatHours(r.durationS)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export default async function ActivitiesPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requireUser("/dashboard/activities");
  const db = await getDb();
  const raw = await searchParams;
  const filters = activityFilters.parse(raw);
  const [page, facets, zone, units] = [await activityPage(db, user.id, filters), await activityFacets(db, user.id), await homeZone(db, user.id), await unitsPreference()];
  const byType = { type: filters.type, source: filters.source };
  const [weeks, months] = [await activityTotals(db, user.id, "week", 8, byType), await activityTotals(db, user.id, "month", 6, byType)];
  const keep = new URLSearchParams(Object.entries({ type: filters.type, source: filters.source, from: filters.from, to: filters.to }).filter((e): e is [string, string] => !!e[1]));
  const nextHref = page.next ? `?${new URLSearchParams([...keep, ["before", page.next]])}` : null;

  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Activities</h1>
      <form key={keep.toString()} method="get" aria-label="Filter activities" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3">
        <label className="text-sm">
          Type
          <select name="type" defaultValue={filters.type ?? ""} className="mt-1 block rounded border border-slate-300 px-2 py-1">
            <option value="">All types</option>
            {facets.types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          Source
          <select name="source" defaultValue={filters.source ?? ""} className="mt-1 block rounded border border-slate-300 px-2 py-1">
            <option value="">All sources</option>
            {facets.sources.map((s) => (
              <option key={s} value={s}>
                {providerName(s)}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          From
          <input type="date" name="from" defaultValue={filters.from} className="mt-1 block rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="text-sm">
          To
          <input type="date" name="to" defaultValue={filters.to} className="mt-1 block rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" className="rounded bg-brand px-3 py-1.5 text-sm font-medium text-white">
          Filter
        </button>
        {keep.size ? (
          <Link href="/dashboard/activities" className="text-sm text-brand-dark underline">
            Clear
          </Link>
        ) : null}
      </form>

      {weeks.length ? (
        <section aria-labelledby="totals-heading">
          <h2 id="totals-heading" className="text-lg font-semibold">
            Totals{filters.type || filters.source ? " (filtered by type and source)" : ""}
          </h2>
          <div className="mt-2 grid gap-4 sm:grid-cols-2">
            <Totals title="Weekly (weeks start on Monday)" rows={weeks} units={units} label={(p) => `Week of ${p}`} />
            <Totals title="Monthly" rows={months} units={units} label={(p) => p.slice(0, 7)} />
          </div>
        </section>
      ) : null}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading" className="text-lg font-semibold">
          History{filters.before ? " (older)" : ""}
        </h2>
        {page.rows.length === 0 ? <p className="mt-2 text-slate-600">No activities match.</p> : null}
        <ul className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {page.rows.map((a) => (
            <li key={a.id} className="p-3">
              <Link href={`/dashboard/activities/${a.id}`} className="font-medium underline decoration-slate-300 hover:decoration-brand">
                {a.name ?? a.type}
              </Link>
              <p className="text-sm text-slate-600">
                {formatTime(a.startAt, a.utcOffsetMinutes, zone)} · {a.type} · {formatDistance(a.distanceM, units)} · {formatHours(a.durationS)}
                {a.avgHr != null ? ` · ${Math.round(a.avgHr)} bpm avg` : ""} · {sourceList(a.copies)}
              </p>
            </li>
          ))}
        </ul>
        <nav aria-label="Pages" className="mt-3 flex gap-4 text-sm">
          {filters.before ? (
            <Link href={`?${keep}`} className="text-brand-dark underline">
              Newest
            </Link>
          ) : null}
          {nextHref ? (
            <Link href={nextHref} className="text-brand-dark underline">
              Older activities
            </Link>
          ) : null}
        </nav>
      </section>
    </div>
  );
}
