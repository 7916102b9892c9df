import { whoopUserId } from "./oauth";
import { addDays, dayContext, dayNumber, isoMs, offsetString, Rng, round, tzOffset, type DayContext, type GenRecord, type ProviderSpec } from "../../data/core";
import { dayActivity, night, session, sessions, type Session, type SportKey } from "../../data/generators/shared";

/**
 * WHOOP API v2 records. A cycle starts when the night that ends on its day begins and ends when the
 * next night begins; its recovery is scored from that night (created a few minutes after waking).
 */

const SPORTS: Record<SportKey, [string, number]> = {
  run: ["running", 0],
  ride: ["cycling", 1],
  walk: ["walking", 63],
  swim: ["swimming", 33],
  strength: ["weightlifting", 45],
  hike: ["hiking", 52],
  yoga: ["yoga", 44],
};

const userId = (ctx: DayContext) => Number(whoopUserId(ctx.account));
const tzo = (ctx: DayContext, ms: number) => offsetString(tzOffset(ctx.profile.timezone, ms));
const cycleId = (account: string, day: string) => new Rng(`whoop-cycle:${account}`).int(1_000, 9_999) * 100_000 + dayNumber(day);

function workoutRecord(ctx: DayContext, s: Session, id: string): GenRecord {
  const end = s.startMs + s.durationS * 1000;
  const [sport, sportId] = SPORTS[s.sport];
  const r = ctx.rng(`wzones:${id}`);
  return {
    id,
    day: ctx.day,
    at: s.startMs,
    updatedAt: end + 20 * 60_000,
    body: {
      id,
      v1_id: null,
      user_id: userId(ctx),
      created_at: isoMs(end + 5 * 60_000),
      updated_at: isoMs(end + 20 * 60_000),
      start: isoMs(s.startMs),
      end: isoMs(end),
      timezone_offset: tzo(ctx, s.startMs),
      sport_name: sport,
      score_state: "SCORED",
      score: {
        strain: r.float(4, 18, 4),
        average_heart_rate: s.avgHr,
        max_heart_rate: s.maxHr,
        kilojoule: round(s.kcal * 4.184, 3),
        percent_recorded: 100,
        distance_meter: s.distanceM,
        altitude_gain_meter: s.elevationM,
        altitude_change_meter: s.elevationM === null ? null : 0,
        zone_durations: {
          zone_zero_milli: r.int(0, 300) * 1000,
          zone_one_milli: r.int(0, 900) * 1000,
          zone_two_milli: r.int(0, 1200) * 1000,
          zone_three_milli: r.int(0, 1200) * 1000,
          zone_four_milli: r.int(0, 600) * 1000,
          zone_five_milli: r.int(0, 300) * 1000,
        },
      },
      sport_id: sportId,
    },
  };
}

function sleepRecord(ctx: DayContext): GenRecord {
  const n = night(ctx);
  const id = ctx.rng("sleep-id").uuid();
  const r = ctx.rng("whoop-sleep");
  return {
    id,
    day: ctx.day,
    at: n.startMs,
    updatedAt: n.endMs + 15 * 60_000,
    body: {
      id,
      cycle_id: cycleId(ctx.account, ctx.day),
      v1_id: null,
      user_id: userId(ctx),
      created_at: isoMs(n.endMs + 5 * 60_000),
      updated_at: isoMs(n.endMs + 15 * 60_000),
      start: isoMs(n.startMs),
      end: isoMs(n.endMs),
      timezone_offset: tzo(ctx, n.endMs),
      nap: false,
      score_state: "SCORED",
      score: {
        stage_summary: {
          total_in_bed_time_milli: n.inBedS * 1000,
          total_awake_time_milli: n.awakeS * 1000,
          total_no_data_time_milli: 0,
          total_light_sleep_time_milli: n.lightS * 1000,
          total_slow_wave_sleep_time_milli: n.deepS * 1000,
          total_rem_sleep_time_milli: n.remS * 1000,
          sleep_cycle_count: r.int(3, 6),
          disturbance_count: n.wakeups * 2,
        },
        sleep_needed: { baseline_milli: 27_000_000, need_from_sleep_debt_milli: r.int(0, 900_000), need_from_recent_strain_milli: r.int(0, 600_000), need_from_recent_nap_milli: 0 },
        respiratory_rate: n.respiratoryRate,
        sleep_performance_percentage: n.score,
        sleep_consistency_percentage: r.int(60, 98),
        sleep_efficiency_percentage: round((n.asleepS / n.inBedS) * 100, 4),
      },
    },
  };
}

export const whoopGenerator: ProviderSpec = {
  workout: {
    day: (ctx) => sessions(ctx).map((s) => workoutRecord(ctx, s, ctx.rng(`workout-id:${s.seq}`).uuid())),
    make: (ctx, ms, salt) => workoutRecord(ctx, session(ctx, `admin:${salt}`, 0, Math.floor(ms / 1000) * 1000), ctx.rng(`admin-id:${salt}`).uuid()),
    touch: (body, ms) => void (body.updated_at = isoMs(ms)),
  },
  sleep: {
    day: (ctx) => [sleepRecord(ctx)],
    touch: (body, ms) => void (body.updated_at = isoMs(ms)),
  },
  recovery: {
    day: (ctx) => {
      const n = night(ctx);
      const r = ctx.rng("recovery");
      const sleepId = ctx.rng("sleep-id").uuid();
      const created = n.endMs + 7 * 60_000;
      return [
        {
          id: String(cycleId(ctx.account, ctx.day)),
          day: ctx.day,
          // WHOOP sorts recoveries by the start of their sleep.
          at: n.startMs,
          updatedAt: created + 10 * 60_000,
          body: {
            cycle_id: cycleId(ctx.account, ctx.day),
            sleep_id: sleepId,
            user_id: userId(ctx),
            created_at: isoMs(created),
            updated_at: isoMs(created + 10 * 60_000),
            score_state: "SCORED",
            score: {
              user_calibrating: false,
              recovery_score: r.int(15, 99),
              resting_heart_rate: n.minHr,
              hrv_rmssd_milli: round(n.hrvRmssd + r.next(), 6),
              spo2_percentage: r.float(94, 99, 4),
              skin_temp_celsius: r.float(32.5, 34.5, 2),
            },
          },
        },
      ];
    },
    touch: (body, ms) => void (body.updated_at = isoMs(ms)),
  },
  cycle: {
    day: (ctx) => {
      const start = night(ctx).startMs;
      // The cycle ends when the next night starts.
      const next = night(dayContext(ctx.provider, ctx.account, addDays(ctx.day, 1), ctx.profile));
      const a = dayActivity(ctx);
      const r = ctx.rng("cycle");
      const id = cycleId(ctx.account, ctx.day);
      return [
        {
          id: String(id),
          day: ctx.day,
          at: start,
          updatedAt: next.startMs + 10 * 60_000,
          body: {
            id,
            user_id: userId(ctx),
            created_at: isoMs(start + 60_000),
            updated_at: isoMs(next.startMs + 10 * 60_000),
            start: isoMs(start),
            end: isoMs(next.startMs),
            timezone_offset: tzo(ctx, start),
            score_state: "SCORED",
            score: { strain: r.float(3, 19, 7), kilojoule: round(a.totalKcal * 4.184, 3), average_heart_rate: a.avgHr, max_heart_rate: a.avgHr + r.int(40, 80) },
          },
        },
      ];
    },
    touch: (body, ms) => void (body.updated_at = isoMs(ms)),
  },
  body_measurement: {
    snapshot: true,
    day: (ctx) => [
      {
        id: "body",
        day: ctx.day,
        at: Date.parse(`${ctx.day}T00:00:00Z`),
        updatedAt: Date.parse(`${ctx.day}T00:00:00Z`),
        body: { height_meter: ctx.profile.heightM, weight_kilogram: ctx.profile.weightKg, max_heart_rate: ctx.profile.maxHr },
      },
    ],
  },
};
