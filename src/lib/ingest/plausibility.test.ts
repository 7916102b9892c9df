import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dailySummaries, measurements } from "@/lib/db/schema";
import { engines, type TestDb } from "@/test/db";
import { parseBridgeDate } from "../normalize/dates";
import { post, userWithKey } from "./testing";

/** Out-of-range values: refused by name while the rest lands; a day's total wider than int4 is fine. */

const NOW = new Date("2024-06-01T12:00:00Z");
const metric = (name: string, units: string, points: string[]) =>
  `{"name":"${name}","units":"${units}","data":[${points.join(",")}]}`;
const hae = (...metrics: string[]) => `{"data":{"metrics":[${metrics.join(",")}]}}`;
const p = (date: string, qty: number) => `{"date":"${date}","qty":${qty}}`;
const hr = (date: string, avg: number) => `{"date":"${date}","Avg":${avg},"Min":${avg},"Max":${avg}}`;

describe.each(engines)("plausibility ($name)", ({ open }) => {
  let t: TestDb;
  let user: Awaited<ReturnType<typeof userWithKey>>;
  beforeAll(async () => {
    t = await open();
    user = await userWithKey(t.db, "plausible");
  });
  afterAll(() => t?.close());
  const send = (body: string) => post(t.db, body, { key: user.key, opts: { now: NOW } });

  it("a day whose total passes 2^31 steps is stored, and later requests touching it still land", async () => {
    // 22 000 plausible points (≤ 100 000 steps each, one per 3 s) on 2024-05-01: 2.2e9 steps.
    const points: string[] = [];
    for (let i = 0; i < 22_000; i++) {
      const s = i * 3;
      const hh = String(Math.floor(s / 3600)).padStart(2, "0");
      const mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
      const ss = String(s % 60).padStart(2, "0");
      points.push(p(`2024-05-01 ${hh}:${mm}:${ss} +0000`, 100_000));
    }
    const first = await send(hae(metric("step_count", "count", points)));
    expect(first.status).toBe(200); // before: 500 (integer out of range), nothing stored
    const day = () =>
      t.db
        .select()
        .from(dailySummaries)
        .where(and(eq(dailySummaries.userId, user.userId), eq(dailySummaries.date, "2024-05-01")));
    expect((await day())[0].steps).toBe(2_200_000_000);

    // A later request for the same day with an unrelated point (before: 500 for good).
    const later = await send(hae(metric("step_count", "count", [p("2024-05-01 23:59:59 +0000", 10)]), metric("weight_body_mass", "kg", [p("2024-05-01 07:00:00 +0000", 80)])));
    expect(later.status).toBe(200);
    expect(later.json.counts.measurement.inserted).toBe(2);
    expect((await day())[0]).toMatchObject({ steps: 2_200_000_010, weightKg: 80 });
  });

  it("implausible points are refused by name; the rest of the request lands", async () => {
    const res = await send(
      hae(
        metric("heart_rate", "count/min", [
          hr("2024-05-02 08:00:00 +0000", 10_000),
          hr("2024-05-02 08:01:00 +0000", -50),
          hr("2024-05-02 08:02:00 +0000", 72),
        ]),
        metric("step_count", "count", [
          p("2024-05-02 09:00:00 +0000", -5),
          p("1900-01-01 09:00:00 +0000", 100),
          p("3000-01-01 09:00:00 +0000", 100),
          p("0001-01-01 09:00:00 +0000", 100),
          p("2024-05-02 09:05:00 +0000", 500),
        ]),
      ),
    );
    expect(res.status).toBe(200);
    expect(res.json.refused).toEqual({
      count: 6,
      points: [
        { type: "heart_rate", at: "2024-05-02T08:00:00.000Z", value: 10_000, reason: "heart_rate must be between 20 and 300 bpm (got 10000)" },
        { type: "heart_rate", at: "2024-05-02T08:01:00.000Z", value: -50, reason: "heart_rate must be between 20 and 300 bpm (got -50)" },
        { type: "steps", at: "2024-05-02T09:00:00.000Z", value: -5, reason: "steps must be between 0 and 100000 steps (got -5)" },
        { type: "steps", at: "1900-01-01T09:00:00.000Z", value: 100, reason: "the date 1900-01-01 is before 2000-01-01" },
        { type: "steps", at: "3000-01-01T09:00:00.000Z", value: 100, reason: "the date 3000-01-01 is in the future" },
        { type: "steps", at: "0001-01-01T09:00:00.000Z", value: 100, reason: "the date 0001-01-01 is before 2000-01-01" },
      ],
    });
    const stored = await t.db
      .select({ type: measurements.type, value: measurements.value, at: measurements.measuredAt })
      .from(measurements)
      .where(and(eq(measurements.userId, user.userId), eq(measurements.provider, "apple_health")));
    const may2 = stored.filter((m) => m.at.toISOString().startsWith("2024-05-02")).map((m) => [m.type, m.value]);
    expect(may2.sort()).toEqual([["heart_rate", 72], ["steps", 500]]);
    expect(stored.some((m) => m.at.getUTCFullYear() < 2000 || m.at.getUTCFullYear() > 2024)).toBe(false);
  });
});

describe("dates", () => {
  it("year 0001 is year 1, not 1901", () => {
    expect(parseBridgeDate("0001-01-01 09:00:00 +0000")!.at.toISOString()).toBe("0001-01-01T09:00:00.000Z");
    expect(parseBridgeDate("0099-12-31")!.at.getUTCFullYear()).toBe(99);
    expect(parseBridgeDate("2024-02-31 09:00:00 +0000")).toBeNull();
    expect(parseBridgeDate("2024-02-29 09:00:00 +0000")!.at.toISOString()).toBe("2024-02-29T09:00:00.000Z");
  });
});
