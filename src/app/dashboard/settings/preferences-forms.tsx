"use client";

import Link from "next/link";
import { useActionState, useId } from "react";
import { timeZoneAction, unitsAction, weekStartAction, type TimeZoneState, type UnitsState, type WeekStartState } from "./preference-actions";

/** Home time zone, first day of the week and display units (settings page). */
export function PreferencesForms({
  timeZone,
  units,
  weekStart,
  zones,
}: {
  timeZone: string;
  units: "metric" | "imperial";
  weekStart: "monday" | "sunday";
  zones: string[];
}) {
  const [tz, tzAction, tzPending] = useActionState<TimeZoneState, FormData>(timeZoneAction, null);
  const [u, uAction, uPending] = useActionState<UnitsState, FormData>(unitsAction, null);
  const [w, wAction, wPending] = useActionState<WeekStartState, FormData>(weekStartAction, null);
  const tzId = useId();
  const listId = useId();
  return (
    <section aria-labelledby="preferences-heading" className="space-y-4">
      <h2 id="preferences-heading" className="text-xl font-semibold">
        Preferences
      </h2>
      <form action={tzAction} className="flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor={tzId} className="block text-sm font-medium">
            Home time zone
          </label>
          <input
            id={tzId}
            name="timeZone"
            list={listId}
            defaultValue={tz?.ok ? tz.timeZone : timeZone}
            required
            maxLength={64}
            aria-describedby={`${tzId}-hint`}
            className="mt-1 block w-64 max-w-full rounded border border-slate-300 px-3 py-2"
          />
          <datalist id={listId}>
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <p id={`${tzId}-hint`} className="mt-1 text-xs text-slate-500">
            The local day of readings whose source gives no time zone; changing it recomputes your days.
          </p>
        </div>
        <button type="submit" disabled={tzPending} className="rounded bg-brand px-4 py-2 font-medium text-white disabled:opacity-60">
          {tzPending ? "Recomputing…" : "Save time zone"}
        </button>
      </form>
      {tz ? (
        <p role={tz.ok ? "status" : "alert"} className={`text-sm ${tz.ok ? "text-green-800" : "text-red-800"}`}>
          {tz.ok ? `Home time zone is now ${tz.timeZone}; your days were recomputed.` : tz.error}
        </p>
      ) : null}

      <form action={wAction} className="flex flex-wrap items-end gap-3">
        <fieldset>
          <legend className="text-sm font-medium">First day of the week</legend>
          <label className="mr-4 text-sm">
            <input type="radio" name="weekStart" value="monday" defaultChecked={weekStart === "monday"} /> Monday
          </label>
          <label className="text-sm">
            <input type="radio" name="weekStart" value="sunday" defaultChecked={weekStart === "sunday"} /> Sunday
          </label>
        </fieldset>
        <button type="submit" disabled={wPending} className="rounded border border-slate-300 px-4 py-2 text-sm hover:bg-slate-100 disabled:opacity-60">
          Save first day
        </button>
      </form>
      {w ? (
        <p role={w.ok ? "status" : "alert"} className={`text-sm ${w.ok ? "text-green-800" : "text-red-800"}`}>
          {w.ok ? `Weeks now start on ${w.weekStart === "monday" ? "Monday" : "Sunday"}.` : w.error}
        </p>
      ) : null}

      <form action={uAction} className="flex flex-wrap items-end gap-3">
        <fieldset>
          <legend className="text-sm font-medium">Units</legend>
          <label className="mr-4 text-sm">
            <input type="radio" name="units" value="metric" defaultChecked={units === "metric"} /> Metric (km, kg)
          </label>
          <label className="text-sm">
            <input type="radio" name="units" value="imperial" defaultChecked={units === "imperial"} /> Imperial (mi, lb)
          </label>
        </fieldset>
        <button type="submit" disabled={uPending} className="rounded border border-slate-300 px-4 py-2 text-sm hover:bg-slate-100 disabled:opacity-60">
          Save units
        </button>
      </form>
      {u ? (
        <p role={u.ok ? "status" : "alert"} className={`text-sm ${u.ok ? "text-green-800" : "text-red-800"}`}>
          {u.ok ? `Showing ${u.units} units.` : u.error}
        </p>
      ) : null}
      <p className="text-sm">
        <Link href="/dashboard/settings/sources" className="text-brand-dark underline">
          Source order: which provider counts first, per metric
        </Link>
      </p>
    </section>
  );
}
