import Link from "next/link";
import { StackedChart } from "@/components/charts/time-chart";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { formatHours, formatTime } from "@/lib/dashboard/format";
import { RANGE_LABELS, rangeParams, resolveRange, type RangeId } from "@/lib/dashboard/metric";
import { pagePreferences, todayIn } from "@/lib/dashboard/overview";
import { sleepRange, STAGE_LABELS, STAGES } from "@/lib/dashboard/sleep";
import { sourceList } from "../sources";

export const dynamic = "force-dynamic";

const SLEEP_RANGES: RangeId[] = ["7d", "30d", "90d", "1y"];

export default async function SleepPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requireUser("/dashboard/sleep");
  const db = await getDb();
  const { zone, done } = await pagePreferences(db, user.id);
  const parsed = rangeParams.parse(await searchParams);
  const range = await resolveRange(db, user.id, "sleep", { ...parsed, range: parsed.range === "all" ? "1y" : parsed.range }, todayIn(zone, new Date()));
  const { nights, naps } = await sleepRange(db, user.id, range, done);
  const bars = nights.map((n) => ({
    date: n.localDate,
    // A night without stages shows as one "asleep" bar rather than nothing.
    parts: STAGES.some((s) => n[s] != null) ? STAGES.map((s) => ({ key: s, value: (n[s] ?? 0) / 3600 })) : [{ key: "asleepS", value: (n.asleepS ?? 0) / 3600 }],
  }));
  const labels = { ...STAGE_LABELS, asleepS: "Asleep (no stages)" };

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Sleep</h1>
        <p className="text-sm text-slate-600">
          Nights are counted on the day you wake up; naps are listed apart. {range.from} to {range.to}.
        </p>
      </div>
      <nav aria-label="Range" className="flex flex-wrap gap-2">
        {SLEEP_RANGES.map((r) => (
          <Link
            key={r}
            href={`?range=${r}`}
            aria-current={range.range === r ? "page" : undefined}
            className={`rounded border px-3 py-1 text-sm ${range.range === r ? "border-brand bg-brand text-white" : "border-slate-300 bg-white hover:bg-slate-100"}`}
          >
            {RANGE_LABELS[r]}
          </Link>
        ))}
        <Link href="/dashboard/metrics/sleep" className="px-1 py-1 text-sm text-brand-dark underline">
          Time asleep per day, with its sources
        </Link>
      </nav>
      <section aria-labelledby="nights-chart-heading" className="rounded-lg border border-slate-200 bg-white p-3">
        <h2 id="nights-chart-heading" className="text-sm font-medium text-slate-600">
          Nights by stage (hours)
        </h2>
        <StackedChart bars={bars} keys={[...STAGES, "asleepS"]} labels={labels} from={range.from} to={range.to} label="Sleep stages per night" unit="h" digits={1} />
      </section>
      <section aria-labelledby="nights-heading">
        <h2 id="nights-heading" className="text-lg font-semibold">
          Nights ({nights.length})
        </h2>
        {nights.length === 0 ? <p className="mt-2 text-slate-600">No nights in this range.</p> : null}
        <ul className="mt-2 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {[...nights].reverse().map((n) => (
            <li key={n.id} className="p-3 text-sm">
              <p className="flex flex-wrap justify-between gap-2">
                <Link href={`/dashboard/sleep/${n.id}`} className="font-medium underline decoration-slate-300 hover:decoration-brand">
                  {n.localDate}
                </Link>
                <span className="font-semibold">{formatHours(n.asleepS)} asleep</span>
              </p>
              <p className="text-slate-600">
                {formatTime(n.startAt, n.utcOffsetMinutes, zone)} → {formatTime(n.endAt, n.utcOffsetMinutes, zone)}
              </p>
              <p className="text-slate-600">
                {STAGES.map((s) => `${STAGE_LABELS[s]} ${formatHours(n[s])}`).join(" · ")}
                {n.score != null ? ` · score ${Math.round(n.score)}` : ""}
                {n.avgHr != null ? ` · ${Math.round(n.avgHr)} bpm avg` : ""}
                {n.hrvRmssdMs != null ? ` · HRV ${Math.round(n.hrvRmssdMs)} ms RMSSD` : n.hrvSdnnMs != null ? ` · HRV ${Math.round(n.hrvSdnnMs)} ms SDNN` : ""}
              </p>
              <p className="text-xs text-slate-500">{sourceList(n.copies)}</p>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="naps-heading">
        <h2 id="naps-heading" className="text-lg font-semibold">
          Naps ({naps.length})
        </h2>
        {naps.length === 0 ? <p className="mt-2 text-slate-600">No naps in this range.</p> : null}
        <ul className="mt-2 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {[...naps].reverse().map((n) => (
            <li key={n.id} className="p-3 text-sm">
              <Link href={`/dashboard/sleep/${n.id}`} className="font-medium underline decoration-slate-300 hover:decoration-brand">
                {formatTime(n.startAt, n.utcOffsetMinutes, zone)}
              </Link> · {formatHours(n.asleepS ?? (n.endAt.getTime() - n.startAt.getTime()) / 1000)} · {sourceList(n.copies)}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
