import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "@sim/server";
import { syncRuns } from "@/lib/db/schema";
import { engines, type TestDb } from "@/test/db";
import { enqueueSync, SyncRequestError } from "./enqueue";
import type { RunOutcome } from "./execute";
import { claimRun, createRun } from "./runs";
import { startSyncRunner } from "./runner";
import { queueSyncAll } from "./schedule";
import { connectAs, newUser } from "./test-support";
import { simulatorForFile } from "./test-simulator";

/**
 * The in-process runner (no TRIGGER_SECRET_KEY): queued runs execute, two runners sharing one
 * database never run two syncs of a connection at once, a run left behind by a dead process is
 * picked up again, and sync-all queues one run per syncable connection.
 */

const simulator = simulatorForFile({ years: 1 });
let sim: RunningSimulator;
beforeAll(() => {
  sim = simulator.sim;
  delete process.env.TRIGGER_SECRET_KEY; // the in-process runner, not Trigger.dev
});

const fast = { rateLimits: false, baseDelayMs: 1, maxDelayMs: 5, backfillMaxDays: 370, pollMs: 50, schedule: false };

describe.each(engines)("in-process runner ($name)", ({ name, open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(() => t?.close());

  // Below the 120 s test timeout, so a stuck wait says what it waited for.
  const until = async (check: () => Promise<boolean>, ms = 100_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error("timed out waiting");
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const runsOf = (ids: string[]) => t.db.select().from(syncRuns).where(inArray(syncRuns.id, ids));

  it("two runners never run two syncs of one connection at once; every queued run completes", async () => {
    const userId = await newUser(t.db, "runner");
    const whoop = await connectAs(t.db, sim, userId, "whoop", `runner-whoop-${name}`);
    const oura = await connectAs(t.db, sim, userId, "oura", `runner-oura-${name}`);
    const ids = [
      (await enqueueSync(t.db, { connectionId: whoop.id, trigger: "manual" })).runId,
      (await enqueueSync(t.db, { connectionId: whoop.id, trigger: "webhook", resources: ["workout"], from: new Date(Date.now() - 5 * 86_400_000) })).runId,
      (await enqueueSync(t.db, { connectionId: whoop.id, trigger: "webhook", resources: ["sleep"], from: new Date(Date.now() - 5 * 86_400_000) })).runId,
      (await enqueueSync(t.db, { connectionId: oura.id, trigger: "manual", resources: ["workout", "sleep"] })).runId,
    ];
    expect(new Set(ids).size).toBe(4);

    // Two "processes" polling the same database, each allowed several runs at once.
    const outcomes: RunOutcome[] = [];
    const db = async () => t.db;
    const a = startSyncRunner(db, { ...fast, concurrency: 3, onOutcome: (o) => outcomes.push(o) });
    const b = startSyncRunner(db, { ...fast, concurrency: 3, onOutcome: (o) => outcomes.push(o) });
    try {
      await until(async () => (await runsOf(ids)).every((r) => r.status === "succeeded" || r.status === "failed"));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const runs = await runsOf(ids);
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    for (const r of runs) expect(r.attempts).toBe(1);

    // Same connection: the [start, finish] intervals never overlap.
    const mine = runs.filter((r) => r.connectionId === whoop.id).sort((x, y) => x.startedAt!.getTime() - y.startedAt!.getTime());
    for (let i = 1; i < mine.length; i++) expect(mine[i].startedAt!.getTime()).toBeGreaterThanOrEqual(mine[i - 1].finishedAt!.getTime());
    // Different connections did run side by side (the guard is per connection, not global).
    const ouraRun = runs.find((r) => r.connectionId === oura.id)!;
    expect(ouraRun.startedAt!.getTime()).toBeLessThan(mine[mine.length - 1].finishedAt!.getTime());
  });

  it("a run left behind by a dead process is picked up again and finishes", async () => {
    const userId = await newUser(t.db, "restart");
    const c = await connectAs(t.db, sim, userId, "strava", `runner-strava-${name}`);
    const run = await createRun(t.db, { connectionId: c.id, trigger: "manual" });
    // A process claimed it and died: a stale heartbeat, status still running.
    expect(await claimRun(t.db, run.id)).not.toBeNull();
    await t.db.update(syncRuns).set({ heartbeatAt: new Date(Date.now() - 10 * 60_000) }).where(eq(syncRuns.id, run.id));

    const runner = startSyncRunner(async () => t.db, fast);
    try {
      await until(async () => (await runsOf([run.id]))[0].status === "succeeded");
    } finally {
      await runner.stop();
    }
    const [done] = await runsOf([run.id]);
    expect(done.attempts).toBe(2);
    expect(done.fetched).toBeGreaterThan(0);
  });

  it("a runner stopped mid-run puts the run back in the queue; the next one finishes it", async () => {
    const userId = await newUser(t.db, "shutdown");
    const c = await connectAs(t.db, sim, userId, "google_health", `runner-gh-${name}`);
    const { runId } = await enqueueSync(t.db, { connectionId: c.id, trigger: "manual" });
    let commits = 0;
    let first!: ReturnType<typeof startSyncRunner>;
    const stopped = new Promise<void>((resolve) => {
      first = startSyncRunner(async () => t.db, {
        ...fast,
        onCommit: () => {
          if (++commits === 3) void first.stop().then(resolve);
        },
      });
    });
    await stopped;
    const [mid] = await runsOf([runId]);
    expect(mid.status).toBe("queued");
    const second = startSyncRunner(async () => t.db, fast);
    try {
      await until(async () => (await runsOf([runId]))[0].status === "succeeded");
    } finally {
      await second.stop();
    }
  });

  it("sync-all queues one full run per active connection that has data to pull", async () => {
    const userId = await newUser(t.db, "all");
    const a = await connectAs(t.db, sim, userId, "coros", `runner-coros-${name}`);
    const b = await connectAs(t.db, sim, userId, "withings", `runner-withings-${name}`);
    const runs = await queueSyncAll(t.db, "schedule");
    const mine = runs.filter((r) => r.userId === userId);
    expect(mine.map((r) => r.connectionId).sort()).toEqual([a.id, b.id].sort());
    expect(mine.every((r) => r.trigger === "schedule" && r.status === "queued")).toBe(true);
    // Firing again while they wait queues nothing new.
    const again = (await queueSyncAll(t.db, "schedule")).filter((r) => r.userId === userId);
    expect(again.map((r) => r.id).sort()).toEqual(mine.map((r) => r.id).sort());
  });

  it("the hourly schedule (here every 300 ms) queues sync-all and the runner executes it", async () => {
    const userId = await newUser(t.db, "hourly");
    const c = await connectAs(t.db, sim, userId, "eightsleep", `runner-${name}@example.test`);
    const runner = startSyncRunner(async () => t.db, { ...fast, schedule: true, scheduleEveryMs: 300 });
    try {
      await until(async () => {
        const runs = await t.db.select().from(syncRuns).where(eq(syncRuns.connectionId, c.id));
        return runs.some((r) => r.trigger === "schedule" && r.status === "succeeded");
      });
    } finally {
      await runner.stop();
    }
  });

  it("enqueueSync refuses unknown resources and bad windows with precise messages", async () => {
    const userId = await newUser(t.db, "bad");
    const c = await connectAs(t.db, sim, userId, "coros", `runner-coros-bad-${name}`);
    await expect(enqueueSync(t.db, { connectionId: c.id, trigger: "manual", resources: ["nope"] })).rejects.toThrow(
      new SyncRequestError("unknown coros resource(s): nope"),
    );
    const now = new Date();
    await expect(enqueueSync(t.db, { connectionId: c.id, trigger: "manual", from: now, to: now })).rejects.toThrow("from must be before to");
  });
});
