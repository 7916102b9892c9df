import { corosOpenId } from "./oauth";
import { dayNumber, epoch, Rng, tzOffset, type DayContext, type GenRecord, type ProviderSpec } from "../../data/core";
import { session, sessions, type Session, type SportKey } from "../../data/generators/shared";

/**
 * COROS `sport/list` workouts. Time zones are in 15-minute units; western zones are written as
 * negative units (UNCONFIRMED, see src/lib/normalize/providers/coros.ts). Fields beyond C2C's
 * (labelId, mode, subMode, times, zones, distance, duration, fitUrl) are not invented.
 */

const MODES: Record<SportKey, [number, number]> = { run: [8, 1], ride: [9, 1], walk: [31, 1], swim: [10, 2], strength: [23, 2], hike: [16, 1], yoga: [18, 2] };

function record(ctx: DayContext, s: Session, labelId: string): GenRecord {
  const [mode, subMode] = MODES[s.sport];
  const end = s.startMs + s.durationS * 1000;
  const zone = (ms: number) => Math.round(tzOffset(ctx.profile.timezone, ms) / 15);
  return {
    id: labelId,
    day: ctx.day,
    at: s.startMs,
    updatedAt: end,
    body: {
      openId: corosOpenId(ctx.account),
      labelId,
      mode,
      subMode,
      startTime: epoch(s.startMs),
      endTime: epoch(end),
      startTimezone: zone(s.startMs),
      endTimezone: zone(end),
      ...(s.distanceM !== null ? { distance: s.distanceM } : {}),
      duration: s.durationS,
      fitUrl: `https://oss.coros.com/fit/${corosOpenId(ctx.account).slice(0, 12)}/${labelId}.fit`,
    },
  };
}

const base = (account: string) => BigInt(new Rng(`coros-ids:${account}`).int(100_000, 999_999)) * 10n ** 12n;

export const corosGenerator: ProviderSpec = {
  sport_list: {
    day: (ctx) => sessions(ctx).map((s) => record(ctx, s, String(base(ctx.account) + BigInt(dayNumber(ctx.day) * 10 + s.seq)))),
    make: (ctx, ms, salt) =>
      record(ctx, session(ctx, `admin:${salt}`, 0, Math.floor(ms / 1000) * 1000), String(base(ctx.account) + 5_000_000_000n + BigInt(new Rng(salt).int(0, 999_999_999)))),
  },
};
