import { describe, expect, it } from "vitest";
import type { activities, sleepSessions } from "@/lib/db/schema";
import { IntervalSet, reconcileBest, reconcileSum } from "./day";
import { activityEpisodes, sleepEpisodes } from "./episodes";
import { ranking } from "./priority";

/** The reconciliation rules on their own (no database); the golden cases run in reconcile.test.ts. */

const T = (hhmm: string, day = "2024-05-01") => Date.parse(`${day}T${hhmm}:00Z`);

describe("interval merging", () => {
  it("measures the covered part of an interval and merges what is added", () => {
    const s = new IntervalSet();
    s.addAll([
      [T("10:00"), T("10:10")],
      [T("10:20"), T("10:30")],
      [T("10:05"), T("10:12")],
    ]);
    expect(s.size).toBe(2);
    // 10:08–10:25: covered 10:08–10:12 (4 min) and 10:20–10:25 (5 min).
    expect(s.overlap(T("10:08"), T("10:25"))).toBe(9 * 60_000);
    expect(s.overlap(T("11:00"), T("11:05"))).toBe(0);
  });

  it("three devices: each adds only time nobody better covered", () => {
    const rank = ranking("movement");
    const r = reconcileSum(
      "steps",
      [
        { provider: "apple_health", source: "Apple Watch", samples: [{ start: T("08:00"), end: T("09:00"), value: 600 }] },
        { provider: "apple_health", source: "iPhone", samples: [{ start: T("08:30"), end: T("09:30"), value: 300 }] },
        { provider: "health_connect", source: "com.google.android.apps.fitness", samples: [{ start: T("08:00"), end: T("10:00"), value: 400 }] },
      ],
      [],
      rank,
    )!;
    // Watch 600; iPhone's second half 150; the HC phone's last half hour (09:30–10:00) is 1/4 of 400 = 100.
    expect(r.value).toBeCloseTo(850, 9);
    expect(r.sources.map((s) => s.counted)).toEqual([600, 150, 100]);
  });

  it("a whole-day total ranked first is the value; samples are left out", () => {
    const r = reconcileSum(
      "distance",
      [{ provider: "apple_health", source: "iPhone", samples: [{ start: T("08:00"), end: null, value: 5000 }] }],
      [{ provider: "garmin", source: null, value: 12_000 }],
      ranking("movement"),
    )!;
    expect(r.value).toBe(12_000);
    expect(r.sources[1]).toMatchObject({ provider: "apple_health", status: "left_out", counted: null });
  });

  it("exercise minutes are stored in seconds and answered in minutes", () => {
    const r = reconcileSum("exercise_minutes", [{ provider: "apple_health", source: null, samples: [{ start: T("08:00"), end: null, value: 1800 }] }], [], ranking("movement"))!;
    expect(r).toMatchObject({ value: 30, unit: "min" });
  });

  it("means: the best-ranked source only, the others named as left out", () => {
    const r = reconcileBest(
      "resting_hr",
      [
        { provider: "apple_health", source: "Apple Watch", value: 58 },
        { provider: "oura", source: null, value: 52 },
      ],
      ranking("heart"),
    )!;
    expect(r.value).toBe(52);
    expect(r.sources[1].reason).toMatch(/Oura is ranked higher/);
  });
});

type A = typeof activities.$inferSelect;
type S = typeof sleepSessions.$inferSelect;
let n = 0;
const activity = (p: Partial<A>): A =>
  ({
    id: `a${n++}`,
    userId: "u",
    provider: "garmin",
    externalId: `x${n}`,
    type: "running",
    name: null,
    startAt: new Date(T("07:00")),
    endAt: new Date(T("08:00")),
    localDate: "2024-05-01",
    utcOffsetMinutes: 0,
    durationS: 3600,
    movingS: null,
    distanceM: null,
    energyKcal: null,
    avgHr: null,
    maxHr: null,
    elevationGainM: null,
    steps: null,
    source: null,
    samples: null,
    deletedAt: null,
    raw: {},
    createdAt: new Date(),
    updatedAt: new Date(),
    ...p,
  }) as A;
const night = (p: Partial<S>): S =>
  ({
    id: `s${n++}`,
    userId: "u",
    provider: "oura",
    externalId: `y${n}`,
    startAt: new Date(T("23:00", "2024-04-30")),
    endAt: new Date(T("07:00")),
    localDate: "2024-05-01",
    utcOffsetMinutes: 0,
    inBedS: null,
    asleepS: 7 * 3600,
    deepS: null,
    lightS: null,
    remS: null,
    awakeS: null,
    efficiencyPct: null,
    avgHr: null,
    minHr: null,
    hrvRmssdMs: null,
    hrvSdnnMs: null,
    score: null,
    isNap: false,
    source: null,
    deletedAt: null,
    raw: {},
    createdAt: new Date(),
    updatedAt: new Date(),
    ...p,
  }) as S;

describe("episodes", () => {
  it("Garmin, Strava and Apple Health copies of one run are one workout; each field from its best copy", () => {
    const rows = [
      activity({ provider: "apple_health", name: "Outdoor Run", distanceM: 10_100, steps: 9000, startAt: new Date(T("07:00")), endAt: new Date(T("08:01")) }),
      activity({ provider: "strava", name: "Morning tempo", distanceM: 10_050, elevationGainM: 80 }),
      activity({ provider: "garmin", name: "Running", distanceM: 10_000, avgHr: 151 }),
      activity({ provider: "garmin", type: "cycling", startAt: new Date(T("07:10")), endAt: new Date(T("07:50")) }), // another sport
    ];
    const [run, ride] = activityEpisodes(rows, ranking("activity")).sort((a, b) => a.type.localeCompare(b.type)).reverse();
    expect(run.type).toBe("running");
    expect(run.copies.map((c) => c.provider)).toEqual(["garmin", "strava", "apple_health"]);
    expect(run).toMatchObject({ distanceM: 10_000, avgHr: 151, elevationGainM: 80, steps: 9000, name: "Morning tempo" });
    expect(ride.copies).toHaveLength(1);
  });

  it("workouts overlapping less than half of the shorter one stay apart", () => {
    const rows = [
      activity({ startAt: new Date(T("07:00")), endAt: new Date(T("08:00")) }),
      activity({ provider: "strava", startAt: new Date(T("07:45")), endAt: new Date(T("08:45")) }),
    ];
    expect(activityEpisodes(rows, ranking("activity"))).toHaveLength(2);
  });

  it("per wake-up day one main sleep; a 25-minute nap is a nap, even when its source does not say so", () => {
    const rows = [
      night({ provider: "oura" }),
      night({ provider: "apple_health", source: "Apple Watch", startAt: new Date(T("23:10", "2024-04-30")), endAt: new Date(T("06:50")), asleepS: 6.5 * 3600 }),
      night({ provider: "oura", startAt: new Date(T("14:00")), endAt: new Date(T("14:25")), asleepS: 25 * 60 }),
    ];
    const episodes = sleepEpisodes(rows, ranking("sleep"));
    const main = episodes.filter((e) => !e.isNap);
    expect(main).toHaveLength(1);
    expect(main[0]).toMatchObject({ asleepS: 7 * 3600 });
    expect(main[0].copies.map((c) => c.provider)).toEqual(["oura", "apple_health"]);
    expect(episodes.filter((e) => e.isNap).map((e) => e.asleepS)).toEqual([25 * 60]);
  });
});
