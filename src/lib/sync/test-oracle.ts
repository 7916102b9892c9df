import { and, eq } from "drizzle-orm";
import { simData } from "@sim/data/generator";
import type { RunningSimulator } from "@sim/server";
import type { Db } from "@/lib/db";
import { activities, dailySummaries, measurements, sleepSessions } from "@/lib/db/schema";

/**
 * For the sync tests (not a test file): an oracle for what a sync must store, computed straight from
 * the simulator's vendor JSON with each vendor's documented field semantics (providers.md), without
 * the app's transforms or helpers — so a unit or sign slip in a transform fails it, which
 * test-landed (transforms applied to the served records) cannot see. It checks key facts only:
 * per activity start, duration, distance, energy and average HR; per sleep session start, end,
 * time asleep and nap flag; steps, resting HR and main-sleep time per local day; weights.
 *
 * Convention: a fact `null` means the vendor sends nothing for it, so the stored value must be null
 * too; a fact left out (undefined) is not checked.
 */

type J = Record<string, unknown>;
type Num = number | null | undefined;

type ActivityFacts = { startMs: number; durationS: Num; distanceM: Num; energyKcal: Num; avgHr: Num };
type SleepFacts = { startMs: number; endMs: number; asleepS: Num; isNap?: boolean };
type DailyFacts = { steps?: number; restingHr?: number; sleepS?: number; weightKg?: number };
/** Weigh-ins: by instant when the vendor gives one, by local day when it gives only a date, or just the value (profile snapshots). */
type Weights = { byInstant?: Map<number, number>; byLocalDay?: Map<string, number>; values?: number[] };

type DailyKey = keyof DailyFacts;
const DAILY_KEYS: DailyKey[] = ["steps", "restingHr", "sleepS"];

type Facts = {
  activities?: Map<string, ActivityFacts>;
  sleep?: Map<string, SleepFacts>;
  daily: Map<string, DailyFacts>;
  /** The daily columns checked (default all): one the vendor has no word on is left to the app. */
  dailyKeys?: DailyKey[];
  weights?: Weights;
};

// ───────────────────────── vendor-format helpers (own code, no app imports) ─────────────────────────

const obj = (v: unknown): J => (v && typeof v === "object" ? (v as J) : {});
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : null);
const instant = (v: unknown): number => {
  const ms = typeof v === "string" ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw new Error(`oracle: not a date-time with a zone: ${JSON.stringify(v)}`);
  return ms;
};
const epochS = (v: unknown): number => num(v)! * 1000;

/** Minutes east of UTC that `tz` shows at `ms` (IANA rules via Intl). */
function zoneOffsetMin(tz: string, ms: number): number {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  const wallAsUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((wallAsUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

const dayAt = (ms: number, offsetMin: number): string => new Date(ms + offsetMin * 60_000).toISOString().slice(0, 10);
const dayIn = (ms: number, tz: string): string => dayAt(ms, zoneOffsetMin(tz, ms));

/** "+05:30" / "-05:00" / "Z" → minutes east of UTC. */
function offsetOf(s: unknown): number {
  const m = typeof s === "string" ? /^([+-])(\d{2}):?(\d{2})$/.exec(s) : null;
  if (s === "Z") return 0;
  if (!m) throw new Error(`oracle: not an offset: ${JSON.stringify(s)}`);
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** ISO 8601 duration ("PT2H44M", "P1DT3S") → seconds. */
function isoDurationS(s: unknown): number | null {
  const m = typeof s === "string" ? /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s) : null;
  if (!m) return null;
  const [d, h, mi, se] = m.slice(1).map((x) => (x ? Number(x) : 0));
  return d * 86_400 + h * 3600 + mi * 60 + se;
}

/** Sums the parts the vendor gave (null when it gave none). */
const sumOf = (...v: unknown[]): number | null => {
  const xs = v.map(num).filter((x): x is number => x !== null);
  return xs.length ? xs.reduce((a, b) => a + b, 0) : null;
};

/** 1 kcal = 4.184 kJ (thermochemical calorie, the one WHOOP's `kilojoule` fields convert with). */
const KJ_PER_KCAL = 4.184;

const setDaily = (daily: Map<string, DailyFacts>, date: string, part: DailyFacts) => daily.set(date, { ...daily.get(date), ...part });

// ───────────────────────── per-vendor expectations ─────────────────────────

type Ctx = { records: (resource: string) => J[]; tz: string };

const VENDORS: Record<string, (c: Ctx) => Facts> = {
  // Strava SummaryActivity: start_date is UTC, elapsed_time s (moving_time excludes pauses), distance m,
  // average_heartrate bpm. The summary has no `calories` (only detailed activities do); `kilojoules`
  // is rides' mechanical work, not energy spent, so no energy is expected.
  strava: ({ records }) => ({
    activities: new Map(
      records("activities").map((a) => [
        String(a.id),
        { startMs: instant(a.start_date), durationS: num(a.elapsed_time), distanceM: num(a.distance), energyKcal: num(a.calories), avgHr: num(a.average_heartrate) },
      ]),
    ),
    daily: new Map(),
  }),

  // Oura v2: date-times carry their offset; workout calories kcal, distance m, no HR in a workout.
  // Sleep periods: durations in SECONDS, `day` = the day you wake up; only `long_sleep` is the main
  // sleep (naps are late_nap/sleep/rest). `lowest_heart_rate` of the long sleep is what Oura shows as
  // resting heart rate. daily_activity.steps per `day`.
  oura: ({ records }) => {
    const daily = new Map<string, DailyFacts>();
    const sleep = new Map<string, SleepFacts>();
    for (const s of records("sleep")) {
      const main = s.type === "long_sleep";
      sleep.set(String(s.id), { startMs: instant(s.bedtime_start), endMs: instant(s.bedtime_end), asleepS: num(s.total_sleep_duration), isNap: !main });
      if (main) setDaily(daily, String(s.day), { sleepS: num(s.total_sleep_duration)!, restingHr: num(s.lowest_heart_rate)! });
    }
    for (const d of records("daily_activity")) setDaily(daily, String(d.day), { steps: num(d.steps)! });
    const activities = new Map(
      records("workout").map((w) => {
        const start = instant(w.start_datetime);
        return [String(w.id), { startMs: start, durationS: (instant(w.end_datetime) - start) / 1000, distanceM: num(w.distance), energyKcal: num(w.calories), avgHr: null }];
      }),
    );
    return { activities, sleep, daily };
  },

  // WHOOP v2: instants in UTC with `timezone_offset`; workout `kilojoule` is energy (÷4.184 → kcal),
  // `distance_meter` m. Sleep stage times in MILLISECONDS; asleep = light + slow-wave + REM (in bed
  // minus awake and no-data); `nap` flags naps. A recovery belongs to its sleep (`sleep_id`): its
  // resting HR is the day that sleep ended. body_measurement.weight_kilogram is a profile value
  // without a time.
  whoop: ({ records }) => {
    const daily = new Map<string, DailyFacts>();
    const sleep = new Map<string, SleepFacts>();
    const wakeDay = new Map<string, string>();
    for (const s of records("sleep")) {
      const st = obj(obj(s.score).stage_summary);
      const asleepMs = sumOf(st.total_light_sleep_time_milli, st.total_slow_wave_sleep_time_milli, st.total_rem_sleep_time_milli);
      const asleepS = asleepMs === null ? null : asleepMs / 1000;
      const end = instant(s.end);
      const day = dayAt(end, offsetOf(s.timezone_offset));
      wakeDay.set(String(s.id), day);
      sleep.set(String(s.id), { startMs: instant(s.start), endMs: end, asleepS, isNap: s.nap === true });
      if (s.nap !== true && asleepS !== null) setDaily(daily, day, { sleepS: asleepS });
    }
    for (const r of records("recovery")) {
      const day = wakeDay.get(String(r.sleep_id));
      const rhr = num(obj(r.score).resting_heart_rate);
      if (day && rhr !== null) setDaily(daily, day, { restingHr: rhr });
    }
    const activities = new Map(
      records("workout").map((w) => {
        const sc = obj(w.score);
        const start = instant(w.start);
        const kj = num(sc.kilojoule);
        return [String(w.id), { startMs: start, durationS: (instant(w.end) - start) / 1000, distanceM: num(sc.distance_meter), energyKcal: kj === null ? null : kj / KJ_PER_KCAL, avgHr: num(sc.average_heart_rate) }];
      }),
    );
    const values = records("body_measurement").map((b) => num(b.weight_kilogram)).filter((x): x is number => x !== null);
    return { activities, sleep, daily, weights: { values } };
  },

  // Google Health API v4: RFC 3339 instants; exercise `metricsSummary.distanceMillimeters` in MILLIMETRES,
  // calories kcal, duration = interval end − start; sleep `summary.minutesAsleep` in MINUTES (an int64
  // string), the night's day = the local day of `interval.endTime` at `endUtcOffset`, `metadata.nap`;
  // steps from the daily roll-up `steps.countSum` on `civilStartTime.date`; resting HR per `date`;
  // weight in GRAMS at `sampleTime.physicalTime`.
  google_health: ({ records }) => {
    const daily = new Map<string, DailyFacts>();
    const sleep = new Map<string, SleepFacts>();
    const idOf = (name: unknown) => String(name).split("/").pop()!;
    const offsetS = (v: unknown) => Number(String(v).replace(/s$/, ""));
    const civilDate = (d: J) => `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
    for (const p of records("sleep")) {
      const s = obj(p.sleep);
      const iv = obj(s.interval);
      const endMs = instant(iv.endTime);
      const asleepS = num(obj(s.summary).minutesAsleep) === null ? null : num(obj(s.summary).minutesAsleep)! * 60;
      const nap = obj(s.metadata).nap === true;
      sleep.set(idOf(p.name), { startMs: instant(iv.startTime), endMs, asleepS, isNap: nap });
      if (!nap && asleepS !== null) setDaily(daily, dayAt(endMs, offsetS(iv.endUtcOffset) / 60), { sleepS: asleepS });
    }
    for (const p of records("steps")) setDaily(daily, civilDate(obj(obj(p.civilStartTime).date)), { steps: num(obj(p.steps).countSum)! });
    for (const p of records("daily_resting_heart_rate")) {
      const d = obj(p.dailyRestingHeartRate);
      setDaily(daily, civilDate(obj(d.date)), { restingHr: num(d.beatsPerMinute)! });
    }
    const activities = new Map(
      records("exercise").map((p) => {
        const e = obj(p.exercise);
        const iv = obj(e.interval);
        const m = obj(e.metricsSummary);
        const startMs = instant(iv.startTime);
        const mm = num(m.distanceMillimeters);
        return [idOf(p.name), { startMs, durationS: (instant(iv.endTime) - startMs) / 1000, distanceM: mm === null ? null : mm / 1000, energyKcal: num(m.caloriesKcal), avgHr: num(m.averageHeartRateBeatsPerMinute) }];
      }),
    );
    const byInstant = new Map(records("weight").map((p) => [instant(obj(obj(p.weight).sampleTime).physicalTime), num(obj(p.weight).weightGrams)! / 1000]));
    return { activities, sleep, daily, weights: { byInstant } };
  },

  // Polar AccessLink: exercise `start_time` is a local wall clock, `start_time_utc_offset` its offset
  // in MINUTES; `duration` ISO 8601; distance m; calories kcal; heart_rate.average. Sleep times carry
  // their offset; stage times in SECONDS, asleep = light + deep + REM + unrecognized; a night is keyed
  // by its `date` (no id). Daily activity steps on the date of its `start_time`. physical_info.weight
  // is a profile value.
  polar: ({ records }) => {
    const daily = new Map<string, DailyFacts>();
    const sleep = new Map<string, SleepFacts>();
    for (const s of records("sleep")) {
      const asleepS = sumOf(s.light_sleep, s.deep_sleep, s.rem_sleep, s.unrecognized_sleep_stage);
      sleep.set(String(s.date), { startMs: instant(s.sleep_start_time), endMs: instant(s.sleep_end_time), asleepS });
      if (asleepS !== null) setDaily(daily, String(s.date), { sleepS: asleepS });
    }
    for (const a of records("activities")) setDaily(daily, String(a.start_time).slice(0, 10), { steps: num(a.steps)! });
    const activities = new Map(
      records("exercises").map((e) => [
        String(e.id),
        {
          startMs: Date.parse(`${String(e.start_time).slice(0, 19)}Z`) - num(e.start_time_utc_offset)! * 60_000,
          durationS: isoDurationS(e.duration),
          distanceM: num(e.distance),
          energyKcal: num(e.calories),
          avgHr: num(obj(e.heart_rate).average),
        },
      ]),
    );
    const values = records("physical_info").map((p) => num(p.weight)).filter((x): x is number => x !== null);
    return { activities, sleep, daily, weights: { values } };
  },

  // COROS sport/list: epoch SECONDS; `duration` s (else endTime − startTime); `distance` m as served
  // (the unit is UNCONFIRMED: COROS's docs are private); no energy or HR in the list.
  coros: ({ records }) => ({
    activities: new Map(
      records("sport_list").map((w) => [
        String(w.labelId),
        { startMs: epochS(w.startTime), durationS: num(w.duration) ?? num(w.endTime)! - num(w.startTime)!, distanceM: num(w.distance), energyKcal: null, avgHr: null },
      ]),
    ),
    daily: new Map(),
  }),

  // Withings: epoch SECONDS everywhere; workout duration = enddate − startdate, data.distance m,
  // data.calories kcal, data.hr_average bpm. Sleep summary total_sleep_time SECONDS, `date` = wake day.
  // getactivity steps per `date`. getmeas value = value × 10^unit, meastype 1 = weight kg, at the
  // group's `date`; groups with `attrib` 1 (a device reading that may be another user's) or 4 (typed in
  // at account creation, "may not be accurate") are not the user's. Withings gives no resting heart rate (sleep hr_average is the night's average,
  // hr_min its lowest); the app's choice for that column is not checked.
  withings: ({ records, tz }) => {
    const daily = new Map<string, DailyFacts>();
    const sleep = new Map<string, SleepFacts>();
    for (const s of records("sleep_summary")) {
      const asleepS = num(obj(s.data).total_sleep_time);
      sleep.set(String(s.id), { startMs: epochS(s.startdate), endMs: epochS(s.enddate), asleepS });
      if (asleepS !== null) setDaily(daily, String(s.date), { sleepS: asleepS });
    }
    for (const a of records("activity")) setDaily(daily, String(a.date), { steps: num(a.steps)! });
    const activities = new Map(
      records("workouts").map((w) => {
        const d = obj(w.data);
        return [String(w.id), { startMs: epochS(w.startdate), durationS: num(w.enddate)! - num(w.startdate)!, distanceM: num(d.distance), energyKcal: num(d.calories), avgHr: num(d.hr_average) }];
      }),
    );
    const byInstant = new Map<number, number>();
    const groups = [...records("measures")].sort((a, b) => num(a.date)! - num(b.date)!);
    for (const g of groups) {
      if (g.category === 2 || g.attrib === 1 || g.attrib === 4) continue; // objectives; not this user's
      for (const m of (g.measures as J[] | undefined) ?? [])
        if (m.type === 1) {
          const kg = num(m.value)! * 10 ** num(m.unit)!;
          byInstant.set(epochS(g.date), kg);
          // The day's weight is on the day of the zone the group was measured in (else the answer's).
          setDaily(daily, dayIn(epochS(g.date), typeof g.timezone === "string" ? g.timezone : tz), { weightKg: kg });
        }
    }
    return { activities, sleep, daily, dailyKeys: ["steps", "sleepS", "weightKg"], weights: { byInstant } };
  },

  // Hevy: start_time/end_time UTC; no distance, energy or HR. Body measurements are per `date`
  // (no time), weight_kg.
  hevy: ({ records }) => {
    const activities = new Map(
      records("workouts").map((w) => {
        const start = instant(w.start_time);
        return [String(w.id), { startMs: start, durationS: (instant(w.end_time) - start) / 1000, distanceM: null, energyKcal: null, avgHr: null }];
      }),
    );
    const byLocalDay = new Map(records("body_measurements").filter((b) => num(b.weight_kg) !== null).map((b) => [String(b.date), num(b.weight_kg)!]));
    return { activities, daily: new Map(), weights: { byLocalDay } };
  },

  // Eight Sleep trends: a day is the night that ended on it; presenceStart/End (UTC) bound the time
  // in bed; sleepDuration in SECONDS; keyed by mainSessionId.
  eightsleep: ({ records }) => {
    const daily = new Map<string, DailyFacts>();
    const sleep = new Map<string, SleepFacts>();
    for (const d of records("trends")) {
      const asleepS = num(d.sleepDuration);
      if (d.presenceStart && d.presenceEnd) sleep.set(String(d.mainSessionId ?? d.day), { startMs: instant(d.presenceStart), endMs: instant(d.presenceEnd), asleepS });
      if (asleepS !== null) setDaily(daily, String(d.day), { sleepS: asleepS });
    }
    return { sleep, daily };
  },
};

// ───────────────────────── comparison ─────────────────────────

const REL = 1e-6;

/** Integers and instants exactly; other numbers within a relative 1e-6; null only matches null. */
function same(got: unknown, want: Num, rel = REL): boolean {
  if (want === undefined) return true;
  if (want === null || got === null || got === undefined) return want === null && (got === null || got === undefined);
  const g = Number(got);
  if (Number.isInteger(want) && Number.isInteger(g)) return g === want;
  return Math.abs(g - want) <= rel * Math.max(Math.abs(want), 1e-9);
}

const LIMIT = 12;

function check(out: string[], label: string, fields: Array<[string, unknown, Num]>): void {
  for (const [name, got, want] of fields) if (out.length < LIMIT && !same(got, want)) out.push(`${label}.${name}: stored ${String(got)}, vendor says ${String(want)}`);
}

function sameKeys(out: string[], what: string, stored: Iterable<string>, want: Iterable<string>): void {
  const s = new Set(stored);
  const w = new Set(want);
  for (const k of w) if (!s.has(k) && out.length < LIMIT) out.push(`${what} ${k}: missing`);
  for (const k of s) if (!w.has(k) && out.length < LIMIT) out.push(`${what} ${k}: not in the vendor data`);
  if (s.size !== w.size && out.length < LIMIT) out.push(`${what}: ${s.size} stored, vendor has ${w.size}`);
}

/** The vendor's facts for (provider, account), from the simulator's JSON as it crosses the wire. */
export function oracleFacts(sim: RunningSimulator, provider: string, account: string): Facts {
  const vendor = VENDORS[provider];
  if (!vendor) throw new Error(`oracle: no vendor semantics for ${provider}`);
  const data = simData(sim.state);
  const records = (resource: string) => JSON.parse(JSON.stringify(data.expectedRecords(provider, account, resource))) as J[];
  return vendor({ records, tz: data.timezone(provider, account) });
}

/**
 * Differences between the stored rows of (userId, provider) and the vendor's facts, as readable
 * lines (at most a dozen); empty when the sync stored what the vendor meant.
 */
export async function oracleDifferences(db: Db, sim: RunningSimulator, args: { userId: string; provider: string; account: string }): Promise<string[]> {
  const { userId, provider, account } = args;
  const facts = oracleFacts(sim, provider, account);
  const tz = simData(sim.state).timezone(provider, account);
  const mine = <T extends { userId: unknown; provider: unknown }>(t: T) => and(eq(t.userId as never, userId), eq(t.provider as never, provider));
  const out: string[] = [];

  const acts = await db.select().from(activities).where(mine(activities));
  const wantActs = facts.activities ?? new Map<string, ActivityFacts>();
  sameKeys(out, "activity", acts.map((a) => a.externalId), wantActs.keys());
  for (const a of acts) {
    const w = wantActs.get(a.externalId);
    if (!w) continue;
    if (a.deletedAt && out.length < LIMIT) out.push(`activity ${a.externalId}: marked deleted`);
    check(out, `activity ${a.externalId}`, [
      ["startAt", a.startAt.getTime(), w.startMs],
      ["durationS", a.durationS, w.durationS],
      ["distanceM", a.distanceM, w.distanceM],
      ["energyKcal", a.energyKcal, w.energyKcal],
      ["avgHr", a.avgHr, w.avgHr],
    ]);
  }

  const nights = await db.select().from(sleepSessions).where(mine(sleepSessions));
  const wantSleep = facts.sleep ?? new Map<string, SleepFacts>();
  sameKeys(out, "sleep", nights.map((s) => s.externalId), wantSleep.keys());
  for (const s of nights) {
    const w = wantSleep.get(s.externalId);
    if (!w) continue;
    check(out, `sleep ${s.externalId}`, [
      ["startAt", s.startAt.getTime(), w.startMs],
      ["endAt", s.endAt.getTime(), w.endMs],
      ["asleepS", s.asleepS, w.asleepS],
    ]);
    if (w.isNap !== undefined && s.isNap !== w.isNap && out.length < LIMIT) out.push(`sleep ${s.externalId}.isNap: stored ${s.isNap}, vendor says ${w.isNap}`);
  }

  // Each daily fact the vendor gives must be on its day, and no other day may carry one.
  const days = new Map((await db.select().from(dailySummaries).where(mine(dailySummaries))).map((d) => [d.date, d]));
  for (const key of facts.dailyKeys ?? DAILY_KEYS) {
    const want = [...facts.daily].filter(([, f]) => f[key] !== undefined);
    sameKeys(out, `daily ${key} on`, [...days.values()].filter((d) => d[key] !== null).map((d) => d.date), want.map(([date]) => date));
    for (const [date, f] of want) {
      const got = days.get(date);
      if (got) check(out, `daily ${date}`, [[key, got[key], f[key]]]);
    }
  }

  // Weights (kg).
  const weights = (await db.select().from(measurements).where(and(mine(measurements), eq(measurements.type, "weight")))).map((m) => ({ ...m, at: m.measuredAt.getTime() }));
  for (const m of weights) if (m.unit !== "kg" && out.length < LIMIT) out.push(`weight at ${m.measuredAt.toISOString()}: unit ${m.unit}`);
  const w = facts.weights;
  if (!w) {
    if (weights.length && out.length < LIMIT) out.push(`weight: ${weights.length} stored, vendor has none`);
  } else if (w.byInstant) {
    const iso = (ms: number) => new Date(ms).toISOString();
    sameKeys(out, "weight at", weights.map((m) => iso(m.at)), [...w.byInstant.keys()].map(iso));
    for (const m of weights) if (w.byInstant.has(m.at)) check(out, `weight at ${iso(m.at)}`, [["kg", m.value, w.byInstant.get(m.at)]]);
  } else if (w.byLocalDay) {
    sameKeys(out, "weight on", weights.map((m) => dayIn(m.at, tz)), w.byLocalDay.keys());
    for (const m of weights) {
      const day = dayIn(m.at, tz);
      if (w.byLocalDay.has(day)) check(out, `weight on ${day}`, [["kg", m.value, w.byLocalDay.get(day)]]);
    }
  } else if (w.values) {
    // A profile value without a time: every stored weight is one the vendor served, and one is stored.
    if (w.values.length && !weights.length && out.length < LIMIT) out.push("weight: none stored, vendor has a profile weight");
    for (const m of weights) if (!w.values.some((v) => same(m.value, v)) && out.length < LIMIT) out.push(`weight at ${m.measuredAt.toISOString()}: stored ${m.value}, vendor says ${w.values.join("/")}`);
  }
  return out;
}
