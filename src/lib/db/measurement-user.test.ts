import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measurements, users } from "@/lib/db/schema";
import { CopyStage, MeasurementSegments } from "@/lib/normalize/upsert";
import { engines, type TestDb } from "@/test/db";

/**
 * measurement.user_id → user.id is kept by statement-level triggers, not a foreign key
 * (drizzle/0008_measurement_user_triggers.sql, issue 17): the same guarantees, on both engines.
 */
describe.each(engines)("measurement → user on $name", ({ open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(async () => t?.close());

  const newUser = async (label: string) =>
    (await t.db.insert(users).values({ email: `${label}-${Math.random()}@example.test` }).returning({ id: users.id }))[0].id;
  const reading = (userId: string, minute = 0) => ({
    userId,
    provider: "apple_health" as const,
    type: "heart_rate",
    measuredAt: new Date(Date.UTC(2024, 0, 1, 0, minute)),
    value: 60,
    unit: "bpm",
  });
  const count = (userId: string) => t.db.$count(measurements, eq(measurements.userId, userId));
  /** The SQLSTATE of what `run` threw (drizzle wraps the driver's error as its cause). */
  const sqlState = async (run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      const e = err as { code?: string; cause?: { code?: string } };
      return e.cause?.code ?? e.code;
    }
    return "no error";
  };

  it("refuses a measurement of a user that does not exist (23503, as the foreign key did), the whole statement", async () => {
    const alice = await newUser("alice");
    const missing = "00000000-0000-4000-8000-000000000000";
    expect(await sqlState(() => t.db.insert(measurements).values([reading(alice, 1), reading(missing, 2)]))).toBe("23503");
    expect(await count(alice)).toBe(0);
    await t.db.insert(measurements).values(reading(alice, 1));
    expect(await sqlState(() => t.db.update(measurements).set({ userId: missing }).where(eq(measurements.userId, alice)))).toBe("23503");
    expect(await count(alice)).toBe(1);
  });

  it("refuses a COPY of measurements of a user that does not exist (the ingest's direct COPY)", async () => {
    const missing = "00000000-0000-4000-8000-000000000002";
    const write = () =>
      t.db.transaction(async (tx) => {
        const stage = CopyStage.of(tx);
        if (!stage) return "no COPY on this engine";
        const segments = new MeasurementSegments();
        segments.take(missing, [{ ...reading(missing), localDate: "2024-01-01", utcOffsetMinutes: 0 }]);
        return stage.writeSegment(segments.seal()!);
      });
    if (t.kind === "pglite") expect(await write()).toBe("no COPY on this engine");
    else expect(await sqlState(write)).toBe("23503");
    expect(await count(missing)).toBe(0);
  });

  it("deletes a user's measurements with the user (one statement, several users), and nobody else's", async () => {
    const [a, b, keep] = [await newUser("a"), await newUser("b"), await newUser("keep")];
    for (const u of [a, b, keep]) await t.db.insert(measurements).values([reading(u, 0), reading(u, 1)]);
    await t.db.delete(users).where(sql`${users.id} IN (${a}, ${b})`);
    expect([await count(a), await count(b), await count(keep)]).toEqual([0, 0, 2]);
  });

  it("refuses to change the id of a user who has measurements", async () => {
    const u = await newUser("renamed");
    await t.db.insert(measurements).values(reading(u));
    expect(await sqlState(() => t.db.update(users).set({ id: "00000000-0000-4000-8000-000000000001" }).where(eq(users.id, u)))).toBe("23503");
    expect(await count(u)).toBe(1);
  });

  it("refuses to delete users at REPEATABLE READ, where the trigger could miss rows committed after its snapshot", async () => {
    const u = await newUser("rr");
    await t.db.insert(measurements).values(reading(u));
    const deleteAt = (isolationLevel: "repeatable read" | "read committed") =>
      t.db.transaction((tx) => tx.delete(users).where(eq(users.id, u)), { isolationLevel });
    expect(await sqlState(() => deleteAt("repeatable read"))).toBe("55000");
    expect(await count(u)).toBe(1);
    await deleteAt("read committed");
    expect(await count(u)).toBe(0);
  });
});
