import { createServer } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openPostgres, type Db } from "@/lib/db";
import { webhookEvents } from "@/lib/db/schema";
import { startSyncRunner } from "@/lib/sync/runner";
import { startWebhookRunner } from "@/lib/webhooks/runner";
import { testDb, type TestDb } from "@/test/db";
import { startPoller, type Poller } from "./poller";
import type { ProviderId } from "@/lib/providers/types";

/**
 * The in-process poll loop, on real timers: one tick at a time, polls while idle, a failed tick
 * (the database down) waits a poll instead of spinning, stop() waits for the tick under way and
 * nothing runs after it. Then both runners built on it against a database that is down, then up.
 */

/** A promise with its resolver, to hold a tick open. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets pending callbacks and I/O run (not a guess at how long anything takes). */
const turn = () => new Promise((r) => setImmediate(r));
const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 30_000, interval: 5 });

const pollers: Poller[] = [];
afterAll(async () => {
  for (const p of pollers) await p.stop();
});
function poller(opts: Parameters<typeof startPoller>[0]): Poller {
  const p = startPoller(opts);
  pollers.push(p);
  return p;
}

describe("startPoller", () => {
  it("runs one tick at a time; wakes during a tick add exactly one tick right after it", async () => {
    let running = 0;
    let most = 0;
    const starts: number[] = [];
    let finished = 0;
    const first = gate();
    const p = poller({
      label: "test",
      pollMs: 600_000, // no poll in this case: only wakes tick
      tick: async () => {
        starts.push(Date.now());
        running++;
        most = Math.max(most, running);
        if (starts.length === 1) await first.promise;
        running--;
        finished++;
      },
    });
    expect(starts).toHaveLength(0); // created without ticking
    p.wake();
    expect(starts).toHaveLength(1);
    p.wake();
    p.wake();
    p.wake();
    await turn();
    expect(starts).toHaveLength(1); // the first is still running
    first.open();
    await waitFor(() => expect(finished).toBe(2));
    await turn();
    expect(starts).toHaveLength(2);
    expect(most).toBe(1);
  });

  it("polls every pollMs while idle", async () => {
    const starts: number[] = [];
    const p = poller({ label: "test", pollMs: 40, tick: async () => void starts.push(Date.now()) });
    p.wake();
    await waitFor(() => expect(starts.length).toBeGreaterThanOrEqual(4));
    await p.stop();
    // Timers may fire a millisecond early, never a poll early.
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(38);
  });

  it("logs a failed tick and waits a poll before the next one (no spinning while the database is down)", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const starts: number[] = [];
      const p = poller({
        label: "test",
        pollMs: 100,
        tick: async () => {
          starts.push(Date.now());
          throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        },
        runAgain: () => false,
      });
      p.wake();
      await waitFor(() => expect(starts.length).toBeGreaterThanOrEqual(3));
      await p.stop();
      for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(98);
      expect(errors).toHaveBeenCalledWith("[test] runner poll failed: connect ECONNREFUSED 127.0.0.1:5432");
    } finally {
      errors.mockRestore();
    }
  });

  it("ticks again at once while runAgain says so, then waits a poll; idle() resolves once there is nothing left", async () => {
    let ticks = 0;
    const p = poller({ label: "test", pollMs: 600_000, tick: async () => void ticks++, runAgain: () => ticks < 5 });
    const started = Date.now();
    await p.idle(); // idle() wakes the loop itself
    expect(ticks).toBe(5);
    expect(Date.now() - started).toBeLessThan(60_000); // far below one poll
  });

  it("idle() waits while isIdle says work is still under way", async () => {
    let busy = true;
    let ticks = 0;
    const p = poller({ label: "test", pollMs: 20, tick: async () => void ticks++, isIdle: () => !busy });
    let idle = false;
    void p.idle().then(() => (idle = true));
    await waitFor(() => expect(ticks).toBeGreaterThanOrEqual(3));
    expect(idle).toBe(false);
    busy = false;
    await waitFor(() => expect(idle).toBe(true));
  });

  it("stop() waits for the tick under way; after it nothing ticks, neither a wake nor a poll", async () => {
    let ticks = 0;
    const held = gate();
    const p = poller({
      label: "test",
      pollMs: 10,
      tick: async () => {
        ticks++;
        if (ticks === 2) await held.promise;
      },
    });
    p.wake();
    await waitFor(() => expect(ticks).toBe(2)); // the second (a poll) is held open
    let stopped = false;
    const stopping = p.stop().then(() => (stopped = true));
    for (let i = 0; i < 5; i++) await turn();
    expect(stopped).toBe(false);
    expect(p.stopped).toBe(true);
    held.open();
    await stopping;
    p.wake();
    // Ten polls' worth of time: a timer left behind would have ticked by now.
    await new Promise((r) => setTimeout(r, 100));
    expect(ticks).toBe(2);
  });

  it("with releaseIdleOnStop, stop() releases idle() waiters and idle() after it resolves at once", async () => {
    const held = gate();
    const p = poller({ label: "test", pollMs: 600_000, tick: () => held.promise, releaseIdleOnStop: true, runAgain: () => true });
    let released = false;
    void p.idle().then(() => (released = true));
    await turn();
    expect(released).toBe(false); // runAgain keeps it busy
    const stopping = p.stop();
    held.open();
    await stopping;
    await waitFor(() => expect(released).toBe(true));
    await p.idle();
  });
});

/** A PostgreSQL URL on which nothing listens: every query fails to connect, as when the server is down. */
async function deadDatabase(): Promise<{ db: Db; close: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const handle = await openPostgres(`postgres://postgres@127.0.0.1:${port}/down`, { max: 1 });
  return { db: handle.db, close: handle.close };
}

describe("the runners while the database is down", () => {
  let t: TestDb;
  let dead: Awaited<ReturnType<typeof deadDatabase>>;
  beforeAll(async () => {
    t = await testDb();
    dead = await deadDatabase();
  });
  afterAll(async () => {
    await dead?.close().catch(() => {});
    await t?.close();
  });

  it("webhook runner: polls the dead database once a poll, then processes the queue once it is back, and stops cleanly", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const [row] = await t.db
      .insert(webhookEvents)
      .values({ provider: "no-such-provider" as ProviderId, dedupeKey: `down-${Date.now()}`, body: "{}", receivedAt: new Date() })
      .returning();
    let down = true;
    const calls: number[] = [];
    const runner = startWebhookRunner(
      async () => {
        calls.push(Date.now());
        return down ? dead.db : t.db;
      },
      { pollMs: 150 },
    );
    try {
      await waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(3));
      for (let i = 1; i < calls.length; i++) expect(calls[i] - calls[i - 1]).toBeGreaterThanOrEqual(148);
      expect(errors.mock.calls.some(([line]) => String(line).startsWith("[webhooks] runner poll failed:"))).toBe(true);
      const [still] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, row.id));
      expect(still.status).toBe("pending");

      down = false;
      await waitFor(async () => {
        const [now] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, row.id));
        expect(now.status).toBe("ignored"); // processed: no webhook support for that provider
      });
    } finally {
      await runner.stop();
      errors.mockRestore();
    }
    // Stopped: a notice stored afterwards stays pending, however it is announced.
    const [late] = await t.db
      .insert(webhookEvents)
      .values({ provider: "no-such-provider" as ProviderId, dedupeKey: `late-${Date.now()}`, body: "{}", receivedAt: new Date() })
      .returning();
    runner.wake();
    await new Promise((r) => setTimeout(r, 400));
    const [after] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, late.id));
    expect(after.status).toBe("pending");
  });

  it("sync runner: a dead database costs one failed look a poll, not a busy loop; stop() returns", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const calls: number[] = [];
    const runner = startSyncRunner(
      async () => {
        calls.push(Date.now());
        return dead.db;
      },
      { pollMs: 150, schedule: false },
    );
    let logged: unknown[][] = [];
    try {
      await waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(3));
    } finally {
      await runner.stop();
      logged = [...errors.mock.calls];
      errors.mockRestore();
    }
    for (let i = 1; i < calls.length; i++) expect(calls[i] - calls[i - 1]).toBeGreaterThanOrEqual(148);
    expect(logged.some(([line]) => String(line).startsWith("[sync] runner poll failed:"))).toBe(true);
    const seen = calls.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(calls.length).toBe(seen);
  });
});
