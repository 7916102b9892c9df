import { isoOffset, localInstant, tzOffset, type DayContext, type GenRecord, type ProviderSpec } from "../../data/core";
import { dayActivity, hrSamples, night, session, sessions, type Session, type SportKey } from "../../data/generators/shared";

/** Oura API v2 documents (`/v2/usercollection/*` → `data[]`). */

const ACTIVITY: Record<SportKey, string> = { run: "running", ride: "cycling", walk: "walking", swim: "swimming", strength: "strengthTraining", hike: "hiking", yoga: "yoga" };

const localMidnight = (ctx: DayContext) => {
  const ms = localInstant(ctx.day, 0, ctx.profile.timezone);
  return isoOffset(ms, tzOffset(ctx.profile.timezone, ms));
};
const at = (ctx: DayContext, ms: number) => isoOffset(ms, tzOffset(ctx.profile.timezone, ms));

function workoutRecord(ctx: DayContext, s: Session, id: string): GenRecord {
  const end = s.startMs + s.durationS * 1000;
  return {
    id,
    day: ctx.day,
    at: s.startMs,
    updatedAt: end,
    body: {
      id,
      activity: ACTIVITY[s.sport],
      calories: s.kcal,
      day: ctx.day,
      distance: s.distanceM,
      end_datetime: at(ctx, end),
      intensity: s.avgHr > 140 ? "hard" : s.avgHr > 115 ? "moderate" : "easy",
      label: null,
      source: ctx.rng(`src:${id}`).pick(["autodetected", "confirmed", "manual"]),
      start_datetime: at(ctx, s.startMs),
    },
  };
}

function sleepRecord(ctx: DayContext): GenRecord {
  const n = night(ctx);
  const id = ctx.rng("sleep-id").uuid();
  return {
    id,
    day: ctx.day,
    at: n.startMs,
    updatedAt: n.endMs + 30 * 60_000,
    body: {
      id,
      average_breath: n.respiratoryRate,
      average_heart_rate: n.avgHr + 0.25,
      average_hrv: n.hrvRmssd,
      awake_time: n.awakeS,
      bedtime_end: at(ctx, n.endMs),
      bedtime_start: at(ctx, n.startMs),
      day: ctx.day,
      deep_sleep_duration: n.deepS,
      efficiency: n.efficiency,
      heart_rate: null,
      hrv: null,
      latency: n.latencyS,
      light_sleep_duration: n.lightS,
      low_battery_alert: false,
      lowest_heart_rate: n.minHr,
      movement_30_sec: null,
      period: 0,
      readiness: null,
      readiness_score_delta: null,
      rem_sleep_duration: n.remS,
      restless_periods: n.wakeups * 20,
      sleep_phase_5_min: null,
      sleep_score_delta: null,
      sleep_algorithm_version: "v2",
      time_in_bed: n.inBedS,
      total_sleep_duration: n.asleepS,
      type: "long_sleep",
    },
  };
}

/** An afternoon nap on ~8% of days. */
function napRecord(ctx: DayContext): GenRecord | null {
  const r = ctx.rng("nap");
  if (!r.chance(0.08)) return null;
  const start = Math.floor(localInstant(ctx.day, r.int(13 * 60, 16 * 60), ctx.profile.timezone) / 1000) * 1000;
  const inBed = r.int(20, 60) * 60;
  const asleep = inBed - r.int(2, 8) * 60;
  const id = r.uuid();
  return {
    id,
    day: ctx.day,
    at: start,
    updatedAt: start + inBed * 1000,
    body: {
      id,
      average_heart_rate: ctx.profile.restingHr + 6,
      average_hrv: r.int(25, 70),
      awake_time: inBed - asleep,
      bedtime_end: at(ctx, start + inBed * 1000),
      bedtime_start: at(ctx, start),
      day: ctx.day,
      deep_sleep_duration: 0,
      efficiency: Math.round((asleep / inBed) * 100),
      latency: 120,
      light_sleep_duration: asleep,
      lowest_heart_rate: ctx.profile.restingHr + 2,
      period: 1,
      rem_sleep_duration: 0,
      time_in_bed: inBed,
      total_sleep_duration: asleep,
      type: "late_nap",
    },
  };
}

const daily = (ctx: DayContext, kind: string, body: Record<string, unknown>): GenRecord => {
  const id = ctx.rng(`${kind}-id`).uuid();
  const midnight = localInstant(ctx.day, 0, ctx.profile.timezone);
  return { id, day: ctx.day, at: midnight, updatedAt: midnight + 86_400_000, body: { id, ...body, day: ctx.day, timestamp: localMidnight(ctx) } };
};

export const ouraGenerator: ProviderSpec = {
  workout: {
    day: (ctx) => sessions(ctx).map((s) => workoutRecord(ctx, s, ctx.rng(`workout-id:${s.seq}`).uuid())),
    make: (ctx, ms, salt) => workoutRecord(ctx, session(ctx, `admin:${salt}`, 0, Math.floor(ms / 1000) * 1000), ctx.rng(`admin-id:${salt}`).uuid()),
  },
  sleep: {
    day: (ctx) => [sleepRecord(ctx), napRecord(ctx)].filter((r): r is GenRecord => r !== null),
  },
  daily_sleep: {
    day: (ctx) => {
      const n = night(ctx);
      const r = ctx.rng("daily_sleep");
      return [
        daily(ctx, "daily_sleep", {
          contributors: {
            deep_sleep: r.int(50, 100),
            efficiency: n.efficiency,
            latency: r.int(50, 100),
            rem_sleep: r.int(50, 100),
            restfulness: r.int(40, 100),
            timing: r.int(40, 100),
            total_sleep: r.int(50, 100),
          },
          score: n.score,
        }),
      ];
    },
  },
  daily_readiness: {
    day: (ctx) => {
      const r = ctx.rng("readiness");
      return [
        daily(ctx, "daily_readiness", {
          contributors: {
            activity_balance: r.int(50, 100),
            body_temperature: r.int(60, 100),
            hrv_balance: r.int(40, 100),
            previous_day_activity: r.int(40, 100),
            previous_night: r.int(40, 100),
            recovery_index: r.int(40, 100),
            resting_heart_rate: r.int(40, 100),
            sleep_balance: r.int(40, 100),
          },
          score: r.int(45, 98),
          temperature_deviation: r.float(-0.6, 0.6, 2),
          temperature_trend_deviation: r.float(-0.3, 0.3, 2),
        }),
      ];
    },
  },
  daily_activity: {
    day: (ctx) => {
      const a = dayActivity(ctx);
      const r = ctx.rng("daily_activity");
      const high = r.int(0, 60) * 60;
      const medium = r.int(10, 90) * 60;
      const low = r.int(120, 300) * 60;
      return [
        daily(ctx, "daily_activity", {
          class_5_min: null,
          score: a.score,
          active_calories: a.activeKcal,
          average_met_minutes: r.float(1.2, 2.2, 4),
          contributors: { meet_daily_targets: r.int(20, 100), move_every_hour: r.int(40, 100), recovery_time: r.int(40, 100), stay_active: r.int(40, 100), training_frequency: r.int(40, 100), training_volume: r.int(40, 100) },
          equivalent_walking_distance: a.distanceM,
          high_activity_met_minutes: Math.round(high / 60) * 8,
          high_activity_time: high,
          inactivity_alerts: r.int(0, 3),
          low_activity_met_minutes: Math.round(low / 60) * 2,
          low_activity_time: low,
          medium_activity_met_minutes: Math.round(medium / 60) * 4,
          medium_activity_time: medium,
          met: null,
          meters_to_target: r.int(-3000, 4000),
          non_wear_time: r.int(0, 3600),
          resting_time: r.int(20000, 32000),
          sedentary_met_minutes: r.int(5, 20),
          sedentary_time: r.int(20000, 40000),
          steps: a.steps,
          target_calories: 500,
          target_meters: 9000,
          total_calories: a.totalKcal,
        }),
      ];
    },
  },
  heartrate: {
    day: (ctx) =>
      hrSamples(ctx).map((s, i) => {
        const timestamp = isoOffset(s.ms, 0);
        return {
          id: timestamp,
          day: ctx.day,
          at: s.ms,
          updatedAt: s.ms,
          body: { bpm: s.bpm, source: s.minuteOfDay < 390 || s.minuteOfDay > 1380 ? "rest" : i % 7 === 0 ? "workout" : "awake", timestamp },
        };
      }),
  },
};

