import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activities, measurements, rawRecords, sleepSessions } from "@/lib/db/schema";
import { post, userWithKey } from "@/lib/ingest/testing";
import { dailySeries, latestActivities, latestNights } from "@/lib/reconcile/read";
import { testDb, type TestDb } from "@/test/db";
import { ImportFileError } from "./apple-file";
import { importAppleExport } from "./run";

const FIX = path.join(process.cwd(), "src/lib/import/fixtures");
const fx = (name: string) => path.join(FIX, name);
const NOW = new Date("2024-06-02T00:00:00Z");

let t: TestDb;
beforeAll(async () => {
  t = await testDb();
}, 60_000);
afterAll(async () => t?.close());

const stepsOn = async (userId: string, date: string) =>
  (await dailySeries(t.db, userId, { from: date, to: date, metric: ["steps"] }))[0]?.metrics.steps;

describe("Apple Health export import", () => {
  it("maps records, sleep stages, the workout with its zipped route, and the activity summary", async () => {
    const { userId } = await userWithKey(t.db, "apple-zip");
    const summary = await importAppleExport(t.db, userId, fx("export.zip"), { now: NOW });
    expect(summary.damaged.count).toBe(0);
    expect(summary.routes).toEqual({ read: 1, missing: [] });
    expect(summary.records.HKQuantityTypeIdentifierStepCount).toBe(2);
    expect(summary.records.Workout).toBe(1);

    const ms = await t.db.select().from(measurements).where(eq(measurements.userId, userId));
    const weight = ms.find((m) => m.type === "weight")!;
    expect(weight.value).toBeCloseTo(162.84 * 0.45359237, 6); // lb → kg
    expect(weight.source).toBe("Withings");
    expect(weight.utcOffsetMinutes).toBe(-420);
    expect(weight.localDate).toBe("2024-05-31");
    expect(ms.find((m) => m.type === "spo2")!.value).toBeCloseTo(97, 6); // fraction → %
    const watchSteps = ms.find((m) => m.type === "steps" && m.source === "Alex’s Apple Watch")!;
    expect(watchSteps.measuredAt.toISOString()).toBe("2024-05-31T14:30:10.000Z");
    expect(watchSteps.endAt?.toISOString()).toBe("2024-05-31T14:40:00.000Z");
    const phoneSteps = ms.find((m) => m.type === "steps" && m.source === "Alex’s iPhone")!;
    expect(phoneSteps.raw).toMatchObject({ device: { name: "iPhone", hardware: "iPhone15,2" } });
    expect(ms.filter((m) => m.type.startsWith("bp_")).map((m) => [m.type, m.value]).sort()).toEqual([
      ["bp_diastolic", 79],
      ["bp_systolic", 121],
    ]);

    const [night] = await t.db.select().from(sleepSessions).where(eq(sleepSessions.userId, userId));
    expect(night.localDate).toBe("2024-05-31");
    expect(night.deepS).toBe(40.5 * 60);
    expect(night.remS).toBe(45.5 * 60);
    expect(night.awakeS).toBe(4.5 * 60);

    const [run] = await t.db.select().from(activities).where(eq(activities.userId, userId));
    expect(run.type).toBe("running");
    expect(run.durationS).toBeCloseTo(30.25 * 60, 6);
    expect(run.distanceM).toBeCloseTo(3.12 * 1609.344, 6);
    expect(run.avgHr).toBeCloseTo(151.3, 6);
    expect(run.elevationGainM).toBeCloseTo(42, 6);
    expect(run.source).toBe("Alex’s Apple Watch");
    const route = (run.samples as { route: Array<{ lat: number; speed_mps: number }> }).route;
    expect(route).toHaveLength(3);
    expect(route[0]).toMatchObject({ lat: 37.7749, speed_mps: 2.95 });
    expect(run.raw).toMatchObject({ events: { items: expect.arrayContaining([expect.objectContaining({ type: "HKWorkoutEventTypePause" })]) } });

    const rings = await t.db
      .select()
      .from(rawRecords)
      .where(and(eq(rawRecords.userId, userId), eq(rawRecords.resource, "ActivitySummary")));
    expect(rings.map((r) => r.externalId)).toEqual(["2024-05-31"]);
  }, 60_000);

  it("importing the same export twice changes nothing", async () => {
    const { userId } = await userWithKey(t.db, "apple-twice");
    const first = await importAppleExport(t.db, userId, fx("export.zip"), { now: NOW });
    expect(first.counts.measurement.inserted).toBeGreaterThan(0);
    const before = await t.db.select().from(measurements).where(eq(measurements.userId, userId));
    const steps = await stepsOn(userId, "2024-05-31");
    const again = await importAppleExport(t.db, userId, fx("export.zip"), { now: NOW });
    for (const table of Object.values(again.counts)) {
      expect(table.inserted).toBe(0);
      expect(table.updated).toBe(0);
    }
    expect(again.duplicates).toBeGreaterThan(0);
    const after = await t.db.select().from(measurements).where(eq(measurements.userId, userId));
    expect(after).toHaveLength(before.length);
    expect(await stepsOn(userId, "2024-05-31")).toEqual(steps);
  }, 60_000);

  it("a sample from the file and the same sample from the phone app are one reconciled value", async () => {
    // Health Auto Export's shape for the Watch's step sample that is also in export.xml.
    const phone = JSON.stringify({
      data: {
        metrics: [
          {
            name: "step_count",
            units: "count",
            data: [{ date: "2024-05-31 07:30:10 -0700", qty: 798, source: "Alex’s Apple Watch" }],
          },
        ],
      },
    });
    const fileOnly = await userWithKey(t.db, "apple-file-only");
    await importAppleExport(t.db, fileOnly.userId, fx("export.xml"), { now: NOW });
    const both = await userWithKey(t.db, "apple-both");
    expect((await post(t.db, phone, { key: both.key })).status).toBe(200);
    const phoneOnly = await stepsOn(both.userId, "2024-05-31");
    expect(phoneOnly?.value).toBe(798);
    await importAppleExport(t.db, both.userId, fx("export.xml"), { now: NOW });

    const expected = await stepsOn(fileOnly.userId, "2024-05-31");
    const got = await stepsOn(both.userId, "2024-05-31");
    expect(got?.value).toBe(expected?.value);
    expect(got?.sources).toEqual(expected?.sources);
    const stepRows = (uid: string) =>
      t.db.select().from(measurements).where(and(eq(measurements.userId, uid), eq(measurements.type, "steps")));
    expect(await stepRows(both.userId)).toHaveLength((await stepRows(fileOnly.userId)).length);
  }, 60_000);

  it("the workout and the night from the file and from the phone app are one reconciled episode each", async () => {
    const phone = JSON.stringify({
      data: {
        workouts: [
          {
            id: "5A1E0000-0000-4000-8000-000000000001",
            name: "Outdoor Run",
            start: "2024-05-31 07:30:40 -0700",
            end: "2024-05-31 08:00:55 -0700",
            duration: 1815,
            distance: { qty: 3.12, units: "mi" },
          },
        ],
        metrics: [
          {
            name: "sleep_analysis",
            units: "hr",
            data: [
              { startDate: "2024-05-30 23:04:30 -0700", endDate: "2024-05-30 23:39:30 -0700", value: "Core", source: "Alex’s Apple Watch" },
              { startDate: "2024-05-30 23:39:30 -0700", endDate: "2024-05-31 00:20:00 -0700", value: "Deep", source: "Alex’s Apple Watch" },
            ],
          },
        ],
      },
    });
    const u = await userWithKey(t.db, "apple-episodes");
    expect((await post(t.db, phone, { key: u.key })).status).toBe(200);
    await importAppleExport(t.db, u.userId, fx("export.zip"), { now: NOW });
    const stored = await t.db.select().from(activities).where(eq(activities.userId, u.userId));
    expect(stored).toHaveLength(2); // the phone's copy and the file's copy, each kept per source
    const episodes = await latestActivities(t.db, u.userId, 10);
    expect(episodes).toHaveLength(1);
    expect(episodes[0].copies).toHaveLength(2);
    const nights = await latestNights(t.db, u.userId, 10);
    expect(nights.filter((n) => !n.isNap)).toHaveLength(1);
  }, 60_000);

  it("skips and reports the damaged lines of a broken iOS 16 export, and imports the rest", async () => {
    const { userId } = await userWithKey(t.db, "apple-ios16");
    const summary = await importAppleExport(t.db, userId, fx("export-ios16-broken.xml"), { now: NOW });
    expect(summary.damaged.count).toBeGreaterThan(0);
    expect(summary.damaged.issues[0].line).toBe(33);
    expect(summary.damaged.issues[0].reason).toMatch(/character/i);
    const ms = await t.db.select().from(measurements).where(eq(measurements.userId, userId));
    expect(ms.some((m) => m.type === "weight")).toBe(false); // the broken record
    expect(ms.some((m) => m.type === "spo2")).toBe(true); // its neighbours
    expect(ms.some((m) => m.type === "bp_systolic")).toBe(true);
  }, 60_000);

  it("refuses a truncated zip and a file that is not an export, with a precise message", async () => {
    const { userId } = await userWithKey(t.db, "apple-bad");
    await expect(importAppleExport(t.db, userId, fx("export-truncated.zip"), { now: NOW })).rejects.toThrow(ImportFileError);
    await expect(importAppleExport(t.db, userId, fx("export-truncated.zip"), { now: NOW })).rejects.toThrow(/truncated|damaged/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-"));
    const notExport = path.join(dir, "x.xml");
    fs.writeFileSync(notExport, "<gpx></gpx>");
    await expect(importAppleExport(t.db, userId, notExport, { now: NOW })).rejects.toThrow(/HealthData/);
    fs.writeFileSync(notExport, "hello");
    await expect(importAppleExport(t.db, userId, notExport, { now: NOW })).rejects.toThrow(/neither a zip nor an XML/);
    fs.rmSync(dir, { recursive: true });
  }, 60_000);
});
