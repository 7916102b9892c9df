import { addDays, dayContext, dayNumber, localDay, localInstant, profileOf, tzOffset, type DayContext } from "../../data/core";
import { dayActivity, night, sessions, weightOn, type SportKey } from "../../data/generators/shared";
import { seededHex } from "../../ids";

/**
 * Garmin summaries for the simulator's pushes (Garmin has no pull endpoints, so the data module
 * serves none): deterministic per (account, local day), in the Health API's push shapes
 * (providers.md §2), built from the same shared day model as the other providers' generators.
 * Only the fields the Garmin transforms read, plus a few real ones around them.
 */

export type GarminSummaryType = "activities" | "dailies" | "sleeps" | "bodyComps" | "hrv";

const ACTIVITY_TYPES: Record<SportKey, string> = {
  run: "RUNNING",
  ride: "CYCLING",
  walk: "WALKING",
  swim: "LAP_SWIMMING",
  strength: "STRENGTH_TRAINING",
  hike: "HIKING",
  yoga: "YOGA",
};

const s = (ms: number) => Math.floor(ms / 1000);
const summaryId = (ctx: DayContext, kind: string) => `x${seededHex(`garmin:${ctx.account}:${ctx.day}:${kind}`, 7)}-${dayNumber(ctx.day).toString(16)}`;

function dayRecords(ctx: DayContext, type: GarminSummaryType): Array<{ atMs: number; body: Record<string, unknown> }> {
  const tz = ctx.profile.timezone;
  switch (type) {
    case "activities":
      return sessions(ctx).map((x) => ({
        atMs: x.startMs,
        body: {
          summaryId: `${summaryId(ctx, `activity-${x.seq}`)}`,
          activityId: Number.parseInt(seededHex(`garmin-activity:${ctx.account}:${ctx.day}:${x.seq}`, 10), 16),
          activityName: `${ACTIVITY_TYPES[x.sport].toLowerCase().replace(/_/g, " ")}`,
          activityType: ACTIVITY_TYPES[x.sport],
          startTimeInSeconds: s(x.startMs),
          startTimeOffsetInSeconds: tzOffset(tz, x.startMs) * 60,
          durationInSeconds: x.durationS,
          movingDurationInSeconds: x.movingS,
          distanceInMeters: x.distanceM ?? undefined,
          activeKilocalories: x.kcal,
          averageHeartRateInBeatsPerMinute: x.avgHr,
          maxHeartRateInBeatsPerMinute: x.maxHr,
          totalElevationGainInMeters: x.elevationM ?? undefined,
          steps: x.steps ?? undefined,
          deviceName: "forerunner965",
          manual: false,
        },
      }));
    case "dailies": {
      const d = dayActivity(ctx);
      const start = localInstant(ctx.day, 0, tz);
      return [
        {
          atMs: start,
          body: {
            summaryId: summaryId(ctx, "daily"),
            calendarDate: ctx.day,
            startTimeInSeconds: s(start),
            startTimeOffsetInSeconds: tzOffset(tz, start) * 60,
            durationInSeconds: 86_400,
            steps: d.steps,
            distanceInMeters: d.distanceM,
            activeKilocalories: d.activeKcal,
            bmrKilocalories: d.bmr,
            restingHeartRateInBeatsPerMinute: ctx.profile.restingHr,
            averageHeartRateInBeatsPerMinute: d.avgHr,
          },
        },
      ];
    }
    case "sleeps": {
      const n = night(ctx);
      return [
        {
          atMs: n.startMs,
          body: {
            summaryId: summaryId(ctx, "sleep"),
            calendarDate: ctx.day,
            startTimeInSeconds: s(n.startMs),
            startTimeOffsetInSeconds: tzOffset(tz, n.startMs) * 60,
            durationInSeconds: n.inBedS,
            deepSleepDurationInSeconds: n.deepS,
            lightSleepDurationInSeconds: n.lightS,
            remSleepInSeconds: n.remS,
            awakeDurationInSeconds: n.awakeS,
            validation: "DEVICE",
            overallSleepScore: { value: n.score, qualifierKey: n.score >= 80 ? "GOOD" : "FAIR" },
          },
        },
      ];
    }
    case "hrv": {
      const n = night(ctx);
      return [
        {
          atMs: n.startMs,
          body: {
            summaryId: summaryId(ctx, "hrv"),
            calendarDate: ctx.day,
            lastNightAvg: n.hrvRmssd,
            lastNight5MinHigh: n.hrvRmssd + 12,
            startTimeInSeconds: s(n.startMs),
            hrvValues: { "300": n.hrvRmssd - 3, "600": n.hrvRmssd + 2, "900": n.hrvRmssd },
          },
        },
      ];
    }
    case "bodyComps": {
      if (!ctx.rng("garmin-scale").chance(0.35)) return [];
      const at = localInstant(ctx.day, 7 * 60 + 10, tz);
      const kg = weightOn(ctx, dayNumber(ctx.day));
      return [
        {
          atMs: at,
          body: {
            summaryId: summaryId(ctx, "bodycomp"),
            measurementTimeInSeconds: s(at),
            measurementTimeOffsetInSeconds: tzOffset(tz, at) * 60,
            weightInGrams: Math.round(kg * 1000),
            bodyMassIndex: Math.round((kg / ctx.profile.heightM ** 2) * 10) / 10,
            bodyFatInPercent: ctx.profile.sex === "male" ? 18.5 : 26.5,
          },
        },
      ];
    }
  }
}

/** The account's summaries of `type` whose time falls in [from, to), oldest first. */
export function garminRecords(account: string, type: GarminSummaryType, from: Date, to: Date): Array<Record<string, unknown>> {
  const profile = profileOf(account);
  const out: Array<Record<string, unknown>> = [];
  const first = addDays(localDay(from.getTime(), profile.timezone), -1);
  const last = addDays(localDay(to.getTime(), profile.timezone), 1);
  for (let d = first; d <= last; d = addDays(d, 1)) {
    for (const r of dayRecords(dayContext("garmin", account, d, profile), type)) {
      if (r.atMs >= from.getTime() && r.atMs < to.getTime()) out.push(r.body);
    }
  }
  return out;
}
