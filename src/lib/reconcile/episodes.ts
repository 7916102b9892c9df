import type { activities, EpisodeCopy, sleepSessions } from "@/lib/db/schema";
import { byRank, sourceLabel, type Ranking } from "./priority";

/**
 * Copies of one workout or one night recorded by several sources (a Garmin run that Strava and Apple
 * Health also hold; one night from a ring and a sleep pad) become one episode: copies overlap in time
 * by at least half of the shorter one (and, for workouts, are the same sport family). The episode
 * links its copies and takes each field from the best-ranked copy that has it. Pure: see store.ts.
 */

type ActivityRowDb = typeof activities.$inferSelect;
type SleepRowDb = typeof sleepSessions.$inferSelect;

/** Share of the shorter copy that must overlap the other for both to be one episode. */
export const SAME_EPISODE_OVERLAP = 0.5;

const FAMILIES: string[][] = [
  ["running"],
  ["walking", "hiking"],
  ["cycling"],
  ["swimming"],
  ["strength_training", "hiit"],
  ["skiing", "snowboarding"],
  ["paddling", "rowing"],
];
export const sportFamily = (type: string): string => FAMILIES.find((f) => f.includes(type))?.[0] ?? type;

type Timed = { start: number; end: number };

/** Groups items whose times overlap enough (union–find over a sweep by start). */
function cluster<T>(items: T[], time: (t: T) => Timed, compatible: (a: T, b: T) => boolean): T[][] {
  const order = items.map((item, i) => ({ item, i, ...time(item) })).sort((a, b) => a.start - b.start);
  const parent = items.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let x = 0; x < order.length; x++) {
    const a = order[x];
    for (let y = x + 1; y < order.length && order[y].start < a.end; y++) {
      const b = order[y];
      const overlap = Math.min(a.end, b.end) - b.start;
      const shorter = Math.min(a.end - a.start, b.end - b.start);
      if (shorter > 0 && overlap >= SAME_EPISODE_OVERLAP * shorter && compatible(a.item, b.item)) parent[find(b.i)] = find(a.i);
    }
  }
  const groups = new Map<number, T[]>();
  for (const { item, i } of order) {
    const root = find(i);
    const g = groups.get(root) ?? [];
    g.push(item);
    groups.set(root, g);
  }
  return [...groups.values()];
}

/** The first copy (best first) with a non-null value of each field, and which copy gave it. */
function pick<T extends Record<string, unknown>>(copies: T[], fields: readonly (keyof T & string)[]) {
  const values: Partial<T> = {};
  const from = new Map<T, string[]>();
  for (const field of fields) {
    const c = copies.find((x) => x[field] !== null && x[field] !== undefined);
    if (!c) continue;
    values[field] = c[field];
    from.set(c, [...(from.get(c) ?? []), field]);
  }
  return { values, from };
}

const ACTIVITY_FIELDS = [
  "durationS",
  "movingS",
  "distanceM",
  "energyKcal",
  "avgHr",
  "maxHr",
  "elevationGainM",
  "steps",
] as const satisfies readonly (keyof ActivityRowDb)[];

export type ActivityEpisode = Omit<typeof import("@/lib/db/schema").reconciledActivities.$inferInsert, "userId" | "id">;

const activityTime = (a: ActivityRowDb): Timed => {
  const start = a.startAt.getTime();
  const end = a.endAt?.getTime() ?? (a.durationS ? start + a.durationS * 1000 : start + 60_000);
  return { start, end: Math.max(end, start + 1000) };
};

export function activityEpisodes(rows: ActivityRowDb[], rank: Ranking): ActivityEpisode[] {
  return cluster(rows, activityTime, (a, b) => sportFamily(a.type) === sportFamily(b.type)).map((group) => {
    const copies = byRank(group, rank);
    const primary = copies[0];
    const { values, from } = pick(copies, ACTIVITY_FIELDS);
    // A title the person gave (Strava) beats a device's generic one; otherwise the best copy's.
    const named = copies.find((c) => c.provider === "strava" && c.name) ?? copies.find((c) => c.name);
    if (named) from.set(named, [...(from.get(named) ?? []), "name"]);
    // A specific sport beats "other".
    const typed = copies.find((c) => c.type !== "other") ?? primary;
    return {
      primaryId: primary.id,
      localDate: primary.localDate,
      type: typed.type,
      name: named?.name ?? null,
      startAt: primary.startAt,
      endAt: primary.endAt,
      utcOffsetMinutes: primary.utcOffsetMinutes,
      durationS: null,
      movingS: null,
      distanceM: null,
      energyKcal: null,
      avgHr: null,
      maxHr: null,
      elevationGainM: null,
      steps: null,
      ...values,
      copies: copies.map((c) => copyOf(c, from.get(c) ?? [], c === primary, primary)),
    };
  });
}

const SLEEP_STAGE_FIELDS = ["asleepS", "inBedS", "deepS", "lightS", "remS", "awakeS", "efficiencyPct"] as const;
const SLEEP_OTHER_FIELDS = ["avgHr", "minHr", "hrvRmssdMs", "hrvSdnnMs", "score"] as const satisfies readonly (keyof SleepRowDb)[];

export type SleepEpisode = Omit<typeof import("@/lib/db/schema").reconciledSleep.$inferInsert, "userId" | "id">;

/**
 * Nights and naps. Stages are taken together from one copy (the best one that measured sleep), so a
 * night never mixes one tracker's deep sleep with another's REM. Per wake-up day the longest night is
 * the main sleep; any other episode that day is a nap, as is one every source calls a nap.
 */
export function sleepEpisodes(rows: SleepRowDb[], rank: Ranking): SleepEpisode[] {
  const time = (s: SleepRowDb): Timed => ({ start: s.startAt.getTime(), end: Math.max(s.endAt.getTime(), s.startAt.getTime() + 1000) });
  const episodes = cluster(rows, time, () => true).map((group) => {
    const copies = byRank(group, rank);
    const staged = copies.find((c) => c.asleepS !== null) ?? copies[0];
    const { values, from } = pick(copies, SLEEP_OTHER_FIELDS);
    from.set(staged, [...SLEEP_STAGE_FIELDS.filter((f) => staged[f] !== null), ...(from.get(staged) ?? [])]);
    const primary = copies[0];
    return {
      primaryId: primary.id,
      localDate: staged.localDate,
      isNap: copies.every((c) => c.isNap),
      startAt: staged.startAt,
      endAt: staged.endAt,
      utcOffsetMinutes: staged.utcOffsetMinutes,
      asleepS: staged.asleepS,
      inBedS: staged.inBedS,
      deepS: staged.deepS,
      lightS: staged.lightS,
      remS: staged.remS,
      awakeS: staged.awakeS,
      efficiencyPct: staged.efficiencyPct,
      avgHr: null,
      minHr: null,
      hrvRmssdMs: null,
      hrvSdnnMs: null,
      score: null,
      ...values,
      copies: copies.map((c) => copyOf(c, from.get(c) ?? [], c === primary, primary, "night")),
    } satisfies SleepEpisode;
  });
  const longest = new Map<string, SleepEpisode>();
  const length = (e: SleepEpisode) => e.endAt.getTime() - e.startAt.getTime();
  for (const e of episodes) {
    if (e.isNap) continue;
    const best = longest.get(e.localDate);
    if (!best || length(e) > length(best)) longest.set(e.localDate, e);
  }
  for (const e of episodes) if (!e.isNap && longest.get(e.localDate) !== e) e.isNap = true;
  return episodes;
}

function copyOf(
  c: { id: string; provider: EpisodeCopy["provider"]; source: string | null },
  fields: string[],
  isPrimary: boolean,
  primary: { provider: EpisodeCopy["provider"]; source: string | null },
  what: "workout" | "night" = "workout",
): EpisodeCopy {
  const reason = isPrimary
    ? `Best-ranked copy of this ${what}.`
    : `The same ${what} as ${sourceLabel(primary)} (overlapping in time${what === "workout" ? ", same sport" : ""})${fields.length ? "; fills what better copies lack" : "; nothing taken from it"}.`;
  return { id: c.id, provider: c.provider, source: c.source, fields, reason };
}
