import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activities, reconciledActivities } from "@/lib/db/schema";
import { upsertBatch } from "@/lib/normalize/upsert";
import { reconcilePending } from "@/lib/reconcile/store";
import { userWithKey } from "@/lib/ingest/testing";
import { fitSportType, trackSportType } from "@/lib/normalize/activity-types";
import { testDb, type TestDb } from "@/test/db";
import { fitActivity } from "./activity-file";
import { ImportFileError } from "./apple-file";
import { detectFormat, importFile } from "./run";

const fx = (name: string) => path.join(process.cwd(), "src/lib/import/fixtures", name);
type Samples = {
  heart_rate: Array<{ t: string; bpm: number }>;
  route: Array<{ lat: number; lon: number; alt_m?: number }>;
  series: Record<string, { unit: string; points: Array<{ t: string; v: number }> }>;
};

describe("activity files", () => {
  it("decodes the FIT fixture: session totals, samples, route, offset, sport", () => {
    const { row, points } = fitActivity(fs.readFileSync(fx("activity.fit")));
    expect(points).toBe(61);
    expect(row).toMatchObject({
      provider: "garmin",
      type: "running",
      durationS: 600,
      movingS: 590,
      distanceM: 1800,
      energyKcal: 150,
      avgHr: 134,
      maxHr: 149,
      elevationGainM: 6,
      utcOffsetMinutes: -420,
      localDate: "2024-05-31",
      source: "fr945",
    });
    expect(row.startAt.toISOString()).toBe("2024-05-31T14:30:00.000Z");
    const s = row.samples as Samples;
    expect(s.heart_rate).toHaveLength(61);
    expect(s.route[0].lat).toBeCloseTo(37.7749, 5);
    expect(s.route[0].lon).toBeCloseTo(-122.4194, 5);
    expect(s.series.power.points[1].v).toBe(251);
    expect(s.series.cadence.points[0].v).toBe(85);
    expect(s.series.speed.unit).toBe("m/s");
  });

  it("refuses a FIT file with a bad CRC before reading it", () => {
    expect(() => fitActivity(fs.readFileSync(fx("activity-bad-crc.fit")))).toThrow(
      new ImportFileError("The FIT file is damaged (size or CRC check failed): FIT Runtime Error at byte 1831 CRC error."),
    );
  });

  it("maps sports", () => {
    expect(fitSportType("training", "strengthTraining")).toBe("strength_training");
    expect(fitSportType("fitnessEquipment", "indoorRowing")).toBe("rowing");
    expect(fitSportType("alpineSkiing", "generic")).toBe("skiing");
    expect(fitSportType("cycling", "mountain")).toBe("cycling");
    expect(fitSportType("tennis")).toBe("racket_sport");
    expect(trackSportType("Biking")).toBe("cycling");
    expect(trackSportType("Ride")).toBe("cycling");
    expect(trackSportType("Other")).toBe("other");
  });

  it("tells the formats apart by their bytes", async () => {
    expect(await detectFormat(fx("activity.fit"))).toBe("fit");
    expect(await detectFormat(fx("activity.tcx"))).toBe("tcx");
    expect(await detectFormat(fx("activity-strava.gpx"))).toBe("gpx");
    expect(await detectFormat(fx("export.xml"))).toBe("apple_health_export");
    expect(await detectFormat(fx("export.zip"))).toBe("apple_health_export");
    await expect(detectFormat(fx("README.md"))).rejects.toThrow(/Unknown file type/);
  });
});

describe("activity file import", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
  }, 60_000);
  afterAll(async () => t?.close());

  it("imports FIT, TCX and GPX; a second import changes nothing", async () => {
    const { userId } = await userWithKey(t.db, "files");
    for (const name of ["activity.fit", "activity.tcx", "activity-strava.gpx"]) {
      const first = await importFile(t.db, userId, fx(name));
      expect(first.counts.activity.inserted).toBe(1);
      const again = await importFile(t.db, userId, fx(name));
      expect(again.counts.activity).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    }
    const rows = await t.db.select().from(activities).where(eq(activities.userId, userId));
    const byType = Object.fromEntries(rows.map((r) => [r.type, r]));
    expect(Object.keys(byType).sort()).toEqual(["cycling", "hiking", "running"]);

    const ride = byType.cycling;
    expect(ride).toMatchObject({ provider: "garmin", durationS: 120, distanceM: 800, energyKcal: 25, maxHr: 140, source: "Garmin Edge 530" });
    const rs = ride.samples as Samples;
    expect(rs.series.power.points.map((p) => p.v)).toEqual([180, 195, 205]);
    expect(rs.series.speed.points[1].v).toBe(6.7);
    expect(rs.heart_rate.map((p) => p.bpm)).toEqual([122, 135, 140]);

    const hike = byType.hiking;
    expect(hike.provider).toBe("strava");
    expect(hike.name).toBe("Morning Hike");
    expect(hike.elevationGainM).toBe(30);
    expect(hike.distanceM).toBeGreaterThan(200);
    expect(hike.distanceM).toBeLessThan(300);
    expect((hike.samples as Samples).series.cadence.points.map((p) => p.v)).toEqual([50, 52, 51]);
  }, 60_000);

  it("a FIT file and the same run from the Garmin API are one workout in the reconciled record", async () => {
    const { userId } = await userWithKey(t.db, "file-and-api");
    await importFile(t.db, userId, fx("activity.fit"));
    const [fromFile] = await t.db.select().from(activities).where(eq(activities.userId, userId));
    // The same run as Garmin's Activity API reports it: its own id, times rounded to the second.
    await upsertBatch(t.db, userId, {
      activities: [
        {
          provider: "garmin",
          externalId: "api-21345678901",
          type: fromFile.type,
          name: "Morning Run",
          startAt: new Date(Math.round(fromFile.startAt.getTime() / 1000) * 1000),
          endAt: fromFile.endAt,
          durationS: fromFile.durationS,
          distanceM: (fromFile.distanceM ?? 0) + 1,
          energyKcal: fromFile.energyKcal,
          localDate: fromFile.localDate,
          utcOffsetMinutes: fromFile.utcOffsetMinutes,
          raw: {},
        },
      ],
    });
    await reconcilePending(t.db, userId);
    const episodes = await t.db.select().from(reconciledActivities).where(eq(reconciledActivities.userId, userId));
    expect(episodes).toHaveLength(1);
    expect((episodes[0].copies as Array<{ id: string }>).map((c) => c.id).sort()).toEqual(
      (await t.db.select({ id: activities.id }).from(activities).where(eq(activities.userId, userId))).map((r) => r.id).sort(),
    );
    expect(episodes[0].distanceM).toBeOneOf([fromFile.distanceM, (fromFile.distanceM ?? 0) + 1]); // one copy's, never the sum
  }, 60_000);

  it("reports XML broken at a line and column, and lands nothing", async () => {
    const { userId } = await userWithKey(t.db, "broken-tcx");
    const err = await importFile(t.db, userId, fx("activity-broken.tcx")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFileError);
    expect((err as Error).message).toMatch(/line \d+, column \d+/);
    expect(await t.db.select().from(activities).where(eq(activities.userId, userId))).toHaveLength(0);
  }, 60_000);
});
