import { z } from "zod";
import {
  activityType,
  anyId,
  BatchBuilder,
  ctxZone,
  kjToKcal,
  localDate,
  n,
  optNum,
  optStr,
  parseOffset,
  requireDateTime,
  SkipRecord,
  wallClockToInstant,
} from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * WHOOP API v2 (`records[]` of each collection). `timezone_offset` ("-05:00") is the record's own
 * offset. Energy is in kJ (÷ 4.184 → kcal); `hrv_rmssd_milli` is RMSSD. Days:
 * - workout: the local day of its start; sleep: the local day of its end (wake-up day);
 * - cycle: a physiological cycle starts when you fall asleep, so its day is the local date 12 h
 *   after its start (21:30 → the next day, 01:00 → the same day);
 * - recovery carries no offset of its own: its day is `created_at` (scored after waking) in
 *   `ctx.timezone` (pass the offset of the user's latest cycle or sleep, e.g. "-05:00").
 * - body_measurement is a snapshot without a time: measured at the start of the local day of
 *   `ctx.fetchedAt` (one row per day of fetching).
 */

const base = {
  start: z.string(),
  end: optStr,
  timezone_offset: optStr,
  score_state: optStr,
};

const workout = z.looseObject({
  id: anyId,
  sport_name: optStr,
  ...base,
  score: z
    .looseObject({
      strain: optNum,
      average_heart_rate: optNum,
      max_heart_rate: optNum,
      kilojoule: optNum,
      distance_meter: optNum,
      altitude_gain_meter: optNum,
    })
    .nullish(),
});

const sleep = z.looseObject({
  id: anyId,
  nap: z.boolean().nullish(),
  ...base,
  end: z.string(),
  score: z
    .looseObject({
      stage_summary: z
        .looseObject({
          total_in_bed_time_milli: optNum,
          total_awake_time_milli: optNum,
          total_no_data_time_milli: optNum,
          total_light_sleep_time_milli: optNum,
          total_slow_wave_sleep_time_milli: optNum,
          total_rem_sleep_time_milli: optNum,
        })
        .nullish(),
      sleep_performance_percentage: optNum,
      sleep_efficiency_percentage: optNum,
      respiratory_rate: optNum,
    })
    .nullish(),
});

const recovery = z.looseObject({
  cycle_id: anyId,
  sleep_id: optStr,
  created_at: z.string(),
  score_state: optStr,
  score: z
    .looseObject({
      recovery_score: optNum,
      resting_heart_rate: optNum,
      hrv_rmssd_milli: optNum,
      spo2_percentage: optNum,
      skin_temp_celsius: optNum,
    })
    .nullish(),
});

const cycle = z.looseObject({
  id: anyId,
  ...base,
  score: z.looseObject({ strain: optNum, kilojoule: optNum, average_heart_rate: optNum, max_heart_rate: optNum }).nullish(),
});

const body = z.looseObject({ height_meter: optNum, weight_kilogram: optNum, max_heart_rate: optNum });

function offsetOf(value: string | null | undefined): number | null {
  if (!value) return null;
  const o = parseOffset(value);
  if (o === null) throw new SkipRecord(`timezone_offset is not an offset: ${JSON.stringify(value)}`);
  return o;
}

const ms = (v: number | null | undefined) => (v == null ? null : v / 1000);
const CYCLE_DAY_SHIFT_MS = 12 * 3600_000;

export const whoopTransforms = {
  workout: (records) => {
    const b = new BatchBuilder("whoop", "workout");
    return b
      .each(records, workout, (w, original) => {
        const start = requireDateTime(w.start, "start");
        const end = w.end ? requireDateTime(w.end, "end") : null;
        const offset = offsetOf(w.timezone_offset);
        b.activity({
          externalId: w.id,
          type: activityType(w.sport_name),
          name: w.sport_name ?? null,
          startAt: start.at,
          endAt: end?.at ?? null,
          localDate: localDate(start.at, offset ?? 0),
          utcOffsetMinutes: offset,
          durationS: end ? (end.at.getTime() - start.at.getTime()) / 1000 : null,
          distanceM: n(w.score?.distance_meter),
          energyKcal: w.score?.kilojoule != null ? kjToKcal(w.score.kilojoule) : null,
          avgHr: n(w.score?.average_heart_rate),
          maxHr: n(w.score?.max_heart_rate),
          elevationGainM: n(w.score?.altitude_gain_meter),
          raw: original,
        });
        b.raw(w.id, original);
      })
      .result();
  },

  sleep: (records) => {
    const b = new BatchBuilder("whoop", "sleep");
    return b
      .each(records, sleep, (s, original) => {
        const start = requireDateTime(s.start, "start");
        const end = requireDateTime(s.end, "end");
        const offset = offsetOf(s.timezone_offset);
        const st = s.score?.stage_summary;
        const inBed = ms(st?.total_in_bed_time_milli);
        const awake = ms(st?.total_awake_time_milli);
        // WHOOP's time asleep: in bed minus awake minus no-data.
        const asleep = inBed !== null ? inBed - (awake ?? 0) - (ms(st?.total_no_data_time_milli) ?? 0) : null;
        const day = localDate(end.at, offset ?? 0);
        const performance = n(s.score?.sleep_performance_percentage);
        b.sleep({
          externalId: s.id,
          startAt: start.at,
          endAt: end.at,
          localDate: day,
          utcOffsetMinutes: offset,
          inBedS: inBed,
          asleepS: asleep,
          deepS: ms(st?.total_slow_wave_sleep_time_milli),
          lightS: ms(st?.total_light_sleep_time_milli),
          remS: ms(st?.total_rem_sleep_time_milli),
          awakeS: awake,
          efficiencyPct: n(s.score?.sleep_efficiency_percentage),
          score: performance,
          isNap: s.nap ?? false,
          raw: original,
        });
        if (!s.nap) b.dailyPart(day, { sleepS: asleep, sleepScore: performance }, original);
        b.raw(s.id, original);
      })
      .result();
  },

  recovery: (records, ctx?) => {
    const b = new BatchBuilder("whoop", "recovery");
    const zone = ctxZone(ctx);
    return b
      .each(records, recovery, (r, original) => {
        const created = requireDateTime(r.created_at, "created_at");
        const s = r.score;
        b.dailyPart(
          localDate(created.at, zone.offsetAt(created.at)),
          {
            recoveryScore: n(s?.recovery_score),
            restingHr: n(s?.resting_heart_rate),
            hrvRmssdMs: n(s?.hrv_rmssd_milli),
            spo2Pct: n(s?.spo2_percentage),
          },
          original,
        );
        b.measurement("resting_heart_rate", created.at, s?.resting_heart_rate);
        b.measurement("hrv_rmssd", created.at, s?.hrv_rmssd_milli);
        b.measurement("spo2", created.at, s?.spo2_percentage);
        b.measurement("skin_temperature", created.at, s?.skin_temp_celsius);
        b.raw(r.cycle_id, original);
      })
      .result();
  },

  cycle: (records) => {
    const b = new BatchBuilder("whoop", "cycle");
    return b
      .each(records, cycle, (c, original) => {
        const start = requireDateTime(c.start, "start");
        const offset = offsetOf(c.timezone_offset) ?? 0;
        b.dailyPart(
          localDate(new Date(start.at.getTime() + CYCLE_DAY_SHIFT_MS), offset),
          {
            strain: n(c.score?.strain),
            totalEnergyKcal: c.score?.kilojoule != null ? kjToKcal(c.score.kilojoule) : null,
            avgHr: n(c.score?.average_heart_rate),
          },
          original,
        );
        b.raw(c.id, original);
      })
      .result();
  },

  body_measurement: (records, ctx?) => {
    const b = new BatchBuilder("whoop", "body_measurement");
    const zone = ctxZone(ctx);
    return b
      .each(records, body, (m, original) => {
        if (!ctx?.fetchedAt) throw new SkipRecord("body_measurement has no time of its own: pass ctx.fetchedAt");
        const day = localDate(ctx.fetchedAt, zone.offsetAt(ctx.fetchedAt));
        const { at } = wallClockToInstant(new Date(`${day}T00:00:00Z`), zone);
        b.measurement("weight", at, m.weight_kilogram);
        b.measurement("height", at, m.height_meter);
        b.raw(day, original);
      })
      .result();
  },
} satisfies Record<string, Transform>;
