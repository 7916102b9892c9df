import { dayNumber, epoch, localInstant, Rng, round, tzOffset, type DayContext, type GenRecord, type ProviderSpec } from "../../data/core";
import { dayActivity, night, session, sessions, weightOn, type Session, type SportKey } from "../../data/generators/shared";

/**
 * Withings records: getmeas measure groups (value × 10^unit), getworkouts and getsummary series
 * (each with its IANA timezone), getactivity days. `modified` is what `lastupdate` compares.
 */

const CATEGORY: Record<SportKey, number> = { run: 2, ride: 6, walk: 1, swim: 7, strength: 16, hike: 3, yoga: 28 };

const grpBase = (account: string) => new Rng(`withings-ids:${account}`).int(1_000, 9_999) * 1_000_000;

/** A value as Withings stores it: integer mantissa and power-of-ten exponent. */
function m(type: number, value: number, unit: number) {
  return { value: Math.round(value * 10 ** -unit), type, unit, algo: 0, fm: 3 };
}

/**
 * `attrib` 0: the scale knows it is this user; 1: it could be another user of the scale (a guest's
 * weigh-in); 2: typed in by the user. `timezone`: where the weigh-in happened, sent per group.
 */
function group(ctx: DayContext, grpid: number, ms: number, measures: ReturnType<typeof m>[], attrib = 0, timezone = ctx.profile.timezone): GenRecord {
  const modified = epoch(ms) + 60;
  return {
    id: String(grpid),
    day: ctx.day,
    at: ms,
    updatedAt: modified * 1000,
    body: { grpid, attrib, date: epoch(ms), created: modified, modified, category: 1, deviceid: "sim-body-plus", hash_deviceid: "sim-body-plus", measures, comment: null, timezone },
  };
}

/** Zones of the occasional trip: a weigh-in there belongs to that zone's day, not the home zone's. */
const TRAVEL_ZONES = ["America/New_York", "Asia/Tokyo", "Europe/London"];

function workoutRecord(ctx: DayContext, s: Session, id: number): GenRecord {
  const end = s.startMs + s.durationS * 1000;
  return {
    id: String(id),
    day: ctx.day,
    at: s.startMs,
    updatedAt: end + 30 * 60_000,
    body: {
      id,
      category: CATEGORY[s.sport],
      timezone: ctx.profile.timezone,
      model: 1059,
      attrib: 7,
      startdate: epoch(s.startMs),
      enddate: epoch(end),
      date: ctx.day,
      modified: epoch(end) + 1800,
      deviceid: "sim-scanwatch",
      hash_deviceid: "sim-scanwatch",
      data: {
        calories: Math.round(s.kcal),
        intensity: 50,
        manual_distance: 0,
        manual_calories: 0,
        hr_average: s.avgHr,
        hr_min: s.avgHr - 25,
        hr_max: s.maxHr,
        pause_duration: s.durationS - s.movingS,
        steps: s.steps ?? 0,
        distance: s.distanceM ?? 0,
        elevation: s.elevationM ?? 0,
      },
    },
  };
}

export const withingsGenerator: ProviderSpec = {
  measures: {
    day: (ctx) => {
      const r = ctx.rng("withings-measures");
      const dayNo = dayNumber(ctx.day);
      const out: GenRecord[] = [];
      if (r.chance(0.6)) {
        // Mostly at home; on ~5 % of weigh-ins away, late in the evening of that zone's day.
        const away = r.chance(0.05) ? TRAVEL_ZONES[r.int(0, TRAVEL_ZONES.length - 1)] : null;
        const zone = away ?? ctx.profile.timezone;
        const ms = localInstant(ctx.day, away ? r.int(22 * 60, 23 * 60 + 50) : r.int(6 * 60, 9 * 60), zone) + r.int(0, 59) * 1000;
        const weight = weightOn(ctx, dayNo);
        const fatRatio = r.float(14, 28, 1);
        const fatMass = round((weight * fatRatio) / 100, 3);
        out.push(
          group(
            ctx,
            grpBase(ctx.account) + dayNo * 10,
            ms,
            [
              m(1, weight, -3),
              m(6, fatRatio, -3),
              m(8, fatMass, -3),
              m(5, round(weight - fatMass, 3), -3),
              m(76, round(weight * 0.42, 3), -3),
              m(88, round(weight * 0.04, 3), -3),
              m(170, r.int(4, 12), 0), // visceral fat rating (unitless)
              m(226, Math.round(weight * 22 + r.int(-40, 40)), 0), // BMR, kcal/day
            ],
            0,
            zone,
          ),
        );
      } else if (r.chance(0.08)) {
        // No scale that day but a weight typed in by the user (attrib 2): theirs. Only on such days,
        // so that a day never has two weigh-ins of the user (which one wins is not this data's point).
        const ms = localInstant(ctx.day, r.int(12 * 60, 13 * 60), ctx.profile.timezone);
        out.push(group(ctx, grpBase(ctx.account) + dayNo * 10 + 3, ms, [m(1, round(weightOn(ctx, dayNo) + 0.3, 1), -3)], 2));
      }
      if (r.chance(0.08)) {
        // Someone else of the household on the same scale: the device cannot tell who (attrib 1).
        const ms = localInstant(ctx.day, r.int(18 * 60, 21 * 60), ctx.profile.timezone) + r.int(0, 59) * 1000;
        out.push(group(ctx, grpBase(ctx.account) + dayNo * 10 + 2, ms, [m(1, r.float(48, 110, 2), -3), m(6, r.float(14, 35, 1), -3)], 1));
      }
      if (r.chance(0.15)) {
        const ms = localInstant(ctx.day, r.int(19 * 60, 22 * 60), ctx.profile.timezone) + r.int(0, 59) * 1000;
        out.push(group(ctx, grpBase(ctx.account) + dayNo * 10 + 1, ms, [m(10, r.int(108, 138), 0), m(9, r.int(66, 88), 0), m(11, ctx.profile.restingHr + r.int(2, 15), 0)]));
      }
      return out;
    },
    make: (ctx, ms, salt) => group(ctx, grpBase(ctx.account) + 700_000_000 + new Rng(salt).int(0, 99_999_999), Math.floor(ms / 1000) * 1000, [m(1, weightOn(ctx, dayNumber(ctx.day)), -3)]),
    touch: (body, ms) => void (body.modified = epoch(ms)),
  },
  workouts: {
    day: (ctx) => sessions(ctx).map((s) => workoutRecord(ctx, s, grpBase(ctx.account) * 10 + dayNumber(ctx.day) * 10 + s.seq)),
    make: (ctx, ms, salt) => workoutRecord(ctx, session(ctx, `admin:${salt}`, 0, Math.floor(ms / 1000) * 1000), grpBase(ctx.account) * 10 + 900_000_000 + new Rng(salt).int(0, 99_999_999)),
    touch: (body, ms) => void (body.modified = epoch(ms)),
  },
  sleep_summary: {
    day: (ctx) => {
      const n = night(ctx);
      const r = ctx.rng("withings-sleep");
      const id = grpBase(ctx.account) * 10 + 500_000_000 + dayNumber(ctx.day);
      return [
        {
          id: String(id),
          day: ctx.day,
          at: n.startMs,
          updatedAt: n.endMs + 3600_000,
          body: {
            id,
            timezone: ctx.profile.timezone,
            model: 32,
            model_id: 63,
            hash_deviceid: "sim-sleep-analyzer",
            startdate: epoch(n.startMs),
            enddate: epoch(n.endMs),
            date: ctx.day,
            created: epoch(n.endMs) + 3600,
            modified: epoch(n.endMs) + 3600,
            data: {
              total_sleep_time: n.asleepS,
              total_timeinbed: n.inBedS,
              sleep_efficiency: round(n.asleepS / n.inBedS, 2),
              sleep_latency: n.latencyS,
              wakeup_latency: r.int(60, 600),
              wakeupduration: n.awakeS,
              wakeupcount: n.wakeups,
              waso: n.awakeS,
              lightsleepduration: n.lightS,
              deepsleepduration: n.deepS,
              remsleepduration: n.remS,
              durationtosleep: n.latencyS,
              durationtowakeup: r.int(60, 600),
              hr_average: n.avgHr,
              hr_min: n.minHr,
              hr_max: n.avgHr + r.int(10, 25),
              rr_average: Math.round(n.respiratoryRate),
              rr_min: Math.round(n.respiratoryRate) - 3,
              rr_max: Math.round(n.respiratoryRate) + 4,
              breathing_disturbances_intensity: r.int(0, 30),
              snoring: r.int(0, 1200),
              snoringepisodecount: r.int(0, 8),
              sleep_score: n.score,
            },
          },
        },
      ];
    },
    touch: (body, ms) => void (body.modified = epoch(ms)),
  },
  activity: {
    day: (ctx) => {
      const a = dayActivity(ctx);
      const r = ctx.rng("withings-activity");
      const end = localInstant(ctx.day, 24 * 60, ctx.profile.timezone);
      const soft = r.int(1800, 7200);
      return [
        {
          id: ctx.day,
          day: ctx.day,
          at: localInstant(ctx.day, 0, ctx.profile.timezone),
          updatedAt: end + 600_000,
          body: {
            date: ctx.day,
            timezone: ctx.profile.timezone,
            deviceid: "sim-scanwatch",
            hash_deviceid: "sim-scanwatch",
            brand: 18,
            is_tracker: true,
            steps: a.steps,
            distance: a.distanceM,
            elevation: r.int(0, 120),
            soft,
            moderate: r.int(600, 3600),
            intense: r.int(0, 1800),
            active: soft + r.int(600, 3000),
            calories: a.activeKcal,
            totalcalories: a.totalKcal,
            hr_average: a.avgHr,
            hr_min: ctx.profile.restingHr - 2,
            hr_max: ctx.profile.maxHr - r.int(10, 40),
            hr_zone_0: r.int(30000, 50000),
            hr_zone_1: r.int(1000, 8000),
            hr_zone_2: r.int(0, 3000),
            hr_zone_3: r.int(0, 600),
            modified: epoch(end) + 600,
            offset_utc: tzOffset(ctx.profile.timezone, end - 1) * 60,
          },
        },
      ];
    },
    touch: (body, ms) => void (body.modified = epoch(ms)),
  },
};
