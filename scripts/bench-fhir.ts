/**
 * `npm run bench:fhir` — what the FHIR Observation search costs over its bare SQL, for a ten-year
 * user: 5 M Garmin heart-rate samples, hourly iPhone steps plus Garmin and Fitbit daily summaries
 * (reconciled into daily_value). Two searches, each as /api/fhir/Observation runs it (the first page
 * of up to 1000 and its total, searchWithTotal, building the resources) against bare SQL selecting the
 * same rows (count, then the page):
 *
 *   - one day of heart rate (code 8867-4, date=eqYYYY-MM-DD),
 *   - one year of daily steps (code 41950-7, date=geYYYY-MM-DD&date=ltYYYY-MM-DD).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:fhir
 *
 * p50/p95 of each and their ratio are printed, never asserted (target under 2×). The data is
 * generated set-wise in SQL in a throwaway database dropped at the end unless BENCH_KEEP=1.
 * BENCH_YEARS (default 10), BENCH_HR (default 5000000) and BENCH_RUNS (default 50) scale it down;
 * BENCH_DB=<a database kept by an earlier run> times against it instead of generating anew (the
 * generation takes about a minute).
 */
import { eq, sql } from "drizzle-orm";
import { users } from "@/lib/db/schema";
import { DAILY_KINDS, READING_KINDS } from "@/lib/fhir/codes";
import { dailyObservationId, dayStart, readingObservationId } from "@/lib/fhir/resources";
import { dateBounds, MAX_COUNT, type ObservationQuery, searchWithTotal } from "@/lib/fhir/search";
import { addDays } from "@/lib/normalize/dates";
import { recomputeUser } from "@/lib/reconcile/store";
import { benchDatabase, dailyStepTotals, heartRateSamples, hourlyPhoneSteps, step } from "./bench-user";

const years = Number(process.env.BENCH_YEARS ?? 10);
const hrSamples = Number(process.env.BENCH_HR ?? 5_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 50);
const days = Math.round(years * 365.25);
const end = "2026-11-30";
const start = addDays(end, -days + 1);
const TZ = "UTC";

const { db, name, kept: reuse, drop } = await benchDatabase("hb_bench_fhir");

const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

try {
  const email = `bench-${name}@example.test`;
  let uid: string;
  if (reuse) {
    const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (!user) throw new Error(`${name} holds no bench user (was it kept by this bench, BENCH_KEEP=1?)`);
    uid = user.id;
    console.log(`user: the one kept in ${name} (same BENCH_YEARS and BENCH_HR assumed), ${runs} runs per search`);
  } else {
    const [user] = await db.insert(users).values({ email, timeZone: TZ }).returning({ id: users.id });
    uid = user.id;
    console.log(`user: ${days} days from ${start} to ${end}, ${hrSamples.toLocaleString("en")} heart-rate samples, ${runs} runs per search`);
    await step("generate heart-rate samples (Garmin)", () => heartRateSamples(db, uid, start, days, hrSamples));
    await step("generate hourly iPhone steps", () => hourlyPhoneSteps(db, uid, start, end));
    await step("generate daily steps (Garmin, Fitbit)", () => dailyStepTotals(db, uid, start, end));
    await step("reconcile the user (daily_value)", () => recomputeUser(db, uid));
    await db.execute(sql`ANALYZE`);
  }

  const query = (kinds: ObservationQuery["kinds"], dates: string[]): ObservationQuery => ({
    kinds,
    date: dateBounds(dates, TZ),
    lastUpdated: { lo: null, hi: null },
    device: null,
    subjectMatches: true,
    descending: false,
    count: MAX_COUNT,
    after: null,
  });
  // As the route does: the page and its total in one call (searchWithTotal).
  const viaSearch = async (q: ObservationQuery) => {
    const page = await searchWithTotal(db, uid, TZ, q, { descending: false, after: null });
    return { total: page.total, ids: page.items.map((i) => i.resource.id as string) };
  };

  type Case = { label: string; search: (i: number) => Promise<{ total: number; ids: string[] }>; bare: (i: number) => Promise<{ total: number; ids: string[] }> };
  // Spread over the user's history so no run re-reads the previous one's pages.
  const dayOf = (i: number) => addDays(start, Math.floor(((i * 7919) % Math.max(1, days - 366)) + 1));
  const cases: Case[] = [
    {
      label: "one day of heart rate",
      search: (i) => viaSearch(query([READING_KINDS.heart_rate], [`eq${dayOf(i)}`])),
      bare: async (i) => {
        const lo = new Date(dayStart(dayOf(i), TZ)).toISOString();
        const hi = new Date(dayStart(addDays(dayOf(i), 1), TZ)).toISOString();
        const where = sql`user_id = ${uid}::uuid AND type = 'heart_rate' AND measured_at >= ${lo}::timestamptz AND measured_at < ${hi}::timestamptz`;
        const [{ n }] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM measurement WHERE ${where}`));
        const rows = rowsOf<{ id: string }>(
          await db.execute(sql`SELECT id::text AS id, measured_at, value, provider, source, updated_at FROM measurement WHERE ${where} ORDER BY measured_at, id LIMIT ${MAX_COUNT}`),
        );
        return { total: n, ids: rows.map((r) => readingObservationId(r.id)) };
      },
    },
    {
      label: "one year of daily steps",
      search: (i) => viaSearch(query([DAILY_KINDS.steps], [`ge${dayOf(i)}`, `lt${addDays(dayOf(i), 365)}`])),
      bare: async (i) => {
        const where = sql`user_id = ${uid}::uuid AND metric = 'steps' AND date >= ${dayOf(i)}::date AND date < ${addDays(dayOf(i), 365)}::date`;
        const [{ n }] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM daily_value WHERE ${where}`));
        const rows = rowsOf<{ date: string }>(
          await db.execute(sql`SELECT date::text AS date, value, unit, sources, updated_at FROM daily_value WHERE ${where} ORDER BY date LIMIT ${MAX_COUNT}`),
        );
        return { total: n, ids: rows.map((r) => dailyObservationId("steps", r.date)) };
      },
    },
  ];

  for (const c of cases) {
    // Same rows both ways (checked once, outside the timing), then warm up.
    const a = await c.search(0);
    const b = await c.bare(0);
    if (a.total !== b.total || a.ids.join() !== b.ids.join())
      throw new Error(`${c.label}: the search and the bare SQL disagree (${a.total}/${a.ids.length} vs ${b.total}/${b.ids.length})`);
    for (let i = 0; i < 3; i++) await Promise.all([c.search(i), c.bare(i)]);
    const searchMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first so neither always gets the warmer cache.
      const order = i % 2 ? ([["bare", c.bare], ["search", c.search]] as const) : ([["search", c.search], ["bare", c.bare]] as const);
      for (const [kind, f] of order) {
        const t0 = performance.now();
        await f(i);
        (kind === "search" ? searchMs : bareMs).push(performance.now() - t0);
      }
    }
    const [s50, s95, b50, b95] = [pct(searchMs, 50), pct(searchMs, 95), pct(bareMs, 50), pct(bareMs, 95)];
    console.log(
      `${c.label} (${a.total} rows, page of ${a.ids.length}): search p50 ${s50.toFixed(1)} ms p95 ${s95.toFixed(1)} ms | bare SQL p50 ${b50.toFixed(1)} ms p95 ${b95.toFixed(1)} ms | ratio p50 ${(s50 / b50).toFixed(2)}× p95 ${(s95 / b95).toFixed(2)}×`,
    );
  }
} finally {
  await drop();
}
