/**
 * `npm run bench:reconcile` — what the reconciled record costs, for a ten-year user with three
 * overlapping sources: 54,750 activities (every workout recorded by Garmin, Strava and Apple Health),
 * 5 M heart-rate samples, daily steps from Garmin and Fitbit summaries plus hourly iPhone samples,
 * and a night a day from Oura and Apple Health. Printed, never asserted:
 *
 *   - the rebuild an ingest request adds (one day marked, as a day's upload marks it),
 *   - the rebuild a sync window adds (30 days marked),
 *   - a full recompute of the user.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:reconcile
 *
 * The data is generated set-wise in SQL (fast), in a throwaway database dropped at the end unless
 * BENCH_KEEP=1. BENCH_YEARS (default 10) and BENCH_HR (default 5000000) scale it down for a quick look.
 */
import { sql } from "drizzle-orm";
import { users } from "@/lib/db/schema";
import { markDirty } from "@/lib/reconcile/dirty";
import { reconcilePending, recomputeUser } from "@/lib/reconcile/store";
import { addDays } from "@/lib/normalize/dates";
import { dailyStepTotals, heartRateSamples, hourlyPhoneSteps, nightlySleep, overlappingWorkouts, step, throwawayDatabase } from "./bench-user";

const years = Number(process.env.BENCH_YEARS ?? 10);
const hrSamples = Number(process.env.BENCH_HR ?? 5_000_000);
const days = Math.round(years * 365.25);
const end = "2026-11-30";
const start = addDays(end, -days + 1);

const { db, name, drop } = await throwawayDatabase("hb_bench_reconcile");
const time = step;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const [user] = await db.insert(users).values({ email: `bench-${name}@example.test` }).returning({ id: users.id });
  const uid = user.id;
  console.log(`user: ${days} days from ${start} to ${end}, ${hrSamples.toLocaleString("en")} heart-rate samples`);
  await time("generate activities (3 copies × 5 a day)", () => overlappingWorkouts(db, uid, start, end));
  await time("generate nights (Oura + Apple Health)", () => nightlySleep(db, uid, start, end));
  await time("generate daily steps (Garmin, Fitbit)", () => dailyStepTotals(db, uid, start, end));
  await time("generate hourly iPhone steps", () => hourlyPhoneSteps(db, uid, start, end));
  await time("generate heart-rate samples", () => heartRateSamples(db, uid, start, days, hrSamples));
  await db.execute(sql`ANALYZE`);

  const full = await time("full recompute of the user", () => recomputeUser(db, uid));
  console.log(`  ${full.value.days} days, ${(full.ms / full.value.days).toFixed(1)} ms a day`);

  const perIngest: number[] = [];
  for (let i = 0; i < 20; i++) {
    const day = addDays(end, -i * 97);
    perIngest.push((await time("", async () => {
      await markDirty(db, uid, [day]);
      await reconcilePending(db, uid);
    })).ms);
  }
  console.log(`${"added per ingest request (1 day, median of 20)".padEnd(44)} ${median(perIngest).toFixed(1)} ms`);

  const perWindow: number[] = [];
  for (let i = 0; i < 5; i++) {
    const first = addDays(end, -30 * (i + 1) * 7);
    perWindow.push((await time("", async () => {
      await markDirty(db, uid, Array.from({ length: 30 }, (_, k) => addDays(first, k)));
      await reconcilePending(db, uid);
    })).ms);
  }
  console.log(`${"added per sync window (30 days, median of 5)".padEnd(44)} ${median(perWindow).toFixed(1)} ms`);

  const counts = (await db.execute(sql`
    SELECT (SELECT count(*) FROM reconciled_activity)::int AS workouts, (SELECT count(*) FROM reconciled_sleep)::int AS nights,
           (SELECT count(*) FROM daily_value)::int AS values, (SELECT count(*) FROM activity)::int AS activity_rows`)) as unknown as Array<Record<string, number>>;
  console.log("reconciled:", JSON.stringify(counts[0]));
} finally {
  await drop();
}
