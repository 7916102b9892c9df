import { eq } from "drizzle-orm";
import type { ProviderId } from "@/lib/providers/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerConnections, syncRuns } from "@/lib/db/schema";
import { engines, type TestDb } from "@/test/db";
import { LostClaimError } from "./errors";
import { claimableRuns, claimRun, createRun, finishRun, heartbeat, runMode } from "./runs";
import { newUser } from "./test-support";

/** sync_run bookkeeping on a real database: queueing, exclusive claims, heartbeats, takeovers. */
describe.each(engines)("sync runs ($name)", ({ open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(() => t?.close());

  async function newConnection(provider: ProviderId = "strava") {
    const userId = await newUser(t.db, "runs");
    const [c] = await t.db.insert(providerConnections).values({ userId, provider, authKind: "oauth2" }).returning();
    return c;
  }
  const counts = { fetched: 1, inserted: 1, updated: 0, unchanged: 0 };

  it("queues one run per distinct request; a repeat of waiting work returns the waiting run", async () => {
    const c = await newConnection();
    const a = await createRun(t.db, { connectionId: c.id, trigger: "manual" });
    const b = await createRun(t.db, { connectionId: c.id, trigger: "schedule" });
    expect(b.id).toBe(a.id);
    expect(runMode(a)).toBe("full");
    const from = new Date("2026-01-01T00:00:00Z");
    const to = new Date("2026-01-02T00:00:00Z");
    const narrow = await createRun(t.db, { connectionId: c.id, trigger: "webhook", resources: ["activities"], from, to });
    expect(narrow.id).not.toBe(a.id);
    expect(runMode(narrow)).toBe("window");
    expect((await createRun(t.db, { connectionId: c.id, trigger: "webhook", resources: ["activities"], from, to })).id).toBe(narrow.id);
    // A manual request pulls a later-scheduled twin forward.
    const later = await createRun(t.db, { connectionId: c.id, trigger: "webhook", resources: ["x"], runAfter: new Date(Date.now() + 3_600_000) });
    const pulled = await createRun(t.db, { connectionId: c.id, trigger: "manual", resources: ["x"] });
    expect(pulled.id).toBe(later.id);
    expect(pulled.runAfter.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("20 concurrent \"Sync now\" clicks make one run, enforced by the database", async () => {
    const c = await newConnection();
    const runs = await Promise.all(Array.from({ length: 20 }, () => createRun(t.db, { connectionId: c.id, trigger: "manual" })));
    expect(new Set(runs.map((r) => r.id)).size).toBe(1);
    expect(await t.db.$count(syncRuns, eq(syncRuns.connectionId, c.id))).toBe(1);
    // While it runs, another click is the same work: it returns the running run.
    const running = (await claimRun(t.db, runs[0].id))!;
    expect((await createRun(t.db, { connectionId: c.id, trigger: "manual" })).id).toBe(running.id);
    // The index itself refuses a second live run of the same request (not just the lookup).
    await expect(
      t.db.insert(syncRuns).values({ userId: c.userId, connectionId: c.id, trigger: "manual", requestKey: running.requestKey }),
    ).rejects.toThrow();
    // Once finished, a new click queues a new run.
    await finishRun(t.db, running, { status: "succeeded" }, { progress: { mode: "full", resources: {} }, counts, claimedAt: new Date() });
    expect((await createRun(t.db, { connectionId: c.id, trigger: "manual" })).id).not.toBe(running.id);
  });

  it("only one run of a connection runs at a time, even when claims race", async () => {
    const c = await newConnection();
    const runs = [];
    for (let i = 0; i < 6; i++) runs.push(await createRun(t.db, { connectionId: c.id, trigger: "webhook", resources: [`r${i}`] }));
    const claimed = await Promise.all(runs.map((r) => claimRun(t.db, r.id)));
    const winners = claimed.filter((x) => x !== null);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    expect(winner.status).toBe("running");
    expect(winner.attempts).toBe(1);

    // The others wait their turn (pollers do not even see them); after the winner, the next one goes.
    expect((await claimableRuns(t.db)).filter((r) => r.connectionId === c.id)).toHaveLength(0);
    expect(await finishRun(t.db, winner, { status: "succeeded" }, { progress: { mode: "window", resources: {} }, counts, claimedAt: new Date() })).toBe(true);
    expect((await claimableRuns(t.db)).filter((r) => r.connectionId === c.id)).toHaveLength(5);
    const next = runs.find((r) => r.id !== winner.id)!;
    expect(await claimRun(t.db, next.id)).not.toBeNull();
  });

  it("a run whose heartbeat went stale is taken over; the old worker learns it lost the run", async () => {
    const c = await newConnection();
    const run = await createRun(t.db, { connectionId: c.id, trigger: "manual" });
    const first = (await claimRun(t.db, run.id))!;
    await heartbeat(t.db, first, { counts });
    const other = await createRun(t.db, { connectionId: c.id, trigger: "manual", resources: ["other"] });
    expect(await claimRun(t.db, other.id)).toBeNull(); // fresh heartbeat: busy

    // The worker died: three minutes without a heartbeat.
    await t.db.update(syncRuns).set({ heartbeatAt: new Date(Date.now() - 180_000) }).where(eq(syncRuns.id, run.id));
    expect((await claimableRuns(t.db)).map((r) => r.id)).toContain(run.id);
    const second = (await claimRun(t.db, run.id))!;
    expect(second.attempts).toBe(2);
    expect(second.fetched).toBe(1); // counts so far survive the takeover

    await expect(heartbeat(t.db, first, { counts })).rejects.toBeInstanceOf(LostClaimError);
    expect(await finishRun(t.db, first, { status: "failed", error: "x" }, { progress: {}, counts, claimedAt: new Date() })).toBe(false);
    await heartbeat(t.db, second, { counts });
    const [row] = await t.db.select().from(syncRuns).where(eq(syncRuns.id, run.id));
    expect(row.status).toBe("running");
  });

  it("a rescheduled run waits for run_after and keeps its place", async () => {
    const c = await newConnection();
    const run = await createRun(t.db, { connectionId: c.id, trigger: "manual" });
    const claimed = (await claimRun(t.db, run.id))!;
    const runAfter = new Date(Date.now() + 60_000);
    await finishRun(t.db, claimed, { status: "rescheduled", runAfter, error: "slow down" }, { progress: {}, counts, claimedAt: new Date() });
    expect(await claimRun(t.db, run.id)).toBeNull();
    // "Sync now" while it waits returns the same run and does not pull it forward.
    const again = await createRun(t.db, { connectionId: c.id, trigger: "manual" });
    expect(again.id).toBe(run.id);
    expect(again.runAfter.getTime()).toBe(runAfter.getTime());
    expect(await claimRun(t.db, run.id, { now: new Date(runAfter.getTime() + 1) })).not.toBeNull();
  });
});
