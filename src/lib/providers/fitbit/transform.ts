import { z } from "zod";
import {
  activityType,
  anyId,
  BatchBuilder,
  ctxZone,
  instantIn,
  isoDate,
  localDate,
  n,
  numeric,
  optNum,
  optStr,
  SkipRecord,
  wallClockToInstant,
} from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * Fitbit Web API, metric units (no Accept-Language header: km, kg, m). Activity `startTime` carries
 * its offset; sleep `startTime`/`endTime` and body logs (`date` + `time`) are local wall clocks
 * without offset, placed in `ctx.timezone`, and sleep belongs to its `dateOfSleep`.
 * Records are the items of: `activities` (list.json), `sleep` (`sleep[]`), `steps`
 * (`activities-steps[]`), `heart` (`activities-heart[]`), `hrv` (`hrv[]`, dailyRmssd = RMSSD),
 * `weight` (`weight[]`), `fat` (`fat[]`).
 */

/** Fitbit distance units as they appear in `distanceUnit`; absent = metric (km). */
const DISTANCE_M: Record<string, number> = { Kilometer: 1000, Mile: 1609.344, Meter: 1 };

const activity = z.looseObject({
  logId: anyId,
  activityName: optStr,
  startTime: z.string(),
  duration: optNum,
  activeDuration: optNum,
  calories: optNum,
  distance: optNum,
  distanceUnit: optStr,
  steps: optNum,
  averageHeartRate: optNum,
  elevationGain: optNum,
  source: z.looseObject({ name: optStr }).nullish(),
});

const minutes = z.looseObject({ minutes: optNum }).nullish();
const sleep = z.looseObject({
  logId: anyId,
  dateOfSleep: isoDate,
  startTime: z.string(),
  endTime: z.string(),
  duration: optNum,
  timeInBed: optNum,
  minutesAsleep: optNum,
  minutesAwake: optNum,
  efficiency: optNum,
  isMainSleep: z.boolean().nullish(),
  levels: z
    .looseObject({
      summary: z.looseObject({ deep: minutes, light: minutes, rem: minutes, wake: minutes }).nullish(),
    })
    .nullish(),
});

const series = z.looseObject({ dateTime: isoDate, value: numeric });
const heart = z.looseObject({ dateTime: isoDate, value: z.looseObject({ restingHeartRate: optNum }) });
const hrv = z.looseObject({ dateTime: isoDate, value: z.looseObject({ dailyRmssd: optNum, deepRmssd: optNum }) });
const weight = z.looseObject({ logId: anyId, date: isoDate, time: optStr, weight: z.number(), bmi: optNum, fat: optNum, source: optStr });
const fat = z.looseObject({ logId: anyId, date: isoDate, time: optStr, fat: z.number(), source: optStr });

const min = (v: number | null | undefined) => (v == null ? null : v * 60);

export const fitbitTransforms = {
  activities: (records, ctx?) => {
    const b = new BatchBuilder("fitbit", "activities");
    const zone = ctxZone(ctx);
    return b
      .each(records, activity, (a, original) => {
        const start = instantIn(a.startTime, zone);
        const duration = a.duration != null ? a.duration / 1000 : null;
        const unit = a.distanceUnit ?? "Kilometer";
        if (a.distance != null && DISTANCE_M[unit] === undefined) throw new SkipRecord(`unknown distanceUnit ${JSON.stringify(unit)}`);
        b.activity({
          externalId: a.logId,
          type: activityType(a.activityName),
          name: a.activityName ?? null,
          startAt: start.at,
          endAt: duration !== null ? new Date(start.at.getTime() + duration * 1000) : null,
          localDate: localDate(start.at, start.offsetMinutes),
          utcOffsetMinutes: start.offsetMinutes,
          durationS: duration,
          movingS: a.activeDuration != null ? a.activeDuration / 1000 : null,
          distanceM: a.distance != null ? a.distance * DISTANCE_M[unit] : null,
          energyKcal: n(a.calories),
          avgHr: n(a.averageHeartRate),
          elevationGainM: n(a.elevationGain),
          steps: a.steps != null ? Math.round(a.steps) : null,
          source: a.source?.name ?? null,
          raw: original,
        });
        b.raw(a.logId, original);
      })
      .result();
  },

  sleep: (records, ctx?) => {
    const b = new BatchBuilder("fitbit", "sleep");
    const zone = ctxZone(ctx);
    return b
      .each(records, sleep, (s, original) => {
        const start = instantIn(s.startTime, zone);
        const end = instantIn(s.endTime, zone);
        const st = s.levels?.summary;
        const asleep = min(s.minutesAsleep);
        b.sleep({
          externalId: s.logId,
          startAt: start.at,
          endAt: end.at,
          localDate: s.dateOfSleep,
          utcOffsetMinutes: end.offsetMinutes,
          inBedS: s.duration != null ? s.duration / 1000 : min(s.timeInBed),
          asleepS: asleep,
          deepS: min(st?.deep?.minutes),
          lightS: min(st?.light?.minutes),
          remS: min(st?.rem?.minutes),
          awakeS: min(st?.wake?.minutes ?? s.minutesAwake),
          efficiencyPct: n(s.efficiency),
          isNap: s.isMainSleep === false,
          raw: original,
        });
        if (s.isMainSleep !== false) b.dailyPart(s.dateOfSleep, { sleepS: asleep }, original);
        b.raw(s.logId, original);
      })
      .result();
  },

  steps: (records) => {
    const b = new BatchBuilder("fitbit", "steps");
    return b
      .each(records, series, (d, original) => {
        b.dailyPart(d.dateTime, { steps: Math.round(d.value) }, original);
        b.raw(d.dateTime, original);
      })
      .result();
  },

  heart: (records) => {
    const b = new BatchBuilder("fitbit", "heart");
    return b
      .each(records, heart, (d, original) => {
        b.dailyPart(d.dateTime, { restingHr: n(d.value.restingHeartRate) }, original);
        b.raw(d.dateTime, original);
      })
      .result();
  },

  hrv: (records) => {
    const b = new BatchBuilder("fitbit", "hrv");
    return b
      .each(records, hrv, (d, original) => {
        b.dailyPart(d.dateTime, { hrvRmssdMs: n(d.value.dailyRmssd) }, original);
        b.raw(d.dateTime, original);
      })
      .result();
  },

  weight: (records, ctx?) => {
    const b = new BatchBuilder("fitbit", "weight");
    const zone = ctxZone(ctx);
    return b
      .each(records, weight, (w, original) => {
        const { at } = wallClockToInstant(new Date(`${w.date}T${w.time ?? "00:00:00"}Z`), zone);
        if (Number.isNaN(at.getTime())) throw new SkipRecord(`bad time ${JSON.stringify(w.time)}`);
        b.measurement("weight", at, w.weight, w.source);
        b.measurement("bmi", at, w.bmi, w.source);
        b.measurement("fat_ratio", at, w.fat, w.source);
        b.dailyPart(w.date, { weightKg: w.weight }, original);
        b.raw(w.logId, original);
      })
      .result();
  },

  fat: (records, ctx?) => {
    const b = new BatchBuilder("fitbit", "fat");
    const zone = ctxZone(ctx);
    return b
      .each(records, fat, (f, original) => {
        const { at } = wallClockToInstant(new Date(`${f.date}T${f.time ?? "00:00:00"}Z`), zone);
        if (Number.isNaN(at.getTime())) throw new SkipRecord(`bad time ${JSON.stringify(f.time)}`);
        b.measurement("fat_ratio", at, f.fat, f.source);
        b.raw(f.logId, original);
      })
      .result();
  },
} satisfies Record<string, Transform>;
