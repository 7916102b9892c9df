import { polarUserId } from "./oauth";
import { isoOffset, isoMs, localInstant, Rng, tzOffset, wall, type DayContext, type GenRecord, type ProviderSpec } from "../../data/core";
import { dayActivity, hrSamples, night, session, sessions, type Session, type SportKey } from "../../data/generators/shared";

/**
 * Polar AccessLink v3 records. History the API serves (providers.md §6): exercises 30 days, sleep
 * and Nightly Recharge 28 days, daily activity 365 days (PS). Continuous HR history: UNCONFIRMED,
 * taken as 365 days like daily activity.
 */

export const POLAR_HISTORY_DAYS = { exercises: 30, sleep: 28, nightly_recharge: 28, activities: 365, continuous_heart_rate: 365 } as const;

const SPORTS: Record<SportKey, [string, string]> = {
  run: ["RUNNING", "RUNNING"],
  ride: ["CYCLING", "ROAD_BIKING"],
  walk: ["WALKING", "WALKING"],
  swim: ["SWIMMING", "POOL_SWIMMING"],
  strength: ["STRENGTH_TRAINING", "STRENGTH_TRAINING"],
  hike: ["HIKING", "HIKING"],
  yoga: ["OTHER", "YOGA"],
};

const userUrl = (ctx: DayContext) => `https://www.polaraccesslink.com/v3/users/${polarUserId(ctx.account)}`;

function iso8601Duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `PT${h ? `${h}H` : ""}${m ? `${m}M` : ""}${s || (!h && !m) ? `${s}S` : ""}`;
}

function exerciseRecord(ctx: DayContext, s: Session, id: string): GenRecord {
  const offset = tzOffset(ctx.profile.timezone, s.startMs);
  const [sport, detailed] = SPORTS[s.sport];
  const uploaded = s.startMs + s.durationS * 1000 + 20 * 60_000;
  return {
    id,
    day: ctx.day,
    at: s.startMs,
    updatedAt: uploaded,
    body: {
      id,
      upload_time: isoMs(uploaded),
      polar_user: userUrl(ctx),
      device: "Polar Vantage V3",
      device_id: "1111AAAA",
      start_time: wall(s.startMs, offset),
      start_time_utc_offset: offset,
      duration: iso8601Duration(s.durationS),
      calories: Math.round(s.kcal),
      ...(s.distanceM !== null ? { distance: s.distanceM } : {}),
      heart_rate: { average: s.avgHr, maximum: s.maxHr },
      training_load: Math.round(s.durationS / 60),
      sport,
      has_route: s.distanceM !== null,
      detailed_sport_info: detailed,
      fat_percentage: 40,
      carbohydrate_percentage: 55,
      protein_percentage: 5,
    },
  };
}

function hhmm(ms: number, offset: number): string {
  return wall(ms, offset).slice(11, 16);
}

export const polarGenerator: ProviderSpec = {
  exercises: {
    historyDays: POLAR_HISTORY_DAYS.exercises,
    day: (ctx) => sessions(ctx).map((s) => exerciseRecord(ctx, s, ctx.rng(`exercise-id:${s.seq}`).hex(8).toUpperCase())),
    make: (ctx, ms, salt) => exerciseRecord(ctx, session(ctx, `admin:${salt}`, 0, Math.floor(ms / 1000) * 1000), new Rng(`polar-add:${salt}`).hex(8).toUpperCase()),
  },
  sleep: {
    historyDays: POLAR_HISTORY_DAYS.sleep,
    day: (ctx) => {
      const n = night(ctx);
      const offset = tzOffset(ctx.profile.timezone, n.endMs);
      const r = ctx.rng("polar-sleep");
      const interruptions = n.awakeS;
      return [
        {
          id: ctx.day,
          day: ctx.day,
          at: n.startMs,
          updatedAt: n.endMs + 30 * 60_000,
          body: {
            polar_user: userUrl(ctx),
            date: ctx.day,
            sleep_start_time: isoOffset(n.startMs, tzOffset(ctx.profile.timezone, n.startMs)),
            sleep_end_time: isoOffset(n.endMs, offset),
            device_id: "1111AAAA",
            continuity: r.float(2, 4.5, 1),
            continuity_class: r.int(2, 5),
            light_sleep: n.lightS,
            deep_sleep: n.deepS,
            rem_sleep: n.remS,
            unrecognized_sleep_stage: 0,
            sleep_score: n.score,
            total_interruption_duration: interruptions,
            sleep_charge: r.int(1, 5),
            sleep_goal: 28800,
            sleep_rating: 0,
            short_interruption_duration: Math.round(interruptions * 0.4),
            long_interruption_duration: interruptions - Math.round(interruptions * 0.4),
            sleep_cycles: r.int(3, 6),
            group_duration_score: r.float(40, 100, 1),
            group_solidity_score: r.float(40, 100, 1),
            group_regeneration_score: r.float(40, 100, 1),
            hypnogram: { [hhmm(n.startMs, offset)]: 2, [hhmm(n.startMs + 3_600_000, offset)]: 4 },
            heart_rate_samples: { [hhmm(n.startMs + 600_000, offset)]: n.avgHr, [hhmm(n.startMs + 900_000, offset)]: n.minHr },
          },
        },
      ];
    },
  },
  nightly_recharge: {
    historyDays: POLAR_HISTORY_DAYS.nightly_recharge,
    day: (ctx) => {
      const n = night(ctx);
      const r = ctx.rng("recharge");
      const offset = tzOffset(ctx.profile.timezone, n.startMs);
      return [
        {
          id: ctx.day,
          day: ctx.day,
          at: n.startMs,
          updatedAt: n.endMs + 30 * 60_000,
          body: {
            polar_user: userUrl(ctx),
            date: ctx.day,
            heart_rate_avg: n.avgHr,
            beat_to_beat_avg: Math.round(60_000 / n.avgHr),
            heart_rate_variability_avg: n.hrvRmssd,
            breathing_rate_avg: n.respiratoryRate,
            nightly_recharge_status: r.int(1, 6),
            ans_charge: r.float(-10, 10, 1),
            ans_charge_status: r.int(1, 5),
            hrv_samples: { [hhmm(n.startMs + 30 * 60_000, offset)]: n.hrvRmssd - 2, [hhmm(n.startMs + 35 * 60_000, offset)]: n.hrvRmssd + 1 },
            breathing_samples: { [hhmm(n.startMs + 30 * 60_000, offset)]: n.respiratoryRate },
          },
        },
      ];
    },
  },
  activities: {
    historyDays: POLAR_HISTORY_DAYS.activities,
    day: (ctx) => {
      const a = dayActivity(ctx);
      const r = ctx.rng("polar-activity");
      const startMs = localInstant(ctx.day, r.int(0, 30), ctx.profile.timezone);
      const offset = tzOffset(ctx.profile.timezone, startMs);
      const activeMin = r.int(60, 300);
      return [
        {
          id: ctx.day,
          day: ctx.day,
          at: startMs,
          updatedAt: localInstant(ctx.day, 24 * 60, ctx.profile.timezone),
          body: {
            start_time: wall(startMs, offset),
            end_time: `${ctx.day}T23:59:59`,
            active_duration: `PT${Math.floor(activeMin / 60)}H${activeMin % 60}M`,
            inactive_duration: `PT${Math.floor((1440 - activeMin) / 60)}H${(1440 - activeMin) % 60}M`,
            daily_activity: r.float(30, 150, 1),
            calories: a.totalKcal,
            active_calories: a.activeKcal,
            steps: a.steps,
            inactivity_alert_count: r.int(0, 3),
            distance_from_steps: a.distanceM,
          },
        },
      ];
    },
  },
  continuous_heart_rate: {
    historyDays: POLAR_HISTORY_DAYS.continuous_heart_rate,
    day: (ctx) => {
      const samples = hrSamples(ctx);
      const midnight = localInstant(ctx.day, 0, ctx.profile.timezone);
      return [
        {
          id: ctx.day,
          day: ctx.day,
          at: midnight,
          updatedAt: midnight + 86_400_000,
          body: {
            polar_user: userUrl(ctx),
            date: ctx.day,
            heart_rate_samples: samples.map((s) => ({
              heart_rate: s.bpm,
              sample_time: `${String(Math.floor(s.minuteOfDay / 60)).padStart(2, "0")}:${String(s.minuteOfDay % 60).padStart(2, "0")}:${String(Math.floor(s.minuteOfDay * 7) % 60).padStart(2, "0")}`,
            })),
          },
        },
      ];
    },
  },
  physical_info: {
    snapshot: true,
    day: (ctx) => {
      const modified = Date.parse(`${ctx.day}T12:00:00Z`);
      return [
        {
          id: "physical-info",
          day: ctx.day,
          at: modified,
          updatedAt: modified,
          body: {
            weight: ctx.profile.weightKg,
            height: Math.round(ctx.profile.heightM * 100),
            created: "2019-06-01T12:00:00Z",
            modified: new Date(modified).toISOString().replace(/\.\d{3}Z$/, "Z"),
            birthday: `${ctx.profile.birthYear}-04-12`,
            gender: ctx.profile.sex === "male" ? "MALE" : "FEMALE",
            maximum_heart_rate: ctx.profile.maxHr,
            resting_heart_rate: ctx.profile.restingHr,
            aerobic_threshold: Math.round(ctx.profile.maxHr * 0.75),
            anaerobic_threshold: Math.round(ctx.profile.maxHr * 0.88),
            vo2_max: 48,
            weight_source: "SOURCE_USER",
            training_background: "REGULAR",
            typical_day: "MOSTLY_SITTING",
            sleep_goal: "PT8H",
          },
        },
      ];
    },
  },
};
