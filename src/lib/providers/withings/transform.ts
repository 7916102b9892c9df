import { z } from "zod";
import {
  activityType,
  anyId,
  BatchBuilder,
  ctxZone,
  fromEpochSeconds,
  isoDate,
  localDate,
  n,
  optNum,
  optStr,
  zoneOf,
  type MeasurementType,
} from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * Withings Public Health Data API (`{status:0, body}`):
 * - `measures`: `body.measuregrps[]` of getmeas; pass `body.timezone` as `ctx.timezone`. A value is
 *   `value × 10^unit`; groups of category 2 (objectives, not measurements) are skipped. A group's
 *   own `timezone`, when it carries one, decides its local day (the weigh-in happened there);
 *   otherwise the answer's. Groups Withings cannot attribute to this user are kept raw only (see
 *   UNATTRIBUTED).
 * - `workouts`: `body.series[]` of getworkouts; each has its own IANA `timezone`.
 * - `sleep_summary`: `body.series[]` of v2/sleep getsummary → a sleep_session AND the day's part
 *   (total sleep, sleep score, `hr_average` → resting HR) under raw key "withings:sleep_summary".
 *   `sleep_efficiency` is a 0–1 ratio in Withings' docs (values > 1 are taken as percentages).
 * - `activity`: `body.activities[]` of getactivity → the day's part (steps, distance, energy).
 */

/** getmeas meastype → our measurement type (providers.md §8). */
export const WITHINGS_MEASTYPES: Record<number, MeasurementType> = {
  1: "weight",
  4: "height",
  5: "fat_free_mass",
  6: "fat_ratio",
  8: "fat_mass",
  9: "bp_diastolic",
  10: "bp_systolic",
  11: "heart_rate",
  12: "body_temperature",
  54: "spo2",
  71: "body_temperature",
  73: "skin_temperature",
  76: "muscle_mass",
  77: "hydration",
  88: "bone_mass",
  91: "pulse_wave_velocity",
  123: "vo2max",
  170: "visceral_fat",
  226: "basal_metabolic_rate",
};

/**
 * getmeas `attrib` values whose group may not be this user's: 1 = captured by a device but "may
 * belong to other users as well as this one (it is ambiguous)", 4 = "entered manually during user
 * creation (and may not be accurate)" (Withings' measuregrp_object; 0/8 device and known, 2 manual
 * for this user, 5 BPM auto, 7 confirmed, 15 guided: all the user's). A guest stepping on the scale
 * must not become the user's weight, so such groups make no measurement and no daily weight; their
 * raw record is kept (not skipped: the record is valid), so that once the user assigns the weigh-in
 * in the Withings app its group changes, comes back through `lastupdate` and is normalized then.
 */
export const WITHINGS_UNATTRIBUTED = new Set([1, 4]);

/**
 * getworkouts `category` → sport name. UNCONFIRMED: this list is from Withings' public docs as
 * remembered, not from providers.md; unknown codes become "other".
 */
export const WITHINGS_WORKOUT_CATEGORIES: Record<number, string> = {
  1: "walk",
  2: "run",
  3: "hiking",
  4: "skating",
  6: "bicycling",
  7: "swimming",
  8: "surfing",
  12: "tennis",
  16: "weights",
  18: "elliptical",
  19: "pilates",
  21: "soccer",
  27: "golf",
  28: "yoga",
  29: "dancing",
  30: "boxing",
  34: "skiing",
  35: "snowboarding",
  36: "other",
  187: "rowing",
  195: "climbing",
  306: "indoor walking",
  307: "indoor running",
  308: "indoor cycling",
};

/** Exact decimal scaling: 7500 × 10^−2 = 7500 / 100 (multiplying by 0.01 is not exact). */
export function withingsValue(value: number, unit: number): number {
  return unit < 0 ? value / 10 ** -unit : value * 10 ** unit;
}

const group = z.looseObject({
  grpid: anyId,
  date: z.number(),
  category: optNum,
  attrib: optNum,
  /** Not in Withings' measuregrp_object reference, but sent per group by the API (UNCONFIRMED). */
  timezone: optStr,
  measures: z.array(z.looseObject({ value: z.number(), type: z.number().int(), unit: z.number().int() })),
});

const workout = z.looseObject({
  id: anyId,
  category: optNum,
  timezone: optStr,
  startdate: z.number(),
  enddate: optNum,
  date: isoDate.nullish(),
  data: z
    .looseObject({
      calories: optNum,
      distance: optNum,
      steps: optNum,
      hr_average: optNum,
      hr_max: optNum,
      elevation: optNum,
    })
    .nullish(),
});

const sleepSummary = z.looseObject({
  id: anyId,
  timezone: optStr,
  startdate: z.number(),
  enddate: z.number(),
  date: isoDate,
  data: z.looseObject({
    total_sleep_time: optNum,
    total_timeinbed: optNum,
    sleep_efficiency: optNum,
    deepsleepduration: optNum,
    lightsleepduration: optNum,
    remsleepduration: optNum,
    wakeupduration: optNum,
    hr_average: optNum,
    hr_min: optNum,
    sleep_score: optNum,
  }),
});

const activity = z.looseObject({
  date: isoDate,
  steps: optNum,
  distance: optNum,
  calories: optNum,
  totalcalories: optNum,
  hr_average: optNum,
});

export const withingsTransforms = {
  measures: (records, ctx?) => {
    const b = new BatchBuilder("withings", "measures");
    const zone = ctxZone(ctx);
    const sorted = [...records].sort((x, y) => Number((x as { date?: unknown })?.date ?? 0) - Number((y as { date?: unknown })?.date ?? 0));
    return b
      .each(sorted, group, (g, original) => {
        if (g.category === 2) return; // an objective, not a measurement
        b.raw(g.grpid, original);
        if (g.attrib != null && WITHINGS_UNATTRIBUTED.has(g.attrib)) return;
        const at = fromEpochSeconds(g.date);
        const groupZone = g.timezone ? zoneOf(g.timezone) : zone;
        let weight: number | null = null;
        for (const m of g.measures) {
          const type = WITHINGS_MEASTYPES[m.type];
          if (!type) continue;
          const value = withingsValue(m.value, m.unit);
          b.measurement(type, at, value, null, groupZone.offsetAt(at));
          if (type === "weight") weight = value;
        }
        if (weight !== null) b.dailyPart(localDate(at, groupZone.offsetAt(at)), { weightKg: weight }, original);
      })
      .result();
  },

  workouts: (records, ctx?) => {
    const b = new BatchBuilder("withings", "workouts");
    const fallback = ctxZone(ctx);
    return b
      .each(records, workout, (w, original) => {
        const zone = w.timezone ? zoneOf(w.timezone) : fallback;
        const startAt = fromEpochSeconds(w.startdate);
        const offset = zone.offsetAt(startAt);
        const name = w.category != null ? (WITHINGS_WORKOUT_CATEGORIES[w.category] ?? null) : null;
        b.activity({
          externalId: w.id,
          type: activityType(name),
          name,
          startAt,
          endAt: w.enddate != null ? fromEpochSeconds(w.enddate) : null,
          localDate: localDate(startAt, offset),
          utcOffsetMinutes: offset,
          durationS: w.enddate != null ? w.enddate - w.startdate : null,
          distanceM: n(w.data?.distance),
          energyKcal: n(w.data?.calories),
          avgHr: n(w.data?.hr_average),
          maxHr: n(w.data?.hr_max),
          elevationGainM: n(w.data?.elevation),
          steps: w.data?.steps != null ? Math.round(w.data.steps) : null,
          raw: original,
        });
        b.raw(w.id, original);
      })
      .result();
  },

  sleep_summary: (records, ctx?) => {
    const b = new BatchBuilder("withings", "sleep_summary");
    const fallback = ctxZone(ctx);
    return b
      .each(records, sleepSummary, (s, original) => {
        const zone = s.timezone ? zoneOf(s.timezone) : fallback;
        const endAt = fromEpochSeconds(s.enddate);
        const d = s.data;
        const efficiency = d.sleep_efficiency == null ? null : d.sleep_efficiency <= 1 ? d.sleep_efficiency * 100 : d.sleep_efficiency;
        // Not recorded is not zero: a night with sleep but 0 s in every stage comes from a device
        // that records no stages, and 0 s in bed next to a real span was not measured.
        const asleep = n(d.total_sleep_time);
        const stageless = !!asleep && !d.deepsleepduration && !d.lightsleepduration && !d.remsleepduration;
        const stage = (v: number | null | undefined) => (stageless ? null : n(v));
        b.sleep({
          externalId: s.id,
          startAt: fromEpochSeconds(s.startdate),
          endAt,
          localDate: s.date,
          utcOffsetMinutes: zone.offsetAt(endAt),
          inBedS: d.total_timeinbed || s.enddate - s.startdate,
          asleepS: asleep,
          deepS: stage(d.deepsleepduration),
          lightS: stage(d.lightsleepduration),
          remS: stage(d.remsleepduration),
          awakeS: stage(d.wakeupduration),
          efficiencyPct: efficiency,
          avgHr: n(d.hr_average),
          minHr: n(d.hr_min),
          score: n(d.sleep_score),
          raw: original,
        });
        b.dailyPart(s.date, { sleepS: n(d.total_sleep_time), sleepScore: n(d.sleep_score), restingHr: n(d.hr_average) }, original);
        b.raw(s.id, original);
      })
      .result();
  },

  activity: (records) => {
    const b = new BatchBuilder("withings", "activity");
    return b
      .each(records, activity, (a, original) => {
        b.dailyPart(
          a.date,
          {
            steps: a.steps != null ? Math.round(a.steps) : null,
            distanceM: n(a.distance),
            activeEnergyKcal: n(a.calories),
            totalEnergyKcal: n(a.totalcalories),
            avgHr: n(a.hr_average),
          },
          original,
        );
        b.raw(a.date, original);
      })
      .result();
  },
} satisfies Record<string, Transform>;
