import { z } from "zod";
import type { ActivityType } from "@/lib/normalize/activity-types";
import { activityType, anyId, BatchBuilder, fromEpochSeconds, localDate, n, optNum, optStr } from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * COROS Open API `GET /v2/coros/sport/list` → `data[]` (and the webhook's `sportDataList[]`, same
 * fields). Times are epoch seconds; `startTimezone`/`endTimezone` are the record's own offset in
 * 15-MINUTE units (32 → UTC+8). Western zones as negative units (−20 → UTC−5) are UNCONFIRMED:
 * C2C's validator only saw positive values. Sport = (mode, subMode), names from C2C's table.
 */

/**
 * (mode, subMode) → COROS's sport name, from C2C's table (`coros.api.ts`). C2C keys it by
 * mode × 100 + subMode, which fits 801/802/901/902 but not its other keys (101 "Open Water", 131
 * "Triathlon", 311 "Walk"…): those only make sense as a two-digit mode followed by the subMode
 * (10/1, 13/1, 31/1). That reading is UNCONFIRMED (COROS's docs are private).
 */
export const COROS_SPORTS: Record<string, string> = {
  "8:1": "Outdoor Run",
  "8:2": "Indoor Run",
  "9:1": "Outdoor Bike",
  "9:2": "Indoor Bike",
  "10:1": "Open Water",
  "10:2": "Pool Swim",
  "13:1": "Triathlon",
  "13:2": "Multisport",
  "13:3": "Ski Touring",
  "14:1": "Mountain Climb",
  "15:1": "Trail Run",
  "16:1": "Hike",
  "18:1": "GPS Cardio",
  "18:2": "Gym Cardio",
  "19:1": "XC Ski",
  "20:1": "Track Run",
  "21:1": "Ski",
  "21:2": "Snowboard",
  "22:1": "Pilot",
  "23:2": "Strength",
  "24:1": "Rowing",
  "24:2": "Indoor Rower",
  "25:1": "Whitewater",
  "26:1": "Flatwater",
  "27:1": "Windsurfing",
  "28:1": "Speedsurfing",
  "29:1": "Ski Touring",
  "31:1": "Walk",
  "33:2": "Single-Pitch",
  "34:2": "Jump Rope",
};

/** Names the keyword rules would map wrongly or not at all. */
const TYPE_OVERRIDES: Record<string, ActivityType> = {
  "10:1": "swimming",
  "10:2": "swimming",
  "13:1": "other",
  "13:2": "other",
  "14:1": "climbing",
  "33:2": "climbing",
  "25:1": "paddling",
  "26:1": "paddling",
  "34:2": "hiit",
};

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
        const code = `${w.mode}:${w.subMode}`;
        const name = COROS_SPORTS[code] ?? null;
        const startAt = fromEpochSeconds(w.startTime);
        const offset = w.startTimezone * 15;
        const duration = w.duration ?? (w.endTime != null ? w.endTime - w.startTime : null);
        b.activity({
          externalId: w.labelId,
          type: TYPE_OVERRIDES[code] ?? activityType(name),
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
