import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type TestDb } from "@/test/db";
import { activities, dailySummaries, measurements, providerConnections, sleepSessions, users } from "./schema";

describe.each(engines)("schema on $name", ({ open }) => {
  let t: TestDb;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await open();
    [{ id: alice }, { id: bob }] = await t.db
      .insert(users)
      .values([{ email: "alice@example.test" }, { email: "bob@example.test" }])
      .returning({ id: users.id });
  });
  afterAll(() => t?.close());

  it("applies every migration and creates every table", async () => {
    const rows = (await t.db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    )) as unknown as { rows?: { table_name: string }[] } & { table_name: string }[];
    const names = (rows.rows ?? rows).map((r) => r.table_name);
    for (const table of [
      "user", "account", "session", "verification_token", "api_key", "provider_connection", "sync_state",
      "sync_run", "activity", "sleep_session", "daily_summary", "measurement", "raw_record", "webhook_event",
    ]) expect(names).toContain(table);
  });

  const activity = (userId: string) => ({
    userId, provider: "strava" as const, externalId: "123", type: "run", startAt: new Date("2024-01-15T07:30:00Z"), localDate: "2024-01-15",
  });

  it("rejects a duplicate activity for the same user and accepts the same external id for another user", async () => {
    await t.db.insert(activities).values(activity(alice));
    await expect(t.db.insert(activities).values(activity(alice))).rejects.toThrow();
    await t.db.insert(activities).values(activity(bob));
    const count = await t.db.$count(activities);
    expect(count).toBe(2);
  });

  it("keys sleep, daily summaries and measurements by user too", async () => {
    const sleep = (userId: string) => ({
      userId, provider: "oura" as const, externalId: "s1", startAt: new Date("2024-01-14T22:10:00Z"), endAt: new Date("2024-01-15T06:05:00Z"), localDate: "2024-01-15",
    });
    await t.db.insert(sleepSessions).values([sleep(alice), sleep(bob)]);
    await expect(t.db.insert(sleepSessions).values(sleep(alice))).rejects.toThrow();

    const day = (userId: string) => ({ userId, provider: "withings" as const, date: "2024-01-15", steps: 1000 });
    await t.db.insert(dailySummaries).values([day(alice), day(bob)]);
    await expect(t.db.insert(dailySummaries).values(day(alice))).rejects.toThrow();

    const weight = (userId: string) => ({
      userId, provider: "withings" as const, type: "weight", measuredAt: new Date("2024-01-15T07:00:00Z"), value: 75, unit: "kg",
    });
    await t.db.insert(measurements).values([weight(alice), weight(bob)]);
    await expect(t.db.insert(measurements).values(weight(alice))).rejects.toThrow();
  });

  it("links a provider account to one user only, and one connection per provider per user", async () => {
    const conn = (userId: string, providerUserId: string) => ({ userId, provider: "strava" as const, authKind: "oauth2", providerUserId });
    await t.db.insert(providerConnections).values(conn(alice, "athlete-1"));
    await expect(t.db.insert(providerConnections).values(conn(bob, "athlete-1"))).rejects.toThrow();
    await expect(t.db.insert(providerConnections).values(conn(alice, "athlete-2"))).rejects.toThrow();
    await t.db.insert(providerConnections).values(conn(bob, "athlete-2"));
  });
});
