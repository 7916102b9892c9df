import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderCard } from "@/app/dashboard/settings/provider-card";
import { sourceProblems } from "@/lib/dashboard/overview";
import { providerConnections, syncRuns, webhookEvents } from "@/lib/db/schema";
import { userWithKey } from "@/lib/ingest/testing";
import { upsertBatch } from "@/lib/normalize/upsert";
import { testDb, type TestDb } from "@/test/db";
import { FIRST_DELIVERY_HOURS, syncStatus } from "./status";
import { syncStatusLine } from "./status-line";

/** Sync health a user can see (issue 13): silent push connections, refused pushes, and a status line that matches the data. */
let t: TestDb;
beforeAll(async () => {
  t = await testDb();
}, 60_000);
afterAll(async () => t?.close());

const now = new Date("2024-05-14T12:00:00Z");
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

async function connect(userId: string, provider: "garmin" | "google_health" | "strava", connectedAt: Date) {
  const [c] = await t.db
    .insert(providerConnections)
    .values({ userId, provider, authKind: "oauth2", providerUserId: `${provider}-${userId}`, connectedAt })
    .returning();
  return c;
}

describe("sync health", () => {
  it("a push-only connection that delivered nothing since connecting says so on its card and on the overview", async () => {
    const u = await userWithKey(t.db, "silent-garmin");
    const garmin = await connect(u.userId, "garmin", hoursAgo(FIRST_DELIVERY_HOURS + 1));
    const [status] = await syncStatus(t.db, u.userId, now);
    expect(status).toMatchObject({ provider: "garmin", pullable: false, hasRecords: false, lastDeliveryAt: null, firstDeliveryOverdue: true });
    expect(syncStatusLine(status, "UTC")).toBe("No delivery yet");
    const problems = await sourceProblems(t.db, u.userId, now);
    expect(problems.map((p) => [p.provider, p.problem])).toEqual([["garmin", `has delivered nothing since it was connected over ${FIRST_DELIVERY_HOURS} hours ago`]]);
    const card = renderToStaticMarkup(
      createElement(ProviderCard, {
        provider: { id: "garmin", name: "Garmin", authKind: "oauth2", dataTypes: ["activities"], credentialVars: [], configured: true },
        connection: { status: "active", authKind: "oauth2", displayName: null, connectedAt: "2024-05-14", lastError: null, sync: null, firstDeliveryOverdue: status.firstDeliveryOverdue },
        zone: "UTC",
      }),
    );
    expect(card).toContain('data-testid="first-delivery-overdue"');

    // Refused pushes are not deliveries: still overdue, and now also counted as rejected.
    await t.db.insert(webhookEvents).values(
      Array.from({ length: 5 }, (_, i) => ({
        provider: "garmin" as const,
        dedupeKey: `refused-${u.userId}-${i}`,
        userId: u.userId,
        connectionId: garmin.id,
        status: "ignored" as const,
        reason: "unknown summary type",
        body: "{}",
        receivedAt: hoursAgo(5 - i),
      })),
    );
    expect((await syncStatus(t.db, u.userId, now))[0].firstDeliveryOverdue).toBe(true);
    const [refused] = await sourceProblems(t.db, u.userId, now);
    expect(refused.problem).toContain("5 pushes were rejected in the last 7 days (unknown summary type)");
    expect(refused.problem).toContain("has delivered nothing since it was connected");

    // One accepted delivery: no longer overdue, and the status line says when it came, in the home zone.
    await t.db.insert(webhookEvents).values({ provider: "garmin", dedupeKey: `ok-${u.userId}`, userId: u.userId, connectionId: garmin.id, status: "processed", body: "{}", receivedAt: hoursAgo(1) });
    const [after] = await syncStatus(t.db, u.userId, now);
    expect(after).toMatchObject({ firstDeliveryOverdue: false, lastDeliveryAt: hoursAgo(1).toISOString() });
    expect(syncStatusLine(after, "Europe/Berlin")).toBe("Last delivery: 2024-05-14 13:00 Europe/Berlin");
  });

  it("a push-only connection is given time for its first delivery, and stored records count as arrived", async () => {
    const u = await userWithKey(t.db, "new-garmin");
    await connect(u.userId, "garmin", hoursAgo(1));
    expect((await syncStatus(t.db, u.userId, now))[0].firstDeliveryOverdue).toBe(false);
    expect(await sourceProblems(t.db, u.userId, now)).toEqual([]);

    const v = await userWithKey(t.db, "garmin-with-data");
    await connect(v.userId, "garmin", hoursAgo(48));
    await upsertBatch(t.db, v.userId, { dailySummaries: [{ provider: "garmin", date: "2024-05-13", steps: 9000, raw: {} }] });
    const [status] = await syncStatus(t.db, v.userId, now);
    expect(status).toMatchObject({ hasRecords: true, firstDeliveryOverdue: false });
    expect(syncStatusLine(status, "UTC")).toBe("Data stored; no delivery recorded since connecting");
  });

  it("the status line never says 'Not synced yet' over stored records", async () => {
    const u = await userWithKey(t.db, "google-health-records");
    const googleHealth = await connect(u.userId, "google_health", hoursAgo(3));
    const [fresh] = await syncStatus(t.db, u.userId, now);
    expect(syncStatusLine(fresh, "UTC")).toBe("Not synced yet");

    // The first backfill failed part-way after landing 4,015 records.
    await t.db.insert(syncRuns).values({
      userId: u.userId,
      connectionId: googleHealth.id,
      trigger: "connect",
      status: "failed",
      inserted: 4015,
      fetched: 4015,
      error: "Fitbit is not responding",
      queuedAt: hoursAgo(2),
      finishedAt: hoursAgo(1),
    });
    await upsertBatch(t.db, u.userId, { dailySummaries: [{ provider: "google_health", date: "2024-05-13", steps: 8000, raw: {} }] });
    const [status] = await syncStatus(t.db, u.userId, now);
    expect(status).toMatchObject({ lastSuccessAt: null, hasRecords: true, lastError: "Fitbit is not responding" });
    expect(syncStatusLine(status, "UTC")).toBe("Data stored, but no sync has finished cleanly yet (the last one failed)");

    await t.db.insert(syncRuns).values({ userId: u.userId, connectionId: googleHealth.id, trigger: "manual", status: "succeeded", queuedAt: hoursAgo(0.5), finishedAt: hoursAgo(0.25) });
    expect(syncStatusLine((await syncStatus(t.db, u.userId, now))[0], "America/New_York")).toBe("Last successful sync: 2024-05-14 07:45 America/New_York");
  });
});
