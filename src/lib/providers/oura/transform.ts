import { z } from "zod";
import { activityType, BatchBuilder, isoDate, n, optNum, optStr, requireDateTime } from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * Oura API v2 (`/v2/usercollection/<resource>` → `data[]`). Date-times carry their own offset
 * ("2024-01-14T23:10:00+01:00"), so local days come from them; daily documents and sleep periods
 * name their `day` (sleep: the day you wake up). `average_hrv` is RMSSD. A sleep period of type
 * "deleted" is a deletion. Daily parts: daily_activity (steps, energy, distance), daily_readiness
 * (readiness), daily_sleep (sleep score) and the long sleep (sleep time, lowest HR as resting HR,
 * HRV); each under its own raw key.
 */

const workout = z.looseObject({
  id: z.string().min(1),
  activity: optStr,
  label: optStr,
  calories: optNum,
  distance: optNum,
  start_datetime: z.string(),
  end_datetime: optStr,
  source: optStr,
});

const sleep = z.looseObject({
  id: z.string().min(1),
  day: isoDate,
  type: optStr,
  bedtime_start: z.string(),
  bedtime_end: z.string(),
  time_in_bed: optNum,
  total_sleep_duration: optNum,
  deep_sleep_duration: optNum,
  light_sleep_duration: optNum,
  rem_sleep_duration: optNum,
  awake_time: optNum,
  efficiency: optNum,
  average_heart_rate: optNum,
  lowest_heart_rate: optNum,
  average_hrv: optNum,
});

const dailyActivity = z.looseObject({
  id: z.string().min(1),
  day: isoDate,
  steps: optNum,
  active_calories: optNum,
  total_calories: optNum,
  equivalent_walking_distance: optNum,
});

const scored = z.looseObject({ id: z.string().min(1), day: isoDate, score: optNum });

const heartrate = z.looseObject({ bpm: z.number(), timestamp: z.string(), source: optStr });

export const ouraTransforms = {
  workout: (records) => {
    const b = new BatchBuilder("oura", "workout");
    return b
      .each(records, workout, (w, original) => {
        const start = requireDateTime(w.start_datetime, "start_datetime");
        const end = w.end_datetime ? requireDateTime(w.end_datetime, "end_datetime") : null;
        b.activity({
          externalId: w.id,
          type: activityType(w.activity),
          name: w.label ?? null,
          startAt: start.at,
          endAt: end?.at ?? null,
          localDate: start.localDate,
          utcOffsetMinutes: start.offsetMinutes,
          durationS: end ? (end.at.getTime() - start.at.getTime()) / 1000 : null,
          distanceM: n(w.distance),
          energyKcal: n(w.calories),
          source: w.source ?? null,
          raw: original,
        });
        b.raw(w.id, original);
      })
      .result();
  },

  sleep: (records) => {
    const b = new BatchBuilder("oura", "sleep");
    return b
      .each(records, sleep, (s, original) => {
        const start = requireDateTime(s.bedtime_start, "bedtime_start");
        const end = requireDateTime(s.bedtime_end, "bedtime_end");
        b.raw(s.id, original);
        if (s.type === "deleted") {
          b.deletion({ table: "sleep_session", externalId: s.id, deletedAt: end.at });
          return;
        }
        b.sleep({
          externalId: s.id,
          startAt: start.at,
          endAt: end.at,
          localDate: s.day,
          utcOffsetMinutes: end.offsetMinutes,
          inBedS: n(s.time_in_bed),
          asleepS: n(s.total_sleep_duration),
          deepS: n(s.deep_sleep_duration),
          lightS: n(s.light_sleep_duration),
          remS: n(s.rem_sleep_duration),
          awakeS: n(s.awake_time),
          efficiencyPct: n(s.efficiency),
          avgHr: n(s.average_heart_rate),
          minHr: n(s.lowest_heart_rate),
          hrvRmssdMs: n(s.average_hrv),
          isNap: s.type !== "long_sleep",
          raw: original,
        });
        if (s.type === "long_sleep") {
          b.dailyPart(
            s.day,
            { sleepS: n(s.total_sleep_duration), restingHr: n(s.lowest_heart_rate), hrvRmssdMs: n(s.average_hrv) },
            original,
          );
        }
      })
      .result();
  },

  daily_activity: (records) => {
    const b = new BatchBuilder("oura", "daily_activity");
    return b
      .each(records, dailyActivity, (d, original) => {
        b.dailyPart(
          d.day,
          {
            steps: d.steps != null ? Math.round(d.steps) : null,
            activeEnergyKcal: n(d.active_calories),
            totalEnergyKcal: n(d.total_calories),
            distanceM: n(d.equivalent_walking_distance),
          },
          original,
        );
        b.raw(d.id, original);
      })
      .result();
  },

  daily_readiness: (records) => {
    const b = new BatchBuilder("oura", "daily_readiness");
    return b
      .each(records, scored, (d, original) => {
        b.dailyPart(d.day, { readinessScore: n(d.score) }, original);
        b.raw(d.id, original);
      })
      .result();
  },

  daily_sleep: (records) => {
    const b = new BatchBuilder("oura", "daily_sleep");
    return b
      .each(records, scored, (d, original) => {
        b.dailyPart(d.day, { sleepScore: n(d.score) }, original);
        b.raw(d.id, original);
      })
      .result();
  },

  heartrate: (records) => {
    const b = new BatchBuilder("oura", "heartrate");
    return b
      .each(records, heartrate, (h, original) => {
        const at = requireDateTime(h.timestamp, "timestamp");
        b.measurement("heart_rate", at.at, h.bpm, h.source, at.offsetMinutes);
        b.raw(at.at.toISOString(), original);
      })
      .result();
  },
} satisfies Record<string, Transform>;
