import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { RouteMap } from "@/components/charts/route-map";
import { TimeChart } from "@/components/charts/time-chart";
import { activityDetail, activityHeartRate, activityInterval, activityRoute, ACTIVITY_FIELDS, type ActivityField } from "@/lib/dashboard/activities";
import { formatDistance, formatElevation, formatHours, formatTime, offsetLabel, type Units } from "@/lib/dashboard/format";
import { bucketLabel } from "@/lib/dashboard/heart";
import { pagePreferences } from "@/lib/dashboard/overview";
import { EpisodeCopies } from "@/components/episode-copies";
import { sourceLabel } from "@/lib/reconcile/priority";
import { unitsPreference } from "../../units";

export const dynamic = "force-dynamic";

const FIELD_LABELS: Record<ActivityField, string> = {
  name: "Name",
  type: "Type",
  startAt: "Start",
  endAt: "End",
  durationS: "Duration",
  movingS: "Moving time",
  distanceM: "Distance",
  energyKcal: "Energy",
  avgHr: "Average heart rate",
  maxHr: "Maximum heart rate",
  elevationGainM: "Elevation gain",
  steps: "Steps",
};

type Fields = { [K in ActivityField]: unknown } & { utcOffsetMinutes: number | null };

function show(field: ActivityField, row: Fields, zone: string, units: Units): string {
  const v = row[field];
  if (v == null) return "—";
  switch (field) {
    case "startAt":
    case "endAt":
      return formatTime(v as Date, row.utcOffsetMinutes, zone);
    case "durationS":
    case "movingS":
      return formatHours(v as number);
    case "distanceM":
      return formatDistance(v as number, units);
    case "elevationGainM":
      return formatElevation(v as number, units);
    case "energyKcal":
      return `${Math.round(v as number)} kcal`;
    case "avgHr":
    case "maxHr":
      return `${Math.round(v as number)} bpm`;
    case "steps":
      return (v as number).toLocaleString("en-US");
    default:
      return String(v);
  }
}

export default async function ActivityPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/dashboard/activities/${id}`);
  const db = await getDb();
  const { zone, done } = await pagePreferences(db, user.id);
  const detail = await activityDetail(db, user.id, id, done);
  if (!detail) notFound();
  const units = await unitsPreference();
  const a = detail.activity;
  const [hr, route, interval] = [await activityHeartRate(db, user.id, detail), activityRoute(detail), activityInterval(a)];
  // The chart reads on the clock where the workout happened when its source gave the offset, like the times above.
  const shift = (a.utcOffsetMinutes ?? 0) * 60_000;
  const chartZone = a.utcOffsetMinutes != null ? { zone: "UTC", zoneLabel: offsetLabel(a.utcOffsetMinutes) } : { zone };

  return (
    <div className="space-y-6">
      <div>
        <Link href="/dashboard/activities" className="text-sm text-brand-dark underline">
          ← Activities
        </Link>
        <h1 className="mt-1 text-2xl font-bold">{a.name ?? a.type}</h1>
        <p className="text-sm text-slate-600">
          {formatTime(a.startAt, a.utcOffsetMinutes, zone)}, on {a.localDate}
        </p>
      </div>
      <section aria-labelledby="fields-heading">
        <h2 id="fields-heading" className="text-lg font-semibold">
          Every field
        </h2>
        <dl className="mt-2 grid grid-cols-1 gap-x-6 gap-y-1 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-2">
          {ACTIVITY_FIELDS.map((f) => {
            const from = detail.copies.find((c) => c.fields.includes(f));
            return (
              <div key={f} className="flex flex-wrap justify-between gap-2 border-b border-slate-100 py-1">
                <dt className="text-slate-600">{FIELD_LABELS[f]}</dt>
                <dd className="text-right">
                  {show(f, a as unknown as Fields, zone, units)}
                  {from && detail.copies.length > 1 ? <span className="block text-xs text-slate-500">from {sourceLabel(from)}</span> : null}
                </dd>
              </div>
            );
          })}
        </dl>
      </section>
      <section aria-labelledby="hr-heading" className="rounded-lg border border-slate-200 bg-white p-3">
        <h2 id="hr-heading" className="font-semibold">
          Heart rate during the workout
        </h2>
        {hr && interval ? (
          <>
            <p className="text-xs text-slate-500">
              Average per {bucketLabel(hr.size)}, band from lowest to highest; {hr.from === "recording" ? "recorded with the workout by" : "heart-rate readings from"}{" "}
              {[...new Set(hr.buckets.map((b) => sourceLabel(b)))].join(", ")}.
            </p>
            <TimeChart
              points={hr.buckets.map((b) => ({ t: b.t + shift, w: b.w, value: b.avg, min: b.min, max: b.max }))}
              rangeMs={[interval.fromMs + shift, interval.toMs + shift]}
              from={a.localDate}
              to={a.localDate}
              label="Heart rate during the workout"
              kind="line"
              unit="bpm"
              {...chartZone}
            />
          </>
        ) : (
          <p className="mt-1 text-sm text-slate-600">{interval ? "No heart rate was recorded during this workout." : "The workout has no end time or duration, so there is no interval to show heart rate for."}</p>
        )}
      </section>
      <section aria-labelledby="route-heading" className="rounded-lg border border-slate-200 bg-white p-3">
        <h2 id="route-heading" className="font-semibold">
          Route
        </h2>
        {route ? (
          <>
            <p className="text-xs text-slate-500">From {sourceLabel(route)}.</p>
            <RouteMap route={route} />
          </>
        ) : (
          <p className="mt-1 text-sm text-slate-600">No GPS route was stored for this workout.</p>
        )}
      </section>
      <EpisodeCopies
        title="Copies from each source"
        copies={detail.copies}
        reorder={{ href: "/dashboard/settings/sources#activity", label: "Reorder the sources of workouts" }}
        details={(c, row) => (
          <>
            {c.fields.length ? <p className="text-xs text-slate-500">Fields taken from it: {c.fields.map((f) => FIELD_LABELS[f as ActivityField] ?? f).join(", ")}</p> : null}
            <dl className="mt-2 grid grid-cols-1 gap-x-6 sm:grid-cols-2">
              {ACTIVITY_FIELDS.map((f) => (
                <div key={f} className="flex justify-between gap-2">
                  <dt className="text-slate-500">{FIELD_LABELS[f]}</dt>
                  <dd>{show(f, row as unknown as Fields, zone, units)}</dd>
                </div>
              ))}
            </dl>
          </>
        )}
      />
    </div>
  );
}
