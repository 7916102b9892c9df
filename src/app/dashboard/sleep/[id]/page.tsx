import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { formatHours, formatTime } from "@/lib/dashboard/format";
import { pagePreferences } from "@/lib/dashboard/overview";
import { sleepDetail, STAGE_LABELS, STAGES } from "@/lib/dashboard/sleep";
import { EpisodeCopies } from "@/components/episode-copies";

export const dynamic = "force-dynamic";

type SleepFields = { startAt: Date; endAt: Date; utcOffsetMinutes: number | null; inBedS: number | null; asleepS: number | null; score: number | null; avgHr: number | null; minHr: number | null; hrvRmssdMs: number | null; hrvSdnnMs: number | null; efficiencyPct: number | null } & Record<(typeof STAGES)[number], number | null>;

function Fields({ n, zone }: { n: SleepFields; zone: string }) {
  const rows: Array<[string, string]> = [
    ["From", formatTime(n.startAt, n.utcOffsetMinutes, zone)],
    ["To", formatTime(n.endAt, n.utcOffsetMinutes, zone)],
    ["In bed", formatHours(n.inBedS)],
    ["Asleep", formatHours(n.asleepS)],
    ...STAGES.map((s): [string, string] => [STAGE_LABELS[s], formatHours(n[s])]),
    ["Efficiency", n.efficiencyPct == null ? "—" : `${Math.round(n.efficiencyPct)} %`],
    ["Score", n.score == null ? "—" : String(Math.round(n.score))],
    ["Average heart rate", n.avgHr == null ? "—" : `${Math.round(n.avgHr)} bpm`],
    ["Lowest heart rate", n.minHr == null ? "—" : `${Math.round(n.minHr)} bpm`],
    ["HRV (RMSSD)", n.hrvRmssdMs == null ? "—" : `${Math.round(n.hrvRmssdMs)} ms`],
    ["HRV (SDNN)", n.hrvSdnnMs == null ? "—" : `${Math.round(n.hrvSdnnMs)} ms`],
  ];
  return (
    <dl className="grid grid-cols-1 gap-x-6 text-sm sm:grid-cols-2">
      {rows.map(([k, v]) => (
        <div key={k} className="flex flex-wrap justify-between gap-2 border-b border-slate-100 py-1">
          <dt className="text-slate-600">{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export default async function NightPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/dashboard/sleep/${id}`);
  const db = await getDb();
  const { zone, done } = await pagePreferences(db, user.id);
  const detail = await sleepDetail(db, user.id, id, done);
  if (!detail) notFound();
  const n = detail.night;
  return (
    <div className="space-y-6">
      <div>
        <Link href="/dashboard/sleep" className="text-sm text-brand-dark underline">
          ← Sleep
        </Link>
        <h1 className="mt-1 text-2xl font-bold">
          {n.isNap ? "Nap" : "Night"} of {n.localDate}
        </h1>
      </div>
      <section aria-labelledby="night-heading" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="night-heading" className="sr-only">
          Every field
        </h2>
        <Fields n={n} zone={zone} />
      </section>
      <EpisodeCopies
        title="Copies from each tracker"
        copies={detail.copies}
        reorder={{ href: "/dashboard/settings/sources#sleep", label: "Reorder the sources of sleep" }}
        details={(_, row) => <Fields n={row} zone={zone} />}
      />
    </div>
  );
}
