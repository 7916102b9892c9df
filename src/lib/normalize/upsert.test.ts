import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activities, dailySummaries, measurements, rawRecords, users } from "@/lib/db/schema";
import { engines, type TestDb } from "@/test/db";
import type { MeasurementRow } from "./types";
import { addCounts, CHUNK_ROWS, CopyStage, upsertBatch, upsertRows } from "./upsert";

for (const engine of engines) {
  describe(`upsertBatch on ${engine.name}`, () => {
    let t: TestDb;
    let alice: string;
    let bob: string;

    beforeAll(async () => {
      t = await engine.open();
      const rows = await t.db
        .insert(users)
        .values([{ email: "alice@example.com" }, { email: "bob@example.com" }])
        .returning({ id: users.id });
      [alice, bob] = rows.map((r) => r.id);
    });
    afterAll(async () => t?.close());

    const m = (minute: number, value: number, extra: Partial<MeasurementRow> = {}): MeasurementRow => ({
      provider: "apple_health" as const,
      type: "heart_rate",
      measuredAt: new Date(Date.UTC(2024, 0, 1, 0, minute)),
      value,
      unit: "bpm",
      source: "Apple Watch",
      raw: null,
      ...extra,
    });

    it("counts inserted, then unchanged, then updated exactly (xmax = 0)", async () => {
      const first = await upsertBatch(t.db, alice, { measurements: [m(0, 60), m(1, 61), m(2, 62)] });
      expect(first.measurement).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
      const again = await upsertBatch(t.db, alice, { measurements: [m(0, 60), m(1, 61), m(2, 62)] });
      expect(again.measurement).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
      const changed = await upsertBatch(t.db, alice, {
        measurements: [m(0, 60), m(1, 99), m(2, 62, { raw: { min: 50 } }), m(3, 63)],
      });
      expect(changed.measurement).toEqual({ inserted: 1, updated: 2, unchanged: 1 });
      const rows = await t.db
        .select({ value: measurements.value, raw: measurements.raw })
        .from(measurements)
        .where(eq(measurements.userId, alice))
        .orderBy(measurements.measuredAt);
      expect(rows).toEqual([
        { value: 60, raw: null },
        { value: 99, raw: null },
        { value: 62, raw: { min: 50 } },
        { value: 63, raw: null },
      ]);
    });

    it("keeps the last of repeated keys within one call", async () => {
      const counts = await upsertRows(t.db, "measurement", alice, [m(10, 70), m(10, 71), m(10, 72)]);
      expect(counts).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
      const [row] = await t.db
        .select({ value: measurements.value })
        .from(measurements)
        .where(and(eq(measurements.userId, alice), eq(measurements.measuredAt, new Date(Date.UTC(2024, 0, 1, 0, 10)))));
      expect(row.value).toBe(72);
    });

    it("takes user_id from the argument, never from the row", async () => {
      const sneaky = { ...m(20, 80), userId: alice } as MeasurementRow;
      const counts = await upsertBatch(t.db, bob, { measurements: [sneaky] });
      expect(counts.measurement.inserted).toBe(1);
      const owners = await t.db
        .select({ userId: measurements.userId })
        .from(measurements)
        .where(eq(measurements.measuredAt, new Date(Date.UTC(2024, 0, 1, 0, 20))));
      expect(owners).toEqual([{ userId: bob }]);
    });

    it("keeps users apart on identical natural keys", async () => {
      const act = {
        provider: "apple_health" as const,
        externalId: "W-1",
        type: "running",
        startAt: new Date("2024-02-06T15:00:00Z"),
        localDate: "2024-02-06",
        distanceM: 1000,
      };
      expect((await upsertBatch(t.db, alice, { activities: [act] })).activity.inserted).toBe(1);
      expect((await upsertBatch(t.db, bob, { activities: [{ ...act, distanceM: 5 }] })).activity.inserted).toBe(1);
      const rows = await t.db
        .select({ userId: activities.userId, distanceM: activities.distanceM })
        .from(activities)
        .where(eq(activities.externalId, "W-1"));
      expect(rows.sort((a, b) => (a.distanceM! > b.distanceM! ? -1 : 1))).toEqual([
        { userId: alice, distanceM: 1000 },
        { userId: bob, distanceM: 5 },
      ]);
    });

    it("merges daily summaries: non-null wins, null keeps, raw merged per key", async () => {
      const day = { provider: "health_connect" as const, date: "2024-05-31" };
      const a = await upsertBatch(t.db, alice, {
        dailySummaries: [{ ...day, steps: 9412, activeEnergyKcal: 400, raw: { exports: { steps: 9412 } } }],
      });
      expect(a.daily_summary).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
      const b = await upsertBatch(t.db, alice, {
        dailySummaries: [{ ...day, steps: null, weightKg: 75.5, activeEnergyKcal: 412.57, raw: { webhook: { n: 1 } } }],
      });
      expect(b.daily_summary).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
      const c = await upsertBatch(t.db, alice, { dailySummaries: [{ ...day, weightKg: 75.5, raw: { webhook: { n: 1 } } }] });
      expect(c.daily_summary).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
      const [row] = await t.db
        .select()
        .from(dailySummaries)
        .where(and(eq(dailySummaries.userId, alice), eq(dailySummaries.date, "2024-05-31")));
      expect(row).toMatchObject({
        steps: 9412,
        activeEnergyKcal: 412.57,
        weightKg: 75.5,
        restingHr: null,
        raw: { exports: { steps: 9412 }, webhook: { n: 1 } },
      });
    });

    it("updates raw_record payloads only when they change", async () => {
      const raw = { provider: "apple_health" as const, resource: "metric:walking_speed", externalId: "x", payload: { qty: 1 } };
      expect((await upsertBatch(t.db, alice, { raw: [raw] })).raw_record).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
      expect((await upsertBatch(t.db, alice, { raw: [raw] })).raw_record).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
      expect((await upsertBatch(t.db, alice, { raw: [{ ...raw, payload: { qty: 2 } }] })).raw_record.updated).toBe(1);
      const [row] = await t.db.select({ payload: rawRecords.payload }).from(rawRecords).where(eq(rawRecords.userId, alice));
      expect(row.payload).toEqual({ qty: 2 });
    });

    it("round-trips awkward text, numbers and json through the array literals", async () => {
      const nasty = 'NULL, "quoted" \\ back{slash}, comma, ü ✓ 🏃';
      const row = m(30, 1e-7, {
        type: "weird",
        unit: "NULL",
        source: nasty,
        raw: { s: nasty, nested: [1, null, { "k\"": "v\\" }], n: -0.5 },
      });
      await upsertRows(t.db, "measurement", alice, [row, m(31, Number.MAX_VALUE, { type: "weird", source: null })]);
      const rows = await t.db
        .select({ value: measurements.value, unit: measurements.unit, source: measurements.source, raw: measurements.raw })
        .from(measurements)
        .where(and(eq(measurements.userId, alice), eq(measurements.type, "weird")))
        .orderBy(measurements.measuredAt);
      expect(rows).toEqual([
        { value: 1e-7, unit: "NULL", source: nasty, raw: row.raw },
        { value: Number.MAX_VALUE, unit: "bpm", source: null, raw: null },
      ]);
      expect((await upsertRows(t.db, "measurement", alice, [row])).unchanged).toBe(1);
    });

    it("splits large batches into chunks", async () => {
      const n = CHUNK_ROWS * 2 + 17; // three chunks
      const rows = Array.from({ length: n }, (_, i) =>
        m(0, i, { type: "steps", unit: "count", measuredAt: new Date(Date.UTC(2023, 0, 1) + i * 60_000) }),
      );
      expect(await upsertRows(t.db, "measurement", alice, rows)).toEqual({ inserted: n, updated: 0, unchanged: 0 });
      expect(await upsertRows(t.db, "measurement", alice, rows)).toEqual({ inserted: 0, updated: 0, unchanged: n });
      const [{ count }] = await t.db
        .select({ count: sql<number>`count(*)::int` })
        .from(measurements)
        .where(and(eq(measurements.userId, alice), eq(measurements.type, "steps")));
      expect(count).toBe(n);
    });

    it(`${engine.name === "postgres" ? "stages through COPY with" : "has no COPY stage, so keeps"} the same rows and counts as the unnest upsert`, async () => {
      // Text that COPY's format must escape (tab, newline, CR, backslash) in a column and in jsonb.
      const awkward = "Watch\tof \\Irvin\\\n\r“x”";
      const rows = (type: string, bump = 0) => [
        m(0, 60 + bump, { type, source: awkward, raw: { note: awkward, n: [1, null] } }),
        m(1, 61, { type, source: null, endAt: new Date(Date.UTC(2024, 0, 1, 0, 2)), localDate: "2024-01-01", utcOffsetMinutes: -330 }),
        m(2, 1e-7, { type }),
      ];
      const viaStage = (type: string, bump = 0) =>
        t.db.transaction(async (tx) => {
          const stage = CopyStage.of(tx);
          expect(stage === null).toBe(engine.name === "pglite");
          // Twice in one transaction: the second use of the stage table truncates it first.
          const first = await upsertBatch(tx, alice, { measurements: rows(type, bump).slice(0, 2) }, stage);
          const second = await upsertBatch(tx, alice, { measurements: rows(type, bump).slice(2) }, stage);
          return addCounts(first, second).measurement;
        });
      expect((await upsertBatch(t.db, alice, { measurements: rows("copy_ref") })).measurement).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
      expect(await viaStage("copy_staged")).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
      expect(await viaStage("copy_staged")).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
      expect(await viaStage("copy_staged", 1)).toEqual({ inserted: 0, updated: 1, unchanged: 2 });
      const stored = async (type: string) =>
        (
          await t.db
            .select()
            .from(measurements)
            .where(and(eq(measurements.userId, alice), eq(measurements.type, type)))
            .orderBy(measurements.measuredAt)
        ).map(({ id, type: _t, createdAt, updatedAt, value, ...rest }) => ({ ...rest, value: Math.round(value) }));
      expect(await stored("copy_staged")).toEqual((await stored("copy_ref")).map((r, i) => (i === 0 ? { ...r, value: 61 } : r)));
      expect((await stored("copy_staged"))[0]).toMatchObject({ source: awkward, raw: { note: awkward, n: [1, null] } });
    });
  });
}
