import { describe, expect, it } from "vitest";
import { healthConnectExerciseType, haeWorkoutType } from "../normalize/activity-types";
import { convert, normalizeUnit, percentFromMaybeFraction } from "./units";
import { TokenBucketLimiter } from "./rate-limit";

describe("convert", () => {
  it.each([
    [100, "kJ", "energy", 100 / 4.184],
    [1, "kcal", "energy", 1],
    [1, "Cal", "energy", 1],
    [3.5, "mi", "length", 3.5 * 1609.344],
    [5, "km", "length", 5000],
    [42, "ft", "length", 42 * 0.3048],
    [165, "lb", "mass", 165 * 0.45359237],
    [11, "st", "mass", 11 * 6.35029318],
    [98.6, "degF", "temperature", 37],
    [36.6, "degC", "temperature", 36.6],
    [7.5, "hr", "duration", 27000],
    [12, "min", "duration", 720],
    [95, "mg/dL", "glucose", 95 / 18.0156],
    [5.3, "mmol<180.1558800000541>/L", "glucose", 5.3],
    [16, "kPa", "pressure", 16 * 7.500616827],
    [72, "count/min", "rate", 72],
    [45, "ms", "milliseconds", 45],
    [8, "fl_oz_us", "volume", 8 * 29.5735295625],
    [10, "mph", "speed", 4.4704],
  ] as const)("%d %s", (value, unit, dim, expected) => {
    expect(convert(value, unit, dim)).toBeCloseTo(expected, 9);
  });

  it("refuses units it does not know, and non-finite values", () => {
    expect(convert(1, "furlong", "length")).toBeNull();
    expect(convert(1, "kg", "length")).toBeNull();
    expect(convert(1, 5, "mass")).toBeNull();
    expect(convert(Number.NaN, "kg", "mass")).toBeNull();
    expect(normalizeUnit(" Count/Min ")).toBe("count/min");
  });

  it("reads values ≤ 1 as fractions for percentages Apple stores as fractions", () => {
    expect(percentFromMaybeFraction(0.97)).toBe(97);
    expect(percentFromMaybeFraction(96)).toBe(96);
  });
});

describe("activity types", () => {
  it("maps Health Connect ints, stringified ints and names", () => {
    expect(healthConnectExerciseType("56")).toBe("running");
    expect(healthConnectExerciseType(79)).toBe("walking");
    expect(healthConnectExerciseType("8")).toBe("cycling");
    expect(healthConnectExerciseType("running")).toBe("running");
    expect(healthConnectExerciseType("strength_training")).toBe("strength_training");
    expect(healthConnectExerciseType("999")).toBe("other");
    expect(healthConnectExerciseType("juggling")).toBe("other");
  });

  it("maps Health Auto Export workout names", () => {
    expect(haeWorkoutType("Outdoor Run")).toBe("running");
    expect(haeWorkoutType("Indoor Walk")).toBe("walking");
    expect(haeWorkoutType("Outdoor Cycling")).toBe("cycling");
    expect(haeWorkoutType("Pool Swim")).toBe("swimming");
    expect(haeWorkoutType("Traditional Strength Training")).toBe("strength_training");
    expect(haeWorkoutType("High Intensity Interval Training")).toBe("hiit");
    expect(haeWorkoutType("Hiking")).toBe("hiking");
    expect(haeWorkoutType("Curling")).toBe("other");
  });
});

describe("TokenBucketLimiter", () => {
  it("allows a burst, then refills at the configured rate, per key", () => {
    const l = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 0.5 });
    expect(l.take("a", 0).ok).toBe(true);
    expect(l.take("a", 0).ok).toBe(true);
    expect(l.take("a", 0)).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(l.take("b", 0).ok).toBe(true);
    expect(l.take("a", 2000).ok).toBe(true);
    expect(l.take("a", 2000).ok).toBe(false);
  });
});
