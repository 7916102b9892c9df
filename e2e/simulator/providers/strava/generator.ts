import { stravaAthleteId } from "./oauth";
import { dayNumber, isoZ, Rng, round, tzOffset, wall, type DayContext, type GenRecord, type ProviderSpec } from "../../data/core";
import { session, sessions, type Session, type SportKey } from "../../data/generators/shared";

/** Strava SummaryActivity (`GET /api/v3/athlete/activities`). */

const TYPES: Record<SportKey, string> = { run: "Run", ride: "Ride", walk: "Walk", swim: "Swim", strength: "WeightTraining", hike: "Hike", yoga: "Yoga" };
const NAMES: Record<SportKey, string> = { run: "Run", ride: "Ride", walk: "Walk", swim: "Swim", strength: "Weight Training", hike: "Hike", yoga: "Yoga" };

/** Strava ids are global integers; this keeps each account's ids apart and exact in a double. */
function idBase(account: string): number {
  return (new Rng(`strava-ids:${account}`).int(1_000, 8_999_999) * 1_000_000) as number;
}

function partOfDay(ms: number, offset: number): string {
  const h = new Date(ms + offset * 60_000).getUTCHours();
  return h < 12 ? "Morning" : h < 17 ? "Afternoon" : h < 21 ? "Evening" : "Night";
}

function toRecord(ctx: DayContext, s: Session, id: number): GenRecord {
  const tz = ctx.profile.timezone;
  const offset = tzOffset(tz, s.startMs);
  const athleteId = Number(stravaAthleteId(ctx.account));
  const endMs = s.startMs + s.durationS * 1000;
  const speed = s.distanceM ? round(s.distanceM / s.movingS, 3) : 0;
  const body: Record<string, unknown> = {
    resource_state: 2,
    athlete: { id: athleteId, resource_state: 1 },
    name: `${partOfDay(s.startMs, offset)} ${NAMES[s.sport]}`,
    distance: s.distanceM ?? 0,
    moving_time: s.movingS,
    elapsed_time: s.durationS,
    total_elevation_gain: s.elevationM ?? 0,
    type: TYPES[s.sport],
    sport_type: TYPES[s.sport],
    workout_type: null,
    id,
    start_date: isoZ(s.startMs),
    // Strava writes the local wall clock with a "Z" that means nothing.
    start_date_local: `${wall(s.startMs, offset)}Z`,
    timezone: `(GMT${offset < 0 ? "-" : "+"}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0")}:${String(Math.abs(offset) % 60).padStart(2, "0")}) ${tz}`,
    utc_offset: offset * 60,
    location_country: null,
    achievement_count: 0,
    kudos_count: 0,
    comment_count: 0,
    athlete_count: 1,
    photo_count: 0,
    trainer: false,
    commute: false,
    manual: false,
    private: false,
    visibility: "everyone",
    flagged: false,
    gear_id: null,
    start_latlng: [],
    end_latlng: [],
    average_speed: speed,
    max_speed: round(speed * 1.6, 3),
    has_heartrate: true,
    average_heartrate: s.avgHr,
    max_heartrate: s.maxHr,
    heartrate_opt_out: false,
    display_hide_heartrate_option: true,
    upload_id: id + 1,
    external_id: `sim_${id}.fit`,
    from_accepted_tag: false,
    pr_count: 0,
    total_photo_count: 0,
    has_kudoed: false,
    ...(s.sport === "ride" ? { kilojoules: round(s.kcal * 0.9, 1), device_watts: false, average_watts: round((s.kcal * 0.9 * 1000) / s.movingS, 1) } : {}),
  };
  return { id: String(id), day: ctx.day, at: s.startMs, updatedAt: endMs + 15 * 60_000, body };
}

export const stravaGenerator: ProviderSpec = {
  activities: {
    day: (ctx) => sessions(ctx).map((s) => toRecord(ctx, s, idBase(ctx.account) + dayNumber(ctx.day) * 10 + s.seq)),
    make: (ctx, at, salt) => {
      const s = { ...session(ctx, `admin:${salt}`, 0, Math.floor(at / 1000) * 1000) };
      return toRecord(ctx, s, idBase(ctx.account) + 500_000 + new Rng(`strava-add:${salt}`).int(0, 499_999));
    },
    touch: () => {
      // SummaryActivity has no modification time.
    },
  },
};

