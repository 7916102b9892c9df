import { z } from "zod";
import { activityType, BatchBuilder, localDate, n, optNum, optStr, SkipRecord, type MeasurementType } from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * Google Health API v4 DataPoints (google-health.md A.6–A.8) → our rows. Units as the API gives
 * them: grams (weight), millimetres (distance, elevation), kcal, bpm, ms, percent; int64 fields
 * (step counts, bpm, millimetres) arrive as JSON strings. Times: a physical RFC 3339 instant plus
 * its own UTC offset (`"3600s"`), so each record's local day comes from its own offset, never from
 * the user's current zone; daily types carry a civil `date` already in the user's zone.
 * Records are the items of `dataPoints[]` (lists) or `rollupDataPoints[]` (dailyRollUp).
 */

const int64 = z.union([z.string().regex(/^-?\d+$/).transform(Number), z.number()]);
const optInt64 = int64.nullish();
/** `google-duration` in seconds, e.g. "-14400s" or "1800.5s". */
const duration = z.string().regex(/^-?\d+(\.\d+)?s$/);
const civilDate = z.looseObject({ year: z.number().int(), month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(31) });

const sampleTime = z.looseObject({ physicalTime: z.string(), utcOffset: duration });
const interval = z.looseObject({ startTime: z.string(), startUtcOffset: duration, endTime: z.string(), endUtcOffset: duration });
const dataSource = z.looseObject({ platform: optStr, device: z.looseObject({ displayName: optStr }).nullish() }).nullish();

const seconds = (d: string) => Number(d.slice(0, -1));
const offsetMinutes = (d: string) => Math.round(seconds(d) / 60);
const ymdOf = (d: z.infer<typeof civilDate>) => `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;

function instant(value: string, what: string): Date {
  const at = new Date(value);
  if (!/[zZ]|[+-]\d{2}:\d{2}$/.test(value) || Number.isNaN(at.getTime())) throw new SkipRecord(`${what} is not an RFC 3339 instant: ${JSON.stringify(value)}`);
  return at;
}

function placed(t: z.infer<typeof sampleTime>) {
  const at = instant(t.physicalTime, "sampleTime.physicalTime");
  const offset = offsetMinutes(t.utcOffset);
  return { at, offset, day: localDate(at, offset) };
}

/** The data point id: the last segment of `name` (`users/…/dataTypes/sleep/dataPoints/<id>`). */
function pointId(name: string | null | undefined): string {
  const id = name?.split("/").pop();
  if (!id) throw new SkipRecord("the data point has no name");
  return id;
}

const sourceOf = (s: z.infer<typeof dataSource>) => s?.device?.displayName ?? s?.platform ?? null;

// ───────────────────────── record schemas ─────────────────────────

const exercise = z.looseObject({
  name: optStr,
  dataSource,
  exercise: z.looseObject({
    displayName: optStr,
    exerciseType: optStr,
    interval,
    activeDuration: duration.nullish(),
    metricsSummary: z
      .looseObject({
        caloriesKcal: optNum,
        distanceMillimeters: optNum,
        steps: optInt64,
        averageHeartRateBeatsPerMinute: optInt64,
        elevationGainMillimeters: optNum,
      })
      .nullish(),
  }),
});

const stage = z.looseObject({ type: z.string(), minutes: optInt64 });
const sleep = z.looseObject({
  name: optStr,
  dataSource,
  sleep: z.looseObject({
    interval,
    type: optStr,
    metadata: z.looseObject({ nap: z.boolean().nullish() }).nullish(),
    summary: z
      .looseObject({
        minutesAsleep: optInt64,
        minutesAwake: optInt64,
        minutesInSleepPeriod: optInt64,
        stagesSummary: z.array(stage).nullish(),
      })
      .nullish(),
  }),
});

const rollup = <K extends string>(key: K, value: string) =>
  z.looseObject({ civilStartTime: z.looseObject({ date: civilDate }), [key]: z.looseObject({ [value]: optInt64.or(optNum) }) });

const sample = <K extends string>(key: K, fields: z.ZodRawShape) =>
  z.looseObject({ dataSource, [key]: z.looseObject({ sampleTime, ...fields }) });

const daily = <K extends string>(key: K, fields: z.ZodRawShape) => z.looseObject({ [key]: z.looseObject({ date: civilDate, ...fields }) });

// ───────────────────────── transforms ─────────────────────────

const min = (v: number | null | undefined) => (v == null ? null : v * 60);

function rollupTransform(resource: string, key: string, value: string, column: "steps" | "distanceM" | "activeEnergyKcal" | null, scale = 1): Transform {
  return (records) => {
    const b = new BatchBuilder("google_health", resource);
    return b
      .each(records, rollup(key, value), (r, original) => {
        const point = r as unknown as { civilStartTime: { date: z.infer<typeof civilDate> } } & Record<string, Record<string, number | null | undefined>>;
        const day = ymdOf(point.civilStartTime.date);
        const v = point[key][value];
        const cols = column && v != null ? { [column]: column === "steps" ? Math.round(v) : v * scale } : {};
        b.dailyPart(day, cols, original);
        b.raw(day, original);
      })
      .result();
  };
}

function sampleTransform(resource: string, key: string, fields: z.ZodRawShape, values: (v: Record<string, unknown>) => Array<[MeasurementType, number | null | undefined]>): Transform {
  return (records) => {
    const b = new BatchBuilder("google_health", resource);
    return b
      .each(records, sample(key, fields), (r, original) => {
        const v = (r as Record<string, Record<string, unknown>>)[key];
        const { at, offset } = placed(v.sampleTime as z.infer<typeof sampleTime>);
        for (const [type, value] of values(v)) b.measurement(type, at, value, sourceOf(r.dataSource as z.infer<typeof dataSource>), offset);
        b.raw(at.toISOString(), original);
      })
      .result();
  };
}

function dailyTransform(resource: string, key: string, fields: z.ZodRawShape, cols: (v: Record<string, unknown>) => Record<string, number | null>): Transform {
  return (records) => {
    const b = new BatchBuilder("google_health", resource);
    return b
      .each(records, daily(key, fields), (r, original) => {
        const v = (r as Record<string, Record<string, unknown>>)[key];
        const day = ymdOf(v.date as z.infer<typeof civilDate>);
        b.dailyPart(day, cols(v), original);
        b.raw(day, original);
      })
      .result();
  };
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

export const googleHealthTransforms = {
  exercise: (records) => {
    const b = new BatchBuilder("google_health", "exercise");
    return b
      .each(records, exercise, (r, original) => {
        const e = r.exercise;
        const id = pointId(r.name);
        const start = instant(e.interval.startTime, "interval.startTime");
        const end = instant(e.interval.endTime, "interval.endTime");
        const offset = offsetMinutes(e.interval.startUtcOffset);
        const m = e.metricsSummary;
        b.activity({
          externalId: id,
          type: activityType(e.exerciseType, e.displayName),
          name: e.displayName ?? null,
          startAt: start,
          endAt: end,
          localDate: localDate(start, offset),
          utcOffsetMinutes: offset,
          durationS: (end.getTime() - start.getTime()) / 1000,
          movingS: e.activeDuration ? seconds(e.activeDuration) : null,
          distanceM: m?.distanceMillimeters != null ? m.distanceMillimeters / 1000 : null,
          energyKcal: n(m?.caloriesKcal),
          avgHr: n(m?.averageHeartRateBeatsPerMinute),
          elevationGainM: m?.elevationGainMillimeters != null ? m.elevationGainMillimeters / 1000 : null,
          steps: m?.steps != null ? Math.round(m.steps) : null,
          source: sourceOf(r.dataSource),
          raw: original,
        });
        b.raw(id, original);
      })
      .result();
  },

  sleep: (records) => {
    const b = new BatchBuilder("google_health", "sleep");
    return b
      .each(records, sleep, (r, original) => {
        const s = r.sleep;
        const id = pointId(r.name);
        const start = instant(s.interval.startTime, "interval.startTime");
        const end = instant(s.interval.endTime, "interval.endTime");
        const offset = offsetMinutes(s.interval.endUtcOffset);
        // A night belongs to the local day one wakes up on.
        const day = localDate(end, offset);
        const stages = new Map((s.summary?.stagesSummary ?? []).map((x) => [x.type, x.minutes ?? null]));
        const asleep = min(s.summary?.minutesAsleep);
        const nap = s.metadata?.nap === true;
        b.sleep({
          externalId: id,
          startAt: start,
          endAt: end,
          localDate: day,
          utcOffsetMinutes: offset,
          inBedS: min(s.summary?.minutesInSleepPeriod) ?? (end.getTime() - start.getTime()) / 1000,
          asleepS: asleep,
          // STAGES sleep: DEEP/LIGHT/REM/AWAKE; CLASSIC sleep only ASLEEP/RESTLESS/AWAKE.
          deepS: min(stages.get("DEEP")),
          lightS: min(stages.get("LIGHT")),
          remS: min(stages.get("REM")),
          awakeS: min(stages.get("AWAKE") ?? s.summary?.minutesAwake),
          isNap: nap,
          source: sourceOf(r.dataSource),
          raw: original,
        });
        if (!nap) b.dailyPart(day, { sleepS: asleep }, original);
        b.raw(id, original);
      })
      .result();
  },

  steps: rollupTransform("steps", "steps", "countSum", "steps"),
  distance: rollupTransform("distance", "distance", "millimetersSum", "distanceM", 1 / 1000),
  active_energy_burned: rollupTransform("active_energy_burned", "activeEnergyBurned", "kcalSum", "activeEnergyKcal"),
  /** No floors column yet: the day's roll-up is kept in `daily_summary.raw`. */
  floors: rollupTransform("floors", "floors", "countSum", null),

  heart_rate: sampleTransform("heart_rate", "heartRate", { beatsPerMinute: int64 }, (v) => [["heart_rate", num(v.beatsPerMinute)]]),
  /** RMSSD and SDNN are different measures: two series, never one. */
  heart_rate_variability: sampleTransform(
    "heart_rate_variability",
    "heartRateVariability",
    { rootMeanSquareOfSuccessiveDifferencesMilliseconds: optNum, standardDeviationMilliseconds: optNum },
    (v) => [
      ["hrv_rmssd", num(v.rootMeanSquareOfSuccessiveDifferencesMilliseconds)],
      ["hrv_sdnn", num(v.standardDeviationMilliseconds)],
    ],
  ),
  respiratory_rate_sleep_summary: sampleTransform(
    "respiratory_rate_sleep_summary",
    "respiratoryRateSleepSummary",
    { fullSleepStats: z.looseObject({ breathsPerMinute: optNum }).nullish() },
    (v) => [["respiratory_rate", num((v.fullSleepStats as { breathsPerMinute?: number } | null)?.breathsPerMinute)]],
  ),
  vo2_max: sampleTransform("vo2_max", "vo2Max", { vo2Max: z.number() }, (v) => [["vo2max", num(v.vo2Max)]]),
  body_fat: sampleTransform("body_fat", "bodyFat", { percentage: z.number().min(0).max(100) }, (v) => [["fat_ratio", num(v.percentage)]]),

  weight: (records) => {
    const b = new BatchBuilder("google_health", "weight");
    return b
      .each(records, sample("weight", { weightGrams: z.number().positive() }), (r, original) => {
        const w = r.weight as { weightGrams: number; sampleTime: z.infer<typeof sampleTime> };
        const { at, day, offset } = placed(w.sampleTime);
        const kg = w.weightGrams / 1000;
        b.measurement("weight", at, kg, sourceOf(r.dataSource as z.infer<typeof dataSource>), offset);
        b.dailyPart(day, { weightKg: kg }, original);
        b.raw(at.toISOString(), original);
      })
      .result();
  },

  daily_resting_heart_rate: dailyTransform("daily_resting_heart_rate", "dailyRestingHeartRate", { beatsPerMinute: int64 }, (v) => ({ restingHr: num(v.beatsPerMinute) })),
  /** `averageHeartRateVariabilityMilliseconds` is the day's RMSSD. */
  daily_heart_rate_variability: dailyTransform("daily_heart_rate_variability", "dailyHeartRateVariability", { averageHeartRateVariabilityMilliseconds: optNum }, (v) => ({
    hrvRmssdMs: num(v.averageHeartRateVariabilityMilliseconds),
  })),
  daily_oxygen_saturation: dailyTransform("daily_oxygen_saturation", "dailyOxygenSaturation", { averagePercentage: optNum }, (v) => ({ spo2Pct: num(v.averagePercentage) })),
} satisfies Record<string, Transform>;
