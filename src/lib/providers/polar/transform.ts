import { z } from "zod";
import {
  activityType,
  anyId,
  BatchBuilder,
  ctxZone,
  isoDate,
  isoDurationSeconds,
  n,
  optNum,
  optStr,
  parseDateTime,
  requireDateTime,
  SkipRecord,
  wallClockToInstant,
} from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * Polar AccessLink v3. Records are: `exercises` (the array of `GET /v3/exercises`), `sleep`
 * (`nights[]`), `nightly_recharge` (`recharges[]`), `activities` (the array of
 * `GET /v3/users/activities`), `continuous_heart_rate` (`heart_rate_samples` days, or the object of
 * the by-date call), `physical_info` (the object of `GET /v3/users/physical-info`).
 * Exercise `start_time` is a local wall clock with `start_time_utc_offset` in MINUTES. Sleep times
 * carry their offset and the night belongs to its `date`. Continuous HR `sample_time`s are device
 * local times of `date`, placed in `ctx.timezone`. Nightly Recharge `heart_rate_variability_avg`
 * is RMSSD; its 1–6 status and −10…+10 ANS charge are no percentages and stay in raw.
 */

const exercise = z.looseObject({
  id: anyId,
  start_time: z.string(),
  start_time_utc_offset: optNum,
  duration: optStr,
  calories: optNum,
  distance: optNum,
  heart_rate: z.looseObject({ average: optNum, maximum: optNum }).nullish(),
  sport: optStr,
  detailed_sport_info: optStr,
  device: optStr,
});

const night = z.looseObject({
  date: isoDate,
  sleep_start_time: z.string(),
  sleep_end_time: z.string(),
  light_sleep: optNum,
  deep_sleep: optNum,
  rem_sleep: optNum,
  unrecognized_sleep_stage: optNum,
  total_interruption_duration: optNum,
  sleep_score: optNum,
  device_id: optStr,
});

const recharge = z.looseObject({ date: isoDate, heart_rate_variability_avg: optNum, heart_rate_avg: optNum });

const dailyActivity = z.looseObject({
  start_time: z.string(),
  calories: optNum,
  active_calories: optNum,
  steps: optNum,
  distance_from_steps: optNum,
});

const continuousHr = z.looseObject({
  date: isoDate,
  heart_rate_samples: z.array(z.looseObject({ heart_rate: z.number(), sample_time: z.string().regex(/^\d{2}:\d{2}(:\d{2})?$/) })).nullish(),
});

const physicalInfo = z.looseObject({
  created: optStr,
  modified: optStr,
  weight: optNum,
  height: optNum,
  resting_heart_rate: optNum,
  maximum_heart_rate: optNum,
  vo2_max: optNum,
});

const sum = (...v: Array<number | null | undefined>) => (v.some((x) => x != null) ? v.reduce<number>((a, x) => a + (x ?? 0), 0) : null);

export const polarTransforms = {
  exercises: (records) => {
    const b = new BatchBuilder("polar", "exercises");
    return b
      .each(records, exercise, (e, original) => {
        const wall = parseDateTime(e.start_time);
        if (!wall) throw new SkipRecord(`start_time is not a date-time: ${e.start_time}`);
        // A written offset wins; otherwise the wall clock minus start_time_utc_offset (minutes).
        const offset = wall.offsetMinutes ?? e.start_time_utc_offset ?? 0;
        const startAt = wall.offsetMinutes !== null ? wall.at : new Date(wall.at.getTime() - offset * 60_000);
        const duration = e.duration ? isoDurationSeconds(e.duration) : null;
        b.activity({
          externalId: e.id,
          type: activityType(e.detailed_sport_info, e.sport),
          name: e.detailed_sport_info ?? e.sport ?? null,
          startAt,
          endAt: duration !== null ? new Date(startAt.getTime() + duration * 1000) : null,
          localDate: wall.localDate,
          utcOffsetMinutes: wall.offsetMinutes ?? n(e.start_time_utc_offset),
          durationS: duration,
          distanceM: n(e.distance),
          energyKcal: n(e.calories),
          avgHr: n(e.heart_rate?.average),
          maxHr: n(e.heart_rate?.maximum),
          source: e.device ?? null,
          raw: original,
        });
        b.raw(e.id, original);
      })
      .result();
  },

  sleep: (records) => {
    const b = new BatchBuilder("polar", "sleep");
    return b
      .each(records, night, (s, original) => {
        const start = requireDateTime(s.sleep_start_time, "sleep_start_time");
        const end = requireDateTime(s.sleep_end_time, "sleep_end_time");
        const asleep = sum(s.light_sleep, s.deep_sleep, s.rem_sleep, s.unrecognized_sleep_stage);
        const score = n(s.sleep_score);
        b.sleep({
          externalId: s.date,
          startAt: start.at,
          endAt: end.at,
          localDate: s.date,
          utcOffsetMinutes: end.offsetMinutes,
          inBedS: (end.at.getTime() - start.at.getTime()) / 1000,
          asleepS: asleep,
          deepS: n(s.deep_sleep),
          lightS: n(s.light_sleep),
          remS: n(s.rem_sleep),
          awakeS: n(s.total_interruption_duration),
          score,
          source: s.device_id ?? null,
          raw: original,
        });
        b.dailyPart(s.date, { sleepS: asleep, sleepScore: score }, original);
        b.raw(s.date, original);
      })
      .result();
  },

  nightly_recharge: (records) => {
    const b = new BatchBuilder("polar", "nightly_recharge");
    return b
      .each(records, recharge, (r, original) => {
        b.dailyPart(r.date, { hrvRmssdMs: n(r.heart_rate_variability_avg) }, original);
        b.raw(r.date, original);
      })
      .result();
  },

  activities: (records) => {
    const b = new BatchBuilder("polar", "activities");
    return b
      .each(records, dailyActivity, (a, original) => {
        // The day is the date the summary starts on, as written (local to the device).
        const date = requireDateTime(a.start_time, "start_time").localDate;
        b.dailyPart(
          date,
          {
            steps: a.steps != null ? Math.round(a.steps) : null,
            activeEnergyKcal: n(a.active_calories),
            totalEnergyKcal: n(a.calories),
            distanceM: n(a.distance_from_steps),
          },
          original,
        );
        b.raw(date, original);
      })
      .result();
  },

  continuous_heart_rate: (records, ctx?) => {
    const b = new BatchBuilder("polar", "continuous_heart_rate");
    const zone = ctxZone(ctx);
    return b
      .each(records, continuousHr, (d, original) => {
        for (const s of d.heart_rate_samples ?? []) {
          const time = s.sample_time.length === 5 ? `${s.sample_time}:00` : s.sample_time;
          const { at } = wallClockToInstant(new Date(`${d.date}T${time}Z`), zone);
          b.measurement("heart_rate", at, s.heart_rate);
        }
        b.raw(d.date, original);
      })
      .result();
  },

  physical_info: (records) => {
    const b = new BatchBuilder("polar", "physical_info");
    return b
      .each(records, physicalInfo, (p, original) => {
        const when = p.modified ?? p.created;
        if (!when) throw new SkipRecord("physical info has neither modified nor created");
        const at = requireDateTime(when, "modified").at;
        b.measurement("weight", at, p.weight);
        b.measurement("height", at, p.height != null ? p.height / 100 : null);
        b.measurement("resting_heart_rate", at, p.resting_heart_rate);
        b.measurement("vo2max", at, p.vo2_max);
        b.raw(at.toISOString(), original);
      })
      .result();
  },
} satisfies Record<string, Transform>;
