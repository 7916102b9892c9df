import { z } from "zod";
import { activityType, anyId, BatchBuilder, fromEpochSeconds, localDate, n, optNum, optStr } from "./common";
import type { Transform } from "./types";

/**
 * COROS Open API `GET /v2/coros/sport/list` → `data[]` (and the webhook's `sportDataList[]`, same
 * fields). Times are epoch seconds; `startTimezone`/`endTimezone` are the record's own offset in
 * 15-MINUTE units (32 → UTC+8). Western zones as negative units (−20 → UTC−5) are UNCONFIRMED:
 * C2C's validator only saw positive values. Sport = (mode, subMode), names from C2C's table.
 */

/** mode × 100 + subMode → COROS's sport name (C2C `coros.api.ts`). */
export const COROS_SPORTS: Record<number, string> = {
  801: "Outdoor Run",
  802: "Indoor Run",
  901: "Outdoor Bike",
  902: "Indoor Bike",
  101: "Open Water",
  102: "Pool Swim",
  131: "Triathlon",
  132: "Multisport",
  133: "Ski Touring",
  141: "Mountain Climb",
  151: "Trail Run",
  161: "Hike",
  181: "GPS Cardio",
  182: "Gym Cardio",
  191: "XC Ski",
  201: "Track Run",
  211: "Ski",
  212: "Snowboard",
  221: "Pilot",
  232: "Strength",
  241: "Rowing",
  242: "Indoor Rower",
  251: "Whitewater",
  261: "Flatwater",
  271: "Windsurfing",
  281: "Speedsurfing",
  291: "Ski Touring",
  311: "Walk",
  332: "Single-Pitch",
  342: "Jump Rope",
};

/** Swim names would not match the run/bike keyword rules. */
const TYPE_OVERRIDES: Record<number, string> = { 101: "swimming", 102: "swimming", 131: "other", 132: "other", 141: "climbing", 332: "climbing", 251: "paddling", 261: "paddling", 342: "hiit" };

const workout = z.looseObject({
  labelId: anyId,
  mode: z.number().int(),
  subMode: z.number().int(),
  startTime: z.number(),
  endTime: optNum,
  startTimezone: z.number().int().min(-48).max(56),
  endTimezone: optNum,
  distance: optNum,
  duration: optNum,
  fitUrl: optStr,
});

export const corosTransforms = {
  sport_list: (records) => {
    const b = new BatchBuilder("coros", "sport_list");
    return b
      .each(records, workout, (w, original) => {
        const code = w.mode * 100 + w.subMode;
        const name = COROS_SPORTS[code] ?? null;
        const startAt = fromEpochSeconds(w.startTime);
        const offset = w.startTimezone * 15;
        const duration = w.duration ?? (w.endTime != null ? w.endTime - w.startTime : null);
        b.activity({
          externalId: w.labelId,
          type: (TYPE_OVERRIDES[code] as ReturnType<typeof activityType> | undefined) ?? activityType(name),
          name,
          startAt,
          endAt: w.endTime != null ? fromEpochSeconds(w.endTime) : null,
          localDate: localDate(startAt, offset),
          utcOffsetMinutes: offset,
          durationS: n(duration),
          distanceM: n(w.distance),
          raw: original,
        });
        b.raw(w.labelId, original);
      })
      .result();
  },
} satisfies Record<string, Transform>;
