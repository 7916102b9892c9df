import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { activityDetail, ACTIVITY_FIELDS, type ActivityField } from "@/lib/dashboard/activities";
import { formatDistance, formatElevation, formatHours, formatTime, type Units } from "@/lib/dashboard/format";
import { homeZone } from "@/lib/dashboard/overview";
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
  const detail = await activityDetail(db, user.id, id);
  if (!detail) notFound();
  const [zone, units] = [await homeZone(db, user.id), await unitsPreference()];
  const a = detail.activity;

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
