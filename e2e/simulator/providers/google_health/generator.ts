import { Rng, dayNumber, isoZ, localInstant, round, tzOffset, type DayContext, type GenRecord, type ProviderSpec } from "../../data/core";
import { dayActivity, hrSamples, night, session, sessions, weightOn, type Session, type SportKey } from "../../data/generators/shared";
import { googleHealthUserId } from "./oauth";

/**
 * Google Health API v4 DataPoints (google-health.md A.6–A.8): physical instants (RFC 3339 UTC),
 * offsets as `"<seconds>s"`, server-computed civil times, int64 values as strings, grams and
 * millimetres. Daily totals are the roll-up points dailyRollUp serves (one per local day).
 */

const EXERCISE_TYPES: Record<SportKey, [string, string]> = {
  run: ["RUNNING", "Run"],
  ride: ["BIKING", "Bike"],
  walk: ["WALKING", "Walk"],
  swim: ["SWIMMING", "Swim"],
  strength: ["STRENGTH_TRAINING", "Weights"],
  hike: ["HIKING", "Hike"],
  yoga: ["YOGA", "Yoga"],
};

const SOURCE = { recordingMethod: "PASSIVELY_MEASURED", platform: "FITBIT", device: { displayName: "Pixel Watch 3", formFactor: "WATCH", manufacturer: "Google" } };

const offsetOf = (tz: string, ms: number) => tzOffset(tz, ms);
const duration = (s: number) => `${s}s`;
function civil(ms: number, offsetMin: number) {
  const d = new Date(ms + offsetMin * 60_000);
  return {
    date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    time: { hours: d.getUTCHours(), minutes: d.getUTCMinutes(), seconds: d.getUTCSeconds() },
  };
}
const civilDay = (day: string) => {
  const [year, month, d] = day.split("-").map(Number);
  return { year, month, day: d };
};
function interval(startMs: number, endMs: number, tz: string) {
  const so = offsetOf(tz, startMs);
  const eo = offsetOf(tz, endMs);
  return {
    startTime: isoZ(startMs),
    startUtcOffset: duration(so * 60),
    endTime: isoZ(endMs),
    endUtcOffset: duration(eo * 60),
    civilStartTime: civil(startMs, so),
    civilEndTime: civil(endMs, eo),
  };
}
function sampleTime(ms: number, tz: string) {
  const o = offsetOf(tz, ms);
  return { physicalTime: isoZ(ms), utcOffset: duration(o * 60), civilTime: civil(ms, o) };
}
const nameOf = (ctx: DayContext, type: string, id: string) => `users/${googleHealthUserId(ctx.account)}/dataTypes/${type}/dataPoints/${id}`;

function exercisePoint(ctx: DayContext, s: Session, id: string): GenRecord {
  const end = s.startMs + s.durationS * 1000;
  const [type, display] = EXERCISE_TYPES[s.sport];
  return {
    id,
    day: ctx.day,
    at: s.startMs,
    updatedAt: end + 10 * 60_000,
    body: {
      name: nameOf(ctx, "exercise", id),
      dataSource: SOURCE,
      exercise: {
        displayName: display,
        exerciseType: type,
        interval: interval(s.startMs, end, ctx.profile.timezone),
        activeDuration: duration(s.movingS),
        metricsSummary: {
          caloriesKcal: round(s.kcal, 1),
          ...(s.distanceM !== null ? { distanceMillimeters: Math.round(s.distanceM * 1000) } : {}),
          ...(s.steps !== null ? { steps: String(s.steps) } : {}),
          averageHeartRateBeatsPerMinute: String(s.avgHr),
          ...(s.elevationM !== null ? { elevationGainMillimeters: Math.round(s.elevationM * 1000) } : {}),
        },
        exerciseMetadata: { hasGps: s.distanceM !== null },
        createTime: isoZ(end + 5 * 60_000),
        updateTime: isoZ(end + 10 * 60_000),
      },
    },
  };
}

/** A roll-up point of the local day (what dailyRollUp answers for one window of one day). */
function rollupPoint(ctx: DayContext, key: string, value: Record<string, unknown>): GenRecord {
  const midnight = localInstant(ctx.day, 0, ctx.profile.timezone);
  const next = new Date(Date.parse(`${ctx.day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return {
    id: ctx.day,
    day: ctx.day,
    at: midnight,
    updatedAt: midnight + 86_400_000,
    body: { civilStartTime: { date: civilDay(ctx.day) }, civilEndTime: { date: civilDay(next) }, [key]: value },
  };
}

function dailyPoint(ctx: DayContext, key: string, value: Record<string, unknown>): GenRecord {
  const midnight = localInstant(ctx.day, 0, ctx.profile.timezone);
  return { id: ctx.day, day: ctx.day, at: midnight, updatedAt: midnight + 86_400_000, body: { dataSource: SOURCE, [key]: { date: civilDay(ctx.day), ...value } } };
}

function samplePoint(ctx: DayContext, ms: number, key: string, value: Record<string, unknown>, source: unknown = SOURCE): GenRecord {
  return { id: isoZ(ms), day: ctx.day, at: ms, updatedAt: ms, body: { dataSource: source, [key]: { ...value, sampleTime: sampleTime(ms, ctx.profile.timezone) } } };
}

/** Weigh-ins on ~40% of mornings, on a scale (manual-ish source). */
function weighIn(ctx: DayContext): { ms: number; kg: number; fat: number } | null {
  const r = ctx.rng("gh-weigh");
  if (!r.chance(0.4)) return null;
  const ms = localInstant(ctx.day, r.int(6 * 60, 9 * 60), ctx.profile.timezone) + r.int(0, 59) * 1000;
  return { ms, kg: weightOn(ctx, dayNumber(ctx.day)), fat: r.float(14, 28, 1) };
}
const SCALE = { recordingMethod: "ACTIVELY_MEASURED", platform: "FITBIT", device: { displayName: "Aria Air", formFactor: "SCALE", manufacturer: "Fitbit" } };

export const googleHealthGenerator: ProviderSpec = {
  exercise: {
    day: (ctx) => sessions(ctx).map((s) => exercisePoint(ctx, s, `ex-${ctx.day.replaceAll("-", "")}-${s.seq}`)),
    make: (ctx, ms, salt) => exercisePoint(ctx, session(ctx, `admin:${salt}`, 0, Math.floor(ms / 1000) * 1000), `ex-admin-${new Rng(salt).hex(12)}`),
  },
  sleep: {
    day: (ctx) => {
      const n = night(ctx);
      const r = ctx.rng("gh-sleep");
      const id = `sl-${ctx.day.replaceAll("-", "")}`;
      const min = (s: number) => String(Math.round(s / 60));
      return [
        {
          id,
          day: ctx.day,
          at: n.startMs,
          updatedAt: n.endMs + 20 * 60_000,
          body: {
            name: nameOf(ctx, "sleep", id),
            dataSource: SOURCE,
            sleep: {
              interval: interval(n.startMs, n.endMs, ctx.profile.timezone),
              type: "STAGES",
              metadata: { nap: false, processed: true, manuallyEdited: false, stagesStatus: "SUCCEEDED" },
              summary: {
                minutesAsleep: min(n.asleepS),
                minutesAwake: min(n.awakeS),
                minutesInSleepPeriod: min(n.inBedS),
                minutesToFallAsleep: min(n.latencyS),
                minutesAfterWakeUp: "0",
                stagesSummary: [
                  { type: "AWAKE", minutes: min(n.awakeS), count: String(r.int(10, 30)) },
                  { type: "LIGHT", minutes: min(n.lightS), count: String(r.int(20, 35)) },
                  { type: "DEEP", minutes: min(n.deepS), count: String(r.int(2, 6)) },
                  { type: "REM", minutes: min(n.remS), count: String(r.int(4, 10)) },
                ],
              },
              createTime: isoZ(n.endMs + 10 * 60_000),
              updateTime: isoZ(n.endMs + 20 * 60_000),
            },
          },
        },
      ];
    },
  },
  steps: { day: (ctx) => [rollupPoint(ctx, "steps", { countSum: String(dayActivity(ctx).steps) })] },
  distance: { day: (ctx) => [rollupPoint(ctx, "distance", { millimetersSum: String(dayActivity(ctx).distanceM * 1000) })] },
  active_energy_burned: { day: (ctx) => [rollupPoint(ctx, "activeEnergyBurned", { kcalSum: dayActivity(ctx).activeKcal })] },
  floors: { day: (ctx) => [rollupPoint(ctx, "floors", { countSum: String(ctx.rng("gh-floors").int(0, 30)) })] },
  heart_rate: {
    day: (ctx) => hrSamples(ctx).map((s) => samplePoint(ctx, s.ms, "heartRate", { beatsPerMinute: String(s.bpm), metadata: { motionContext: "SEDENTARY", sensorLocation: "WRIST" } })),
  },
  daily_resting_heart_rate: {
    day: (ctx) => [dailyPoint(ctx, "dailyRestingHeartRate", { beatsPerMinute: String(ctx.profile.restingHr + ctx.rng("gh-rhr").int(-3, 4)), dailyRestingHeartRateMetadata: { calculationMethod: "WITH_SLEEP" } })],
  },
  heart_rate_variability: {
    day: (ctx) => {
      const n = night(ctx);
      const r = ctx.rng("gh-hrv");
      return [samplePoint(ctx, n.endMs - 30 * 60_000, "heartRateVariability", { rootMeanSquareOfSuccessiveDifferencesMilliseconds: round(n.hrvRmssd + r.next(), 1), standardDeviationMilliseconds: round(n.hrvRmssd * 1.3 + r.next(), 1) })];
    },
  },
  daily_heart_rate_variability: {
    day: (ctx) => {
      const n = night(ctx);
      return [dailyPoint(ctx, "dailyHeartRateVariability", { averageHeartRateVariabilityMilliseconds: round(n.hrvRmssd, 1), deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds: round(n.hrvRmssd * 1.1, 1) })];
    },
  },
  daily_oxygen_saturation: {
    day: (ctx) => {
      const r = ctx.rng("gh-spo2");
      const avg = r.float(94, 98.5, 1);
      return [dailyPoint(ctx, "dailyOxygenSaturation", { averagePercentage: avg, lowerBoundPercentage: round(avg - 2, 1), upperBoundPercentage: round(Math.min(100, avg + 1.5), 1) })];
    },
  },
  respiratory_rate_sleep_summary: {
    day: (ctx) => {
      const n = night(ctx);
      return [samplePoint(ctx, n.endMs, "respiratoryRateSleepSummary", { fullSleepStats: { breathsPerMinute: round(n.respiratoryRate, 1) } })];
    },
  },
  vo2_max: {
    day: (ctx) => {
      const r = ctx.rng("gh-vo2");
      if (!r.chance(0.1)) return []; // "where present": only some days have an estimate
      return [samplePoint(ctx, localInstant(ctx.day, r.int(8 * 60, 20 * 60), ctx.profile.timezone), "vo2Max", { vo2Max: r.float(38, 52, 1), measurementMethod: "FITBIT_RUN" })];
    },
  },
  weight: {
    day: (ctx) => {
      const w = weighIn(ctx);
      return w ? [samplePoint(ctx, w.ms, "weight", { weightGrams: Math.round(w.kg * 1000) }, SCALE)] : [];
    },
  },
  body_fat: {
    day: (ctx) => {
      const w = weighIn(ctx);
      return w ? [samplePoint(ctx, w.ms, "bodyFat", { percentage: w.fat }, SCALE)] : [];
    },
  },
};
