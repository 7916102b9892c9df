import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activities, dailyValues, measurements, rawRecords, reconcileDirty, sleepSessions } from "@/lib/db/schema";
import { post, userWithKey } from "@/lib/ingest/testing";
import { dailySeries, latestActivities, latestNights } from "@/lib/reconcile/read";
import { testDb, type TestDb } from "@/test/db";

const rowsOf = (r: unknown) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Array<Record<string, unknown>>;
import { ImportFileError } from "./apple-file";
import { importAppleExport, partialSummary } from "./run";

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
    // Records, not the daily summaries derived from them: all already there, none stored.
    expect(again.stored).toBe(0);
    expect(again.duplicates).toBe(first.stored + first.duplicates);
    expect(first.stored).toBe(first.counts.measurement.inserted + first.counts.activity.inserted + first.counts.sleep_session.inserted + first.counts.raw_record.inserted);
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

  it("leaves no day unreconciled, and ANALYZEs the tables a large import wrote", async () => {
    const { userId } = await userWithKey(t.db, "apple-analyze");
    const lastAnalyze = async () =>
      rowsOf(await t.db.execute(sql`SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'measurement'`))[0]?.last_analyze ?? null;
    const before = await lastAnalyze();
    // The threshold at one row stands in for a ten-year export (the default is BULK_WRITE_ROWS).
    await importAppleExport(t.db, userId, fx("export.xml"), { now: NOW, analyzeAfterRows: 1 });
    const after = await lastAnalyze();
    expect(after).not.toBeNull();
    expect(String(after)).not.toBe(String(before));
    expect(await t.db.select().from(reconcileDirty).where(eq(reconcileDirty.userId, userId))).toEqual([]);
    const days = await t.db.select().from(dailyValues).where(eq(dailyValues.userId, userId));
    expect(days.map((d) => d.date)).toContain("2024-05-31");
  }, 60_000);

  it("skips and reports the damaged lines of a broken iOS 16 export, and imports the rest", async () => {
    const { userId } = await userWithKey(t.db, "apple-ios16");
    const summary = await importAppleExport(t.db, userId, fx("export-ios16-broken.xml"), { now: NOW });
    // The vertical tab inside the BodyMass record's attribute (the DTD's broken ATTLIST is not checked by a non-validating parser).
    expect(summary.damaged).toEqual({ count: 1, issues: [{ line: 33, column: 66, reason: "disallowed character." }] });
    const ms = await t.db.select().from(measurements).where(eq(measurements.userId, userId));
    expect(ms.some((m) => m.type === "weight")).toBe(false); // the broken record
    expect(ms.some((m) => m.type === "spo2")).toBe(true); // its neighbours
    expect(ms.some((m) => m.type === "bp_systolic")).toBe(true);
  }, 60_000);

  it("a start tag broken mid-way (bytes lost at byte 3191, line 33): that record is skipped and reported, every record after it lands", async () => {
    const whole = await userWithKey(t.db, "apple-whole");
    const full = await importAppleExport(t.db, whole.userId, fx("export.xml"), { now: NOW });
    const { userId } = await userWithKey(t.db, "apple-broken-tag");
    const summary = await importAppleExport(t.db, userId, fx("export-broken-tag.xml"), { now: NOW });
    // saxes notices the damage where the next line's "<" lands inside the unfinished tag.
    expect(summary.damaged.issues[0]).toEqual({ line: 34, column: 3, reason: "disallowed character in attribute name." });
    // Its stray </Record> closed <HealthData> for saxes; the records after it are not "a second root" to us.
    expect(summary.damaged.issues.map((i) => i.reason)).not.toContain("documents may contain only one root.");
    const { HKQuantityTypeIdentifierBodyMass: lost, ...rest } = full.records;
    expect(lost).toBe(1);
    expect(summary.records).toEqual(rest);
    const types = async (uid: string) => (await t.db.select().from(measurements).where(eq(measurements.userId, uid))).map((m) => m.type).sort();
    expect(await types(userId)).toEqual((await types(whole.userId)).filter((ty) => ty !== "weight"));
  }, 60_000);

  it("bytes that are not UTF-8 (byte 2183, line 25) are reported with their line and byte; the record is kept as decoded", async () => {
    const { userId } = await userWithKey(t.db, "apple-utf8");
    const summary = await importAppleExport(t.db, userId, fx("export-bad-utf8.xml"), { now: NOW });
    expect(summary.damaged).toEqual({
      count: 1,
      issues: [{ line: 25, column: 69, reason: "bytes that are not UTF-8 at byte 2,183, read as U+FFFD." }],
    });
    const [rhr] = await t.db.select().from(measurements).where(and(eq(measurements.userId, userId), eq(measurements.type, "resting_heart_rate")));
    expect(rhr.source).toBe("\uFFFDAlex’s Apple Watch");
    // A U+FFFD the file itself spells out (EF BF BD) is text, not damage.
    const other = await userWithKey(t.db, "apple-fffd");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-"));
    const spelled = path.join(dir, "export.xml");
    fs.writeFileSync(spelled, fs.readFileSync(fx("export.xml"), "utf8").replace('sourceName="Withings"', 'sourceName="With\uFFFDings"'));
    expect((await importAppleExport(t.db, other.userId, spelled, { now: NOW })).damaged.count).toBe(0);
    fs.rmSync(dir, { recursive: true });
  }, 60_000);

  it("an export.xml cut short fails with the line, the open element and exactly what landed", async () => {
    const { userId } = await userWithKey(t.db, "apple-cut");
    const err = await importAppleExport(t.db, userId, fx("export-cut.xml"), { now: NOW }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFileError);
    const stored = await t.db.select().from(measurements).where(eq(measurements.userId, userId));
    expect((err as Error).message).toBe(
      "export.xml ends at line 35, column 0 (after 3,384 bytes) inside an unclosed <Record>: the file is cut short (an interrupted copy or download?). " +
        `What was read before it landed: ${stored.length} records stored, 0 already there. Export again from the Health app and import the new file for the rest (nothing is duplicated).`,
    );
    // Everything before the cut is stored (the six records of lines 1–32), the open BodyMass record is not.
    expect(stored.length).toBeGreaterThan(0);
    expect(partialSummary(err)?.stored).toBe(stored.length);
    expect(partialSummary(err)?.records.HKQuantityTypeIdentifierOxygenSaturation).toBe(1);
    expect(stored.some((m) => m.type === "weight")).toBe(false);
  }, 60_000);

  it("refuses a truncated zip and a file that is not an export, with a precise message", async () => {
    const { userId } = await userWithKey(t.db, "apple-bad");
    await expect(importAppleExport(t.db, userId, fx("export-truncated.zip"), { now: NOW })).rejects.toThrow(
      new ImportFileError(
        "The zip file cannot be read (truncated or damaged): End of central directory record signature not found. Either not a zip file, or file is truncated.",
      ),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-"));
    const notExport = path.join(dir, "x.xml");
    fs.writeFileSync(notExport, "<gpx></gpx>");
    await expect(importAppleExport(t.db, userId, notExport, { now: NOW })).rejects.toThrow(
      new ImportFileError("The XML has no <HealthData> element: it is not an Apple Health export.xml."),
    );
    fs.writeFileSync(notExport, "hello");
    await expect(importAppleExport(t.db, userId, notExport, { now: NOW })).rejects.toThrow(
      new ImportFileError("This is neither a zip nor an XML file: send Apple Health's export.zip or its export.xml."),
    );
    fs.rmSync(dir, { recursive: true });
  }, 60_000);
});
