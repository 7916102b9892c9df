import { Rng, dayNumber, isoOffset, localInstant, round, tzOffset, wall, type DayContext, type GenRecord, type ProviderSpec } from "../../data/core";
import { dayActivity, night, session, sessions, weightOn, type Session, type SportKey } from "../../data/generators/shared";

/** Fitbit Web API records (metric units: km, kg). Sleep and body-log times are local without offset. */

const ACTIVITIES: Record<SportKey, [string, number]> = {
  run: ["Run", 90009],
  ride: ["Bike", 90001],
  walk: ["Walk", 90013],
  swim: ["Swim", 90024],
  strength: ["Weights", 2131],
  hike: ["Hike", 90012],
  yoga: ["Yoga", 52001],
};

const logBase = (account: string) => new Rng(`fitbit-ids:${account}`).int(10_000, 99_999) * 1_000_000_000;

function activityRecord(ctx: DayContext, s: Session, logId: number): GenRecord {
  const tz = ctx.profile.timezone;
  const offset = tzOffset(tz, s.startMs);
  const [name, typeId] = ACTIVITIES[s.sport];
  const end = s.startMs + s.durationS * 1000;
  const km = s.distanceM === null ? undefined : round(s.distanceM / 1000, 5);
  return {
    id: String(logId),
    day: ctx.day,
    at: s.startMs,
    updatedAt: end + 10 * 60_000,
    body: {
      activeDuration: s.movingS * 1000,
      activityLevel: [
        { minutes: 0, name: "sedentary" },
        { minutes: Math.round(s.durationS / 240), name: "lightly" },
        { minutes: Math.round(s.durationS / 240), name: "fairly" },
        { minutes: Math.round(s.durationS / 120), name: "very" },
      ],
      activityName: name,
      activityTypeId: typeId,
      averageHeartRate: s.avgHr,
      calories: Math.round(s.kcal),
      duration: s.durationS * 1000,
      ...(km !== undefined ? { distance: km, distanceUnit: "Kilometer", pace: round(s.movingS / km, 3), speed: round(km / (s.movingS / 3600), 3) } : {}),
      ...(s.elevationM !== null ? { elevationGain: s.elevationM } : {}),
      hasActiveZoneMinutes: true,
      lastModified: isoOffset(end + 10 * 60_000, 0, true).replace("+00:00", "Z"),
      logId,
      logType: "auto_detected",
      manualValuesSpecified: { calories: false, distance: false, steps: false },
      originalDuration: s.durationS * 1000,
      originalStartTime: isoOffset(s.startMs, offset, true),
      source: { id: "228541811", name: "Charge 6", type: "tracker", url: "https://www.fitbit.com/" },
      startTime: isoOffset(s.startMs, offset, true),
      ...(s.steps !== null ? { steps: s.steps } : {}),
    },
  };
}

function sleepRecord(ctx: DayContext): GenRecord {
  const n = night(ctx);
  const tz = ctx.profile.timezone;
  const logId = logBase(ctx.account) + 500_000_000 + dayNumber(ctx.day);
  const r = ctx.rng("fitbit-sleep");
  const min = (s: number) => Math.round(s / 60);
  return {
    id: String(logId),
    day: ctx.day,
    at: n.startMs,
    updatedAt: n.endMs + 20 * 60_000,
    body: {
      dateOfSleep: ctx.day,
      duration: n.inBedS * 1000,
      efficiency: n.efficiency,
      endTime: wall(n.endMs, tzOffset(tz, n.endMs), true),
      infoCode: 0,
      isMainSleep: true,
      levels: {
        summary: {
          deep: { count: r.int(2, 6), minutes: min(n.deepS), thirtyDayAvgMinutes: 70 },
          light: { count: r.int(20, 35), minutes: min(n.lightS), thirtyDayAvgMinutes: 240 },
          rem: { count: r.int(4, 10), minutes: min(n.remS), thirtyDayAvgMinutes: 95 },
          wake: { count: r.int(10, 30), minutes: min(n.awakeS), thirtyDayAvgMinutes: 50 },
        },
        data: [],
        shortData: [],
      },
      logId,
      logType: "auto_detected",
      minutesAfterWakeup: 0,
      minutesAsleep: min(n.asleepS),
      minutesAwake: min(n.awakeS),
      minutesToFallAsleep: 0,
      startTime: wall(n.startMs, tzOffset(tz, n.startMs), true),
      timeInBed: min(n.inBedS),
      type: "stages",
    },
  };
}

const series = (ctx: DayContext, value: unknown): GenRecord => {
  const midnight = localInstant(ctx.day, 0, ctx.profile.timezone);
  return { id: ctx.day, day: ctx.day, at: midnight, updatedAt: midnight + 86_400_000, body: { dateTime: ctx.day, value } };
};

/** Weigh-ins on ~40% of mornings. */
function weighIn(ctx: DayContext): { ms: number; time: string; weight: number; fat: number; logId: number } | null {
  const r = ctx.rng("fitbit-weigh");
  if (!r.chance(0.4)) return null;
  const minute = r.int(6 * 60, 9 * 60);
  const second = r.int(0, 59);
  const ms = localInstant(ctx.day, minute, ctx.profile.timezone) + second * 1000;
  const time = `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}:${String(second).padStart(2, "0")}`;
  return { ms, time, weight: weightOn(ctx, dayNumber(ctx.day)), fat: r.float(14, 28, 3), logId: Math.floor(ms / 1000) * 1000 };
}

export const fitbitGenerator: ProviderSpec = {
  activities: {
    day: (ctx) => sessions(ctx).map((s) => activityRecord(ctx, s, logBase(ctx.account) + dayNumber(ctx.day) * 10 + s.seq)),
    make: (ctx, ms, salt) => activityRecord(ctx, session(ctx, `admin:${salt}`, 0, Math.floor(ms / 1000) * 1000), logBase(ctx.account) + 900_000_000 + new Rng(salt).int(0, 99_999_999)),
    touch: (body, ms) => void (body.lastModified = new Date(ms).toISOString()),
  },
  sleep: { day: (ctx) => [sleepRecord(ctx)] },
  steps: { day: (ctx) => [series(ctx, String(dayActivity(ctx).steps))] },
  heart: {
    day: (ctx) => {
      const r = ctx.rng("fitbit-heart");
      const resting = ctx.profile.restingHr + r.int(-3, 4);
      const max = ctx.profile.maxHr;
      return [
        series(ctx, {
          customHeartRateZones: [],
          heartRateZones: [
            { caloriesOut: r.float(1200, 1900, 4), max: Math.round(max * 0.5), min: 30, minutes: r.int(1000, 1300), name: "Out of Range" },
            { caloriesOut: r.float(200, 600, 4), max: Math.round(max * 0.7), min: Math.round(max * 0.5), minutes: r.int(60, 240), name: "Fat Burn" },
            { caloriesOut: r.float(0, 300, 4), max: Math.round(max * 0.85), min: Math.round(max * 0.7), minutes: r.int(0, 60), name: "Cardio" },
            { caloriesOut: r.float(0, 100, 4), max: 220, min: Math.round(max * 0.85), minutes: r.int(0, 15), name: "Peak" },
          ],
          restingHeartRate: resting,
        }),
      ];
    },
  },
  hrv: {
    day: (ctx) => {
      const n = night(ctx);
      const r = ctx.rng("fitbit-hrv");
      return [series(ctx, { dailyRmssd: round(n.hrvRmssd + r.next(), 3), deepRmssd: round(n.hrvRmssd * 0.9 + r.next(), 3) })];
    },
  },
  weight: {
    day: (ctx) => {
      const w = weighIn(ctx);
      if (!w) return [];
      const bmi = round(w.weight / ctx.profile.heightM ** 2, 2);
      return [{ id: String(w.logId), day: ctx.day, at: w.ms, updatedAt: w.ms, body: { bmi, date: ctx.day, fat: w.fat, logId: w.logId, source: "Aria", time: w.time, weight: w.weight } }];
    },
  },
  fat: {
    day: (ctx) => {
      const w = weighIn(ctx);
      if (!w) return [];
      return [{ id: String(w.logId), day: ctx.day, at: w.ms, updatedAt: w.ms, body: { date: ctx.day, fat: w.fat, logId: w.logId, source: "Aria", time: w.time } }];
    },
  },
};
