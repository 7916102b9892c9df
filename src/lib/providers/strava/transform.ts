import { z } from "zod";
import { activityType, anyId, BatchBuilder, localDate, n, optNum, optStr, parseDateTime, SkipRecord } from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * Strava API v3 → activity rows.
 * - `activities`: the array of `GET /api/v3/athlete/activities` (SummaryActivity). Times: `start_date`
 *   is UTC; `start_date_local` is the local wall clock written with a (false) `Z`, so the local day
 *   is its date part; `utc_offset` is in seconds. Energy only from `calories` (detailed activities):
 *   `kilojoules` is mechanical work, not energy spent.
 * - `webhook_events`: push bodies (`{object_type, object_id, aspect_type, event_time}`); a deleted
 *   activity becomes a deletion. Creates/updates carry no data (the engine refetches), so they
 *   yield nothing.
 */

const activity = z.looseObject({
  id: anyId,
  name: optStr,
  type: optStr,
  sport_type: optStr,
  start_date: z.string(),
  start_date_local: optStr,
  utc_offset: optNum,
  distance: optNum,
  moving_time: optNum,
  elapsed_time: optNum,
  total_elevation_gain: optNum,
  average_heartrate: optNum,
  max_heartrate: optNum,
  calories: optNum,
  device_name: optStr,
});

const event = z.looseObject({
  object_type: z.string(),
  object_id: anyId,
  aspect_type: z.string(),
  event_time: z.number(),
});

export const stravaTransforms = {
  activities: (records) => {
    const b = new BatchBuilder("strava", "activities");
    return b
      .each(records, activity, (a, original) => {
        const start = parseDateTime(a.start_date);
        if (!start || start.offsetMinutes === null) throw new SkipRecord(`start_date is not a UTC date-time: ${a.start_date}`);
        const local = a.start_date_local ? parseDateTime(a.start_date_local) : null;
        const offsetMinutes = a.utc_offset != null ? Math.round(a.utc_offset / 60) : null;
        const elapsed = n(a.elapsed_time);
        b.activity({
          externalId: a.id,
          type: activityType(a.sport_type, a.type),
          name: a.name ?? null,
          startAt: start.at,
          endAt: elapsed !== null ? new Date(start.at.getTime() + elapsed * 1000) : null,
          localDate: local?.localDate ?? localDate(start.at, offsetMinutes ?? 0),
          utcOffsetMinutes: offsetMinutes,
          durationS: elapsed,
          movingS: n(a.moving_time),
          distanceM: n(a.distance),
          energyKcal: n(a.calories),
          avgHr: n(a.average_heartrate),
          maxHr: n(a.max_heartrate),
          elevationGainM: n(a.total_elevation_gain),
          source: a.device_name ?? null,
          raw: original,
        });
        b.raw(a.id, original);
      })
      .result();
  },

  webhook_events: (records) => {
    const b = new BatchBuilder("strava", "webhook_events");
    return b
      .each(records, event, (e) => {
        if (e.object_type === "activity" && e.aspect_type === "delete") {
          b.deletion({ table: "activity", externalId: e.object_id, deletedAt: new Date(e.event_time * 1000) });
        }
      })
      .result();
  },
} satisfies Record<string, Transform>;
