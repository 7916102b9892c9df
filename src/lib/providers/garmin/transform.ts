import { z } from "zod";
import { activityType, BatchBuilder, fromEpochSeconds, isoDate, localDate, n, optNum, optStr } from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * Garmin Health/Activity API push bodies (`{"<summaryType>": [ … ]}`): each transform takes the
 * array of one summary type. Times are epoch seconds with `…OffsetInSeconds` (the record's own
 * offset). `summaryId` is the stable id across re-deliveries. Sleep and HRV belong to their
 * `calendarDate` (Garmin's wake-up day); without it, the day of the end time at the record's offset.
 * `timeOffsetHeartRateSamples` (15 s) stays in raw only: 5,760 rows a day is not worth a column.
 */

const summary = { summaryId: z.string().min(1), userId: optStr };

const activity = z.looseObject({
  ...summary,
  activityName: optStr,
  activityType: optStr,
  startTimeInSeconds: z.number(),
  startTimeOffsetInSeconds: optNum,
  durationInSeconds: optNum,
  movingDurationInSeconds: optNum,
  distanceInMeters: optNum,
  activeKilocalories: optNum,
  averageHeartRateInBeatsPerMinute: optNum,
  maxHeartRateInBeatsPerMinute: optNum,
  totalElevationGainInMeters: optNum,
  steps: optNum,
  deviceName: optStr,
});

const daily = z.looseObject({
  ...summary,
  calendarDate: isoDate,
  steps: optNum,
  distanceInMeters: optNum,
  activeKilocalories: optNum,
  bmrKilocalories: optNum,
  restingHeartRateInBeatsPerMinute: optNum,
  averageHeartRateInBeatsPerMinute: optNum,
});

const sleep = z.looseObject({
  ...summary,
  calendarDate: isoDate.nullish(),
  startTimeInSeconds: z.number(),
  startTimeOffsetInSeconds: optNum,
  durationInSeconds: z.number(),
  deepSleepDurationInSeconds: optNum,
  lightSleepDurationInSeconds: optNum,
  remSleepInSeconds: optNum,
  awakeDurationInSeconds: optNum,
  overallSleepScore: z.looseObject({ value: optNum }).nullish(),
});

const bodyComp = z.looseObject({
  ...summary,
  measurementTimeInSeconds: z.number(),
  measurementTimeOffsetInSeconds: optNum,
  weightInGrams: optNum,
  bodyFatInPercent: optNum,
  bodyMassIndex: optNum,
  muscleMassInGrams: optNum,
  boneMassInGrams: optNum,
  bodyWaterInPercent: optNum,
});

const hrv = z.looseObject({
  ...summary,
  calendarDate: isoDate,
  lastNightAvg: optNum,
  startTimeInSeconds: optNum,
  hrvValues: z.record(z.string(), z.number()).nullish(),
});

const offsetMin = (s: number | null | undefined) => Math.round((s ?? 0) / 60);
const sum = (...v: Array<number | null | undefined>) => (v.some((x) => x != null) ? v.reduce<number>((a, x) => a + (x ?? 0), 0) : null);

export const garminTransforms = {
  activities: (records) => {
    const b = new BatchBuilder("garmin", "activities");
    return b
      .each(records, activity, (a, original) => {
        const startAt = fromEpochSeconds(a.startTimeInSeconds);
        const offset = offsetMin(a.startTimeOffsetInSeconds);
        const duration = n(a.durationInSeconds);
        b.activity({
          externalId: a.summaryId,
          type: activityType(a.activityType),
          name: a.activityName ?? null,
          startAt,
          endAt: duration !== null ? new Date(startAt.getTime() + duration * 1000) : null,
          localDate: localDate(startAt, offset),
          utcOffsetMinutes: a.startTimeOffsetInSeconds != null ? offset : null,
          durationS: duration,
          movingS: n(a.movingDurationInSeconds),
          distanceM: n(a.distanceInMeters),
          energyKcal: n(a.activeKilocalories),
          avgHr: n(a.averageHeartRateInBeatsPerMinute),
          maxHr: n(a.maxHeartRateInBeatsPerMinute),
          elevationGainM: n(a.totalElevationGainInMeters),
          steps: a.steps != null ? Math.round(a.steps) : null,
          source: a.deviceName ?? null,
          raw: original,
        });
        b.raw(a.summaryId, original);
      })
      .result();
  },

  dailies: (records) => {
    const b = new BatchBuilder("garmin", "dailies");
    return b
      .each(records, daily, (d, original) => {
        b.dailyPart(
          d.calendarDate,
          {
            steps: d.steps != null ? Math.round(d.steps) : null,
            distanceM: n(d.distanceInMeters),
            activeEnergyKcal: n(d.activeKilocalories),
            totalEnergyKcal: sum(d.activeKilocalories, d.bmrKilocalories),
            restingHr: n(d.restingHeartRateInBeatsPerMinute),
            avgHr: n(d.averageHeartRateInBeatsPerMinute),
          },
          original,
        );
        b.raw(d.summaryId, original);
      })
      .result();
  },

  sleeps: (records) => {
    const b = new BatchBuilder("garmin", "sleeps");
    return b
      .each(records, sleep, (s, original) => {
        const startAt = fromEpochSeconds(s.startTimeInSeconds);
        const endAt = fromEpochSeconds(s.startTimeInSeconds + s.durationInSeconds);
        const offset = offsetMin(s.startTimeOffsetInSeconds);
        const day = s.calendarDate ?? localDate(endAt, offset);
        const asleep = sum(s.deepSleepDurationInSeconds, s.lightSleepDurationInSeconds, s.remSleepInSeconds);
        const score = n(s.overallSleepScore?.value);
        b.sleep({
          externalId: s.summaryId,
          startAt,
          endAt,
          localDate: day,
          utcOffsetMinutes: s.startTimeOffsetInSeconds != null ? offset : null,
          inBedS: s.durationInSeconds,
          asleepS: asleep,
          deepS: n(s.deepSleepDurationInSeconds),
          lightS: n(s.lightSleepDurationInSeconds),
          remS: n(s.remSleepInSeconds),
          awakeS: n(s.awakeDurationInSeconds),
          score,
          isNap: false, // Garmin's sleep summaries are the main sleep (naps are not in this feed)
          raw: original,
        });
        b.dailyPart(day, { sleepS: asleep, sleepScore: score }, original);
        b.raw(s.summaryId, original);
      })
      .result();
  },

  bodyComps: (records) => {
    const b = new BatchBuilder("garmin", "bodyComps");
    return b
      .each(records, bodyComp, (c, original) => {
        const at = fromEpochSeconds(c.measurementTimeInSeconds);
        const offset = c.measurementTimeOffsetInSeconds == null ? null : offsetMin(c.measurementTimeOffsetInSeconds);
        const weight = c.weightInGrams != null ? c.weightInGrams / 1000 : null;
        b.measurement("weight", at, weight, null, offset);
        b.measurement("fat_ratio", at, c.bodyFatInPercent, null, offset);
        b.measurement("bmi", at, c.bodyMassIndex, null, offset);
        b.measurement("muscle_mass", at, c.muscleMassInGrams != null ? c.muscleMassInGrams / 1000 : null, null, offset);
        b.measurement("bone_mass", at, c.boneMassInGrams != null ? c.boneMassInGrams / 1000 : null, null, offset);
        b.measurement("body_water", at, c.bodyWaterInPercent, null, offset);
        if (weight !== null) b.dailyPart(localDate(at, offsetMin(c.measurementTimeOffsetInSeconds)), { weightKg: weight }, original);
        b.raw(c.summaryId, original);
      })
      .result();
  },

  hrv: (records) => {
    const b = new BatchBuilder("garmin", "hrv");
    return b
      .each(records, hrv, (h, original) => {
        // lastNightAvg and the 5-minute hrvValues are RMSSD.
        b.dailyPart(h.calendarDate, { hrvRmssdMs: n(h.lastNightAvg) }, original);
        if (h.startTimeInSeconds != null) {
          for (const [offset, value] of Object.entries(h.hrvValues ?? {})) {
            b.measurement("hrv_rmssd", fromEpochSeconds(h.startTimeInSeconds + Number(offset)), value);
          }
        }
        b.raw(h.summaryId, original);
      })
      .result();
  },
} satisfies Record<string, Transform>;
