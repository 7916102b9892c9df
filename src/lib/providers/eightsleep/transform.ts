import { z } from "zod";
import { BatchBuilder, ctxZone, isoDate, n, optNum, optStr, requireDateTime } from "../shared/transform";
import type { Transform } from "../shared/transform-types";

/**
 * Eight Sleep (unofficial app API) `GET /v1/users/{id}/trends?tz=…` → `days[]`. Each day is the
 * night that ended on it: a sleep_session (when presence times are known) and the day's part
 * (sleep score, sleep time). Session times are UTC; `ctx.timezone` (the `tz` asked for) gives the
 * offset column. Durations are seconds.
 */

const day = z.looseObject({
  day: isoDate,
  score: optNum,
  presenceStart: optStr,
  presenceEnd: optStr,
  presenceDuration: optNum,
  sleepDuration: optNum,
  deepDuration: optNum,
  lightDuration: optNum,
  remDuration: optNum,
  mainSessionId: z.union([z.string(), z.number()]).nullish(),
  incomplete: z.boolean().nullish(),
});

export const eightsleepTransforms = {
  trends: (records, ctx?) => {
    const b = new BatchBuilder("eightsleep", "trends");
    const zone = ctxZone(ctx);
    return b
      .each(records, day, (d, original) => {
        const asleep = n(d.sleepDuration);
        const score = n(d.score);
        if (d.presenceStart && d.presenceEnd) {
          const start = requireDateTime(d.presenceStart, "presenceStart");
          const end = requireDateTime(d.presenceEnd, "presenceEnd");
          b.sleep({
            externalId: d.mainSessionId != null ? String(d.mainSessionId) : d.day,
            startAt: start.at,
            endAt: end.at,
            localDate: d.day,
            utcOffsetMinutes: zone.offsetAt(end.at),
            inBedS: d.presenceDuration ?? (end.at.getTime() - start.at.getTime()) / 1000,
            asleepS: asleep,
            deepS: n(d.deepDuration),
            lightS: n(d.lightDuration),
            remS: n(d.remDuration),
            score,
            raw: original,
          });
        }
        b.dailyPart(d.day, { sleepS: asleep, sleepScore: score }, original);
        b.raw(d.day, original);
      })
      .result();
  },
} satisfies Record<string, Transform>;
