import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { toPgArray } from "@/lib/normalize/upsert";
import type { DailyRow } from "@/lib/normalize/types";
import { DAILY_TYPES, type BridgeProvider } from "./collector";
import { rowsOf } from "@/lib/db/rows";

/**
 * Daily summaries of the bridge providers, recomputed from what is stored rather than from the
 * request: HAE's "since last sync" and batched requests carry only part of a day, so summing the
 * payload would overwrite a day's total with a fragment. Runs in the ingest transaction after the
 * measurements and sleep sessions of the request were written, for the days the request touched.
 *
 * steps, distance, active/total energy: sums · resting HR, average HR, HRV, SpO2: means ·
 * weight: the day's last value · total energy: total_energy records, else basal + active ·
 * sleep: asleep time of the non-nap sessions ending that day. A column with nothing stored for the
 * day stays null, which the daily_summary merge reads as "keep what another source wrote".
 */

type Agg = { n: number; sum: number; avg: number; last: number };

export async function recomputeDaily(
  db: DbOrTx,
  userId: string,
  provider: BridgeProvider,
  days: Set<string>,
  sleepDays: Set<string>,
): Promise<DailyRow[]> {
  const rows = new Map<string, DailyRow>();
  const row = (date: string) => {
    let r = rows.get(date);
    if (!r) rows.set(date, (r = { provider, date }));
    return r;
  };

  if (days.size) {
    // A day is the points whose own local day it is: on a DST day or a travel day the hours of the
    // neighbouring days never leak in. One pass grouped by (day, type), not one lookup per (day,
    // type): the planner's statistics cannot see this transaction's rows, and a per-pair lookup it
    // planned on another index re-read all of the user's points of a type for every day (issue 17:
    // a year of minute heart rate took 30 s of PostgreSQL CPU here). Grouped, the worst plan reads
    // the user's points once.
    const result = await db.execute(sql`
      SELECT m.local_date::text AS day, m.type, count(*)::int AS n, sum(m.value) AS sum, avg(m.value) AS avg,
             (array_agg(m.value ORDER BY m.measured_at DESC))[1] AS last
      FROM measurement m
      WHERE m.user_id = ${userId}::uuid AND m.provider = ${provider}
        AND m.local_date = ANY(${toPgArray([...days])}::date[]) AND m.type = ANY(${toPgArray([...DAILY_TYPES])}::text[])
      GROUP BY m.local_date, m.type`);
    const byDay = new Map<string, Map<string, Agg>>();
    for (const r of rowsOf(result) as Array<{ day: string; type: string } & Record<keyof Agg, number | string>>) {
      let types = byDay.get(r.day);
      if (!types) byDay.set(r.day, (types = new Map()));
      types.set(r.type, { n: Number(r.n), sum: Number(r.sum), avg: Number(r.avg), last: Number(r.last) });
    }
    for (const [date, types] of byDay) {
      const r = row(date);
      const sum = (t: string) => types.get(t)?.sum ?? null;
      const avg = (t: string) => types.get(t)?.avg ?? null;
      const steps = sum("steps");
      r.steps = steps === null ? null : Math.round(steps);
      r.distanceM = sum("distance");
      r.activeEnergyKcal = sum("active_energy");
      const basal = sum("basal_energy");
      r.totalEnergyKcal = sum("total_energy") ?? (basal !== null && r.activeEnergyKcal !== null ? basal + r.activeEnergyKcal : null);
      r.restingHr = avg("resting_heart_rate");
      r.avgHr = avg("heart_rate");
      r.hrvSdnnMs = avg("hrv_sdnn");
      r.hrvRmssdMs = avg("hrv_rmssd");
      r.spo2Pct = avg("spo2");
      r.weightKg = types.get("weight")?.last ?? null;
    }
  }

  if (sleepDays.size) {
    const result = await db.execute(sql`
      SELECT local_date::text AS day, sum(asleep_s) AS asleep
      FROM sleep_session
      WHERE user_id = ${userId}::uuid AND provider = ${provider}
        AND local_date = ANY(${toPgArray([...sleepDays])}::date[])
        AND deleted_at IS NULL AND NOT is_nap AND asleep_s IS NOT NULL
      GROUP BY local_date`);
    for (const r of rowsOf(result) as Array<{ day: string; asleep: number | string }>) row(r.day).sleepS = Number(r.asleep);
  }
  return [...rows.values()];
}
