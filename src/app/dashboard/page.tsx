import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { dashboardData } from "@/lib/dashboard";

export const dynamic = "force-dynamic";

export default async function DashboardPage() {
  const user = await requireUser("/dashboard");
  const data = await dashboardData(await getDb(), user.id);
  const empty = data.connections === 0 && data.activities.length === 0 && data.nights.length === 0 && data.days.length === 0;

  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-bold">Dashboard</h1>
      {empty ? (
        <section className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
          <h2 className="text-lg font-semibold">No data yet</h2>
          <p className="mt-2 text-slate-600">
            Nothing is connected, so there is nothing to show. Connect a provider or set up a phone app and your
            activities and nights will appear here.
          </p>
          <Link href="/dashboard/settings" className="mt-4 inline-block rounded bg-brand px-4 py-2 font-medium text-white">
            Connect a source
          </Link>
        </section>
      ) : (
        <>
          <section aria-labelledby="activities-heading">
            <h2 id="activities-heading" className="text-lg font-semibold">
              Recent activities
            </h2>
            {data.activities.length === 0 ? (
              <p className="mt-2 text-slate-600">No activities yet.</p>
            ) : (
              <table className="mt-3 w-full border-collapse bg-white text-sm">
                <thead>
                  <tr className="border-b text-left">
                    <th className="p-2">Name</th>
                    <th className="p-2">Type</th>
                    <th className="p-2">Start (local)</th>
                    <th className="p-2 text-right">Distance (km)</th>
                    <th className="p-2 text-right">Duration</th>
                    <th className="p-2">Source</th>
                  </tr>
                </thead>
                <tbody>
                  {data.activities.map((a) => (
                    <tr key={a.id} className="border-b">
                      <td className="p-2">{a.name ?? "—"}</td>
                      <td className="p-2">{a.type}</td>
                      <td className="p-2">{a.localStart}</td>
                      <td className="p-2 text-right">{a.distanceKm ?? "—"}</td>
                      <td className="p-2 text-right">{a.duration ?? "—"}</td>
                      <td className="p-2">{a.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="nights-heading">
            <h2 id="nights-heading" className="text-lg font-semibold">
              Nights
            </h2>
            {data.nights.length === 0 ? (
              <p className="mt-2 text-slate-600">No sleep recorded yet.</p>
            ) : (
              <table className="mt-3 w-full border-collapse bg-white text-sm">
                <thead>
                  <tr className="border-b text-left">
                    <th className="p-2">Night of (wake-up day)</th>
                    <th className="p-2">In bed</th>
                    <th className="p-2 text-right">Asleep</th>
                    <th className="p-2 text-right">Deep</th>
                    <th className="p-2 text-right">REM</th>
                    <th className="p-2">Source</th>
                  </tr>
                </thead>
                <tbody>
                  {data.nights.map((n) => (
                    <tr key={n.id} className="border-b">
                      <td className="p-2">{n.localDate}</td>
                      <td className="p-2">{n.window}</td>
                      <td className="p-2 text-right">{n.asleep ?? "—"}</td>
                      <td className="p-2 text-right">{n.deep ?? "—"}</td>
                      <td className="p-2 text-right">{n.rem ?? "—"}</td>
                      <td className="p-2">{n.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="days-heading">
            <h2 id="days-heading" className="text-lg font-semibold">
              Daily summaries
            </h2>
            {data.days.length === 0 ? (
              <p className="mt-2 text-slate-600">No daily summaries yet.</p>
            ) : (
              <table className="mt-3 w-full border-collapse bg-white text-sm">
                <thead>
                  <tr className="border-b text-left">
                    <th className="p-2">Day</th>
                    <th className="p-2 text-right">Steps</th>
                    <th className="p-2 text-right">Active kcal</th>
                    <th className="p-2 text-right">Resting HR</th>
                    <th className="p-2 text-right">HRV</th>
                    <th className="p-2 text-right">Weight (kg)</th>
                    <th className="p-2">Source</th>
                  </tr>
                </thead>
                <tbody>
                  {data.days.map((d) => (
                    <tr key={d.id} className="border-b">
                      <td className="p-2">{d.date}</td>
                      <td className="p-2 text-right">{d.steps ?? "—"}</td>
                      <td className="p-2 text-right">{d.activeEnergyKcal ?? "—"}</td>
                      <td className="p-2 text-right">{d.restingHr ?? "—"}</td>
                      <td className="p-2 text-right">{d.hrv ?? "—"}</td>
                      <td className="p-2 text-right">{d.weightKg ?? "—"}</td>
                      <td className="p-2">{d.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </div>
  );
}
