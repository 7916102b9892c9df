import { describe, expect, it } from "vitest";
import { z } from "zod";
import { activityType, BatchBuilder, isoDurationSeconds, parseOffset, wallClockToInstant, zoneOf } from "./transform";
import { providerList } from "@/lib/providers";
import { garminTransforms } from "@/lib/providers/garmin/transform";

describe("normalize helpers", () => {
  it("maps vendor sport names", () => {
    expect(activityType("TrailRun")).toBe("running");
    expect(activityType("MountainBikeRide")).toBe("cycling");
    expect(activityType("LAP_SWIMMING")).toBe("swimming");
    expect(activityType("strengthTraining")).toBe("strength_training");
    expect(activityType("weightlifting")).toBe("strength_training");
    expect(activityType("WATERSPORTS_WATERSKI", "OTHER")).toBe("other");
    expect(activityType(undefined, "Hike")).toBe("hiking");
    expect(activityType("Quidditch")).toBe("other");
  });

  it("parses offsets and ISO durations", () => {
    expect(parseOffset("+05:30")).toBe(330);
    expect(parseOffset("-0500")).toBe(-300);
    expect(parseOffset("Z")).toBe(0);
    expect(parseOffset("Europe/Paris")).toBeNull();
    expect(isoDurationSeconds("PT2H44M")).toBe(9840);
    expect(isoDurationSeconds("PT18H23M30S")).toBe(66210);
    expect(isoDurationSeconds("P1DT1S")).toBe(86401);
    expect(isoDurationSeconds("PT")).toBeNull();
  });

  it("places wall clocks in a zone across a DST change", () => {
    const paris = zoneOf("Europe/Paris");
    // 2024-03-31 03:30 exists only after the spring-forward (CEST, +02:00) → 01:30Z
    expect(wallClockToInstant(new Date("2024-03-31T03:30:00Z"), paris)).toEqual({ at: new Date("2024-03-31T01:30:00Z"), offsetMinutes: 120 });
    // 01:30 the same night is still CET (+01:00) → 00:30Z
    expect(wallClockToInstant(new Date("2024-03-31T01:30:00Z"), paris).at).toEqual(new Date("2024-03-31T00:30:00Z"));
    expect(() => zoneOf("Nowhere/Land")).toThrow(/unknown time zone/);
  });

  it("a record failing halfway leaves no rows behind", () => {
    const b = new BatchBuilder("strava", "things");
    b.each([{ v: 1 }, { v: 2 }], z.object({ v: z.number() }), (r) => {
      b.measurement("weight", new Date(0), r.v);
      if (r.v === 2) throw new Error("boom");
    });
    const { batch, skipped } = b.result();
    expect(batch.measurements.map((m) => m.value)).toEqual([1]);
    expect(skipped).toEqual([{ reason: "boom", record: { v: 2 } }]);
  });

  it("merges parts of one day within a batch, later columns winning", () => {
    const b = new BatchBuilder("strava", "days");
    b.each([{ d: "2024-01-01", s: 1 }, { d: "2024-01-01", s: 2 }], z.object({ d: z.string(), s: z.number() }), (r, o) => b.dailyPart(r.d, { steps: r.s, restingHr: r.s === 1 ? 50 : null }, o));
    expect(b.result().batch.dailySummaries).toEqual([{ provider: "strava", date: "2024-01-01", steps: 2, restingHr: 50, raw: { "strava:days": { d: "2024-01-01", s: 2 } } }]);
  });

  it("registers the resources the engine asks for", () => {
    const names = Object.fromEntries(providerList.flatMap((p) => (p.pull ? [[p.id, Object.keys(p.pull.transforms).sort()]] : [])));
    names.garmin = Object.keys(garminTransforms).sort(); // Garmin's are for its pushes
    expect(names).toEqual({
      strava: ["activities", "webhook_events"],
      garmin: ["activities", "bodyComps", "dailies", "hrv", "sleeps"],
      oura: ["daily_activity", "daily_readiness", "daily_sleep", "heartrate", "sleep", "workout"],
      whoop: ["body_measurement", "cycle", "recovery", "sleep", "workout"],
      google_health: [
        "active_energy_burned",
        "body_fat",
        "daily_heart_rate_variability",
        "daily_oxygen_saturation",
        "daily_resting_heart_rate",
        "distance",
        "exercise",
        "floors",
        "heart_rate",
        "heart_rate_variability",
        "respiratory_rate_sleep_summary",
        "sleep",
        "steps",
        "vo2_max",
        "weight",
      ],
      polar: ["activities", "continuous_heart_rate", "exercises", "nightly_recharge", "physical_info", "sleep"],
      coros: ["sport_list"],
      withings: ["activity", "measures", "sleep_summary", "workouts"],
      hevy: ["body_measurements", "workout_events", "workouts"],
      eightsleep: ["trends"],
    });
  });
});
