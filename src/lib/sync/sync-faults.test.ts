import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { simData } from "@sim/data/generator";
import type { RunningSimulator } from "@sim/server";
import { openToken } from "@/lib/crypto/keyring";
import { activities, providerConnections, rateBudget, syncRuns, syncState } from "@/lib/db/schema";
import { engines, type TestDb } from "@/test/db";
import { executeRun, runSync } from "./execute";
import { createRun } from "./runs";
import { syncStatus } from "./status";
import { runSyncConnectionTask } from "./tasks";
import { connectAs, dataRequests, newUser } from "./test-support";
import { simulatorForFile } from "./test-simulator";
import { landedDifferences, TABLES } from "./test-landed";

/**
 * How a sync behaves when things go wrong, against the simulator over HTTP and a real database:
 * interrupted between windows, a 429 storm, 5xx/timeouts/cut-off bodies, a token expiring or
 * revoked mid-run, a used-up shared budget; plus deletions from a change feed, narrow (webhook)
 * windows, and the status the settings page shows. The simulator serves two years here.
 */

const simulator = simulatorForFile({ years: 2 });
let sim: RunningSimulator;
beforeAll(() => {
  sim = simulator.sim;
});
const stat = (provider: string, key: string) => sim.state.stats()[provider]?.[key] ?? 0;
const requestsTo = (provider: string) => dataRequests(sim, provider);

beforeEach(() => sim.state.clearFaults());

// A request timeout a loaded box never reaches by accident (1 s rescheduled healthy runs there).
const fast = { rateLimits: false, baseDelayMs: 1, maxDelayMs: 5, backfillMaxDays: 740, timeoutMs: 30_000 };
const noDifferences = Object.fromEntries(TABLES.map((t) => [t, []]));
let seq = 0;

describe.each(engines)("sync faults ($name)", ({ name, open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(() => t?.close());

  /** A fresh user connected to `provider` as a fresh simulated account. */
  async function connected(provider: string, account = `faults-${provider}-${name}-${++seq}`) {
    const userId = await newUser(t.db, provider);
    const connection = await connectAs(t.db, sim, userId, provider, account);
    return { userId, account, connection };
  }
  /** Requests a clean full sync of this simulated account takes (on a throwaway connection, removed after). */
  async function cleanRequests(provider: string, account: string): Promise<number> {
    const { connection } = await connected(provider, account);
    const before = requestsTo(provider);
    expect((await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, fast)).status).toBe("succeeded");
    const n = requestsTo(provider) - before;
    await t.db.delete(providerConnections).where(eq(providerConnections.id, connection.id));
    return n;
  }
  const connectionRow = async (id: string) => (await t.db.select().from(providerConnections).where(eq(providerConnections.id, id)))[0];
  const runRow = async (id: string) => (await t.db.select().from(syncRuns).where(eq(syncRuns.id, id)))[0];

  it("a run killed between windows resumes where it stopped: nothing lost, nothing fetched twice", async () => {
    const account = `faults-whoop-kill-${name}`;
    const whole = await cleanRequests("whoop", account);
    const { userId, connection } = await connected("whoop", account);

    const run = await createRun(t.db, { connectionId: connection.id, trigger: "connect" });
    const crash = new AbortController();
    let commits = 0;
    const start = requestsTo("whoop");
    const killed = await executeRun(t.db, run.id, {
      ...fast,
      signal: crash.signal,
      onCommit: () => {
        if (++commits === 4) crash.abort(); // the process dies after its 4th committed window
      },
    });
    expect(killed.status).toBe("aborted");
    const firstPart = requestsTo("whoop") - start;
    const dead = await runRow(run.id);
    expect(dead.status).toBe("running"); // nobody marked it: the process is gone
    expect(dead.fetched).toBeGreaterThan(0);
    const states = await t.db.select().from(syncState).where(eq(syncState.connectionId, connection.id));
    // Progress was committed: a window reached, or (WHOOP takes any range: one walk per collection)
    // the page cursor to go on from.
    expect(states.some((s) => !s.backfillDone && (s.backfillReachedAt! < s.watermark! || typeof s.cursor?.walkNext === "string"))).toBe(true);

    // Another process finds it stale and takes it over.
    const resumed = await executeRun(t.db, run.id, { ...fast, staleMs: 0 });
    expect(resumed.status).toBe("succeeded");
    const secondPart = requestsTo("whoop") - start - firstPart;
    // The committed windows were not fetched again: the restart costs only its own time-zone read
    // and one short delta per resource already started (four), nothing more.
    expect(firstPart + secondPart).toBeLessThanOrEqual(whole + 5);
    expect(firstPart).toBeGreaterThan(4);

    const landed = await landedDifferences(t.db, sim, { userId, provider: "whoop", account, connectionId: connection.id });
    expect(landed.differences).toEqual(noDifferences);
    const done = await runRow(run.id);
    expect(done.attempts).toBe(2);
    expect(done.inserted).toBe(landed.counts.activity + landed.counts.sleep + landed.counts.measurement + landed.counts.daily);
  });

  it("a 429 storm is waited out: each 429 reschedules the run until Retry-After, then it finishes", async () => {
    const account = `faults-strava-storm-${name}`;
    // The same simulated account without faults tells how many requests the sync takes.
    const normal = await cleanRequests("strava", account);
    const { userId, connection } = await connected("strava", account);
    sim.state.addFault({ provider: "strava", pathPrefix: "/api/v3/athlete/activities", kind: "429", count: 3, retryAfterSeconds: 1 });
    const waits: number[] = [];
    const before = requestsTo("strava");
    const outcome = await runSyncConnectionTask(
      t.db,
      { connectionId: connection.id, trigger: "manual" },
      {
        waitUntil: async (date) => {
          waits.push(date.getTime() - Date.now());
          await new Promise((r) => setTimeout(r, Math.max(0, date.getTime() - Date.now()) + 5));
        },
      },
      { ...fast, rateLimits: true },
    );
    expect(outcome.status).toBe("succeeded");
    expect(waits).toHaveLength(3); // rescheduled three times
    for (const w of waits) expect(w).toBeGreaterThan(500); // Retry-After: 1 s, honoured
    // No hammering: exactly one extra request per 429.
    expect(requestsTo("strava") - before).toBe(normal + 3);
    const landed = await landedDifferences(t.db, sim, { userId, provider: "strava", account, connectionId: connection.id });
    expect(landed.differences).toEqual(noDifferences);
  });

  it("5xx, timeouts and cut-off bodies are retried with backoff inside the run", async () => {
    const { userId, account, connection } = await connected("oura");
    sim.state.addFault({ provider: "oura", pathPrefix: "/v2/usercollection/sleep", kind: "500", count: 2 });
    // Held far longer than the client waits: the client's own timeout ends the request. 5 s still
    // leaves the healthy requests of this run room on a loaded box.
    sim.state.addFault({ provider: "oura", pathPrefix: "/v2/usercollection/workout", kind: "timeout", count: 1, delayMs: 120_000 });
    sim.state.addFault({ provider: "oura", pathPrefix: "/v2/usercollection/daily_sleep", kind: "truncated", count: 1 });
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "manual", resources: ["sleep", "workout", "daily_sleep"] }, { ...fast, timeoutMs: 5_000 });
    expect(outcome.status).toBe("succeeded");
    expect(stat("oura", "fault:500")).toBeGreaterThanOrEqual(2);
    expect(stat("oura", "fault:timeout")).toBeGreaterThanOrEqual(1);
    expect(stat("oura", "fault:truncated")).toBeGreaterThanOrEqual(1);
    expect((await runRow(outcome.run.id)).attempts).toBe(1); // no reschedule was needed
    const landed = await landedDifferences(t.db, sim, { userId, provider: "oura", account, connectionId: connection.id });
    // Only the three resources were asked for: everything of theirs landed.
    expect(landed.differences.activity).toEqual([]);
    expect(landed.differences.sleep).toEqual([]);
  });

  it("a provider that stays down reschedules the run with backoff and says so in plain words", async () => {
    const { connection } = await connected("coros");
    sim.state.addFault({ provider: "coros", kind: "500", count: 50 });
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, { ...fast, attempts: 3 });
    expect(outcome.status).toBe("rescheduled");
    if (outcome.status !== "rescheduled") return;
    expect(outcome.runAfter.getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect(outcome.error).toMatch(/COROS did not answer .* after 3 attempts \(last: HTTP 500\)/);
    sim.state.clearFaults();
  });

  it("a token expiring mid-run is refreshed once and the run carries on", async () => {
    const { userId, account, connection } = await connected("whoop");
    const oldToken = openToken(connection.accessTokenEnc!);
    let commits = 0;
    const refreshesBefore = stat("whoop", "token:refresh_token");
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, {
      ...fast,
      onCommit: () => {
        // The provider expires the token early; our copy still looks valid for hours.
        if (++commits === 3) expect(sim.state.expireTokens({ provider: "whoop", account })).toBeGreaterThan(0);
      },
    });
    expect(outcome.status).toBe("succeeded");
    expect(stat("whoop", "token:refresh_token") - refreshesBefore).toBe(1);
    const row = await connectionRow(connection.id);
    expect(row.status).toBe("active");
    expect(openToken(row.accessTokenEnc!)).not.toBe(oldToken);
    const landed = await landedDifferences(t.db, sim, { userId, provider: "whoop", account, connectionId: connection.id });
    expect(landed.differences).toEqual(noDifferences);
  });

  it("a revoked token stops the run: needs_reauth, the reason in plain words, progress kept", async () => {
    const { connection, account } = await connected("oura");
    let commits = 0;
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, {
      ...fast,
      onCommit: () => {
        if (++commits === 2) sim.state.revokeTokens({ provider: "oura", account });
      },
    });
    expect(outcome.status).toBe("failed");
    if (outcome.status !== "failed") return;
    expect(outcome.error).toMatch(/Oura needs to be reconnected/);
    expect(outcome.error).not.toMatch(/[A-Za-z0-9]{24,}/); // no token in the message
    const row = await connectionRow(connection.id);
    expect(row.status).toBe("needs_reauth");
    const states = await t.db.select().from(syncState).where(eq(syncState.connectionId, connection.id));
    expect(states.length).toBeGreaterThan(0);

    // The settings page says so; a later run stops before calling the provider.
    const [status] = (await syncStatus(t.db, row.userId)).filter((s) => s.connectionId === connection.id);
    expect(status.connectionStatus).toBe("needs_reauth");
    expect(status.lastError).toMatch(/reconnect/i);
    const before = requestsTo("oura");
    const again = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, fast);
    expect(again.status).toBe("failed");
    expect(requestsTo("oura")).toBe(before);
  });

  it("a used-up shared budget reschedules the run to the window's reset without calling the provider", async () => {
    const { connection } = await connected("strava");
    const quarter = 15 * 60_000;
    // The run's clock sits in the middle of the next budget window, so the case stays inside one
    // window whatever the time (no waiting for a quarter-hour to pass). Ahead of the wall clock, so
    // the queued run is due.
    const start = new Date(Math.ceil(Date.now() / quarter) * quarter);
    const now = () => new Date(start.getTime() + quarter / 2);
    await t.db
      .insert(rateBudget)
      .values({ provider: "strava", window: "15m", windowStart: start, used: 100 })
      .onConflictDoUpdate({ target: [rateBudget.provider, rateBudget.window], set: { windowStart: start, used: 100, blockedUntil: null } });
    const before = requestsTo("strava");
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, { ...fast, rateLimits: true, now });
    expect(outcome.status).toBe("rescheduled");
    if (outcome.status !== "rescheduled") return;
    expect(outcome.runAfter.getTime()).toBe(start.getTime() + quarter);
    expect(outcome.error).toMatch(/Strava's request budget is used up/);
    expect(requestsTo("strava")).toBe(before);
    await t.db.delete(rateBudget).where(eq(rateBudget.provider, "strava"));
  });

  it("Hevy: a workout deleted at the provider is marked deleted by the next delta (events feed)", async () => {
    const account = name === "pglite" ? "lifter-1" : "lifter-2";
    const { userId, connection } = await connected("hevy", account);
    expect((await runSync(t.db, { connectionId: connection.id, trigger: "connect" }, fast)).status).toBe("succeeded");
    const [victim] = simData(sim.state).expectedRecords("hevy", account, "workouts").slice(-3);
    simData(sim.state).mutate({ op: "delete", provider: "hevy", account, resource: "workouts", id: String(victim.id) });
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, fast);
    expect(outcome.status).toBe("succeeded");
    const [row] = await t.db
      .select()
      .from(activities)
      .where(and(eq(activities.userId, userId), eq(activities.provider, "hevy"), eq(activities.externalId, String(victim.id))));
    expect(row.deletedAt).not.toBeNull();
    const live = await t.db.select().from(activities).where(and(eq(activities.userId, userId), eq(activities.provider, "hevy")));
    expect(live.filter((a) => a.deletedAt === null)).toHaveLength(simData(sim.state).expectedRecords("hevy", account, "workouts").length);
  });

  it("Hevy: an edit to a recent body measurement (which has no modification time) is seen by the next delta", async () => {
    const account = name === "pglite" ? "lifter-3" : "lifter-4"; // lifter-1/2 are linked to the deletion case's users
    const { userId, connection } = await connected("hevy", account);
    expect((await runSync(t.db, { connectionId: connection.id, trigger: "connect" }, fast)).status).toBe("succeeded");
    // The week before the newest: older than the delta's two-day overlap on any day, yet on the newest page.
    const edited = simData(sim.state).expectedRecords("hevy", account, "body_measurements").at(-2)!;
    simData(sim.state).mutate({ op: "update", provider: "hevy", account, resource: "body_measurements", id: String(edited.date), patch: { weight_kg: Number(edited.weight_kg) + 1.5 } });
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, fast);
    expect(outcome.status).toBe("succeeded");
    if (outcome.status !== "succeeded") return;
    expect(outcome.counts.updated).toBeGreaterThan(0);
    const landed = await landedDifferences(t.db, sim, { userId, provider: "hevy", account, connectionId: connection.id });
    // Measurements only: the account's workouts also carry the deletion of the case above.
    expect(landed.differences.measurement).toEqual([]);
    expect(landed.differences.raw.filter((d) => d.includes("body_measurements|"))).toEqual([]);
  });

  it("Withings: an old measurement edited at the provider comes back through lastupdate", async () => {
    const { userId, account, connection } = await connected("withings");
    expect((await runSync(t.db, { connectionId: connection.id, trigger: "connect" }, fast)).status).toBe("succeeded");
    // A year-old weigh-in, far outside any overlap window.
    const old = simData(sim.state).expectedRecords("withings", account, "measures")[30];
    simData(sim.state).mutate({ op: "update", provider: "withings", account, resource: "measures", id: String(old.grpid), patch: { attrib: 2 } });
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, fast);
    expect(outcome.status).toBe("succeeded");
    const landed = await landedDifferences(t.db, sim, { userId, provider: "withings", account, connectionId: connection.id });
    expect(landed.differences).toEqual(noDifferences);
  });

  it("a narrow (webhook) run fetches only its window and leaves the watermarks alone", async () => {
    const { connection } = await connected("strava");
    expect((await runSync(t.db, { connectionId: connection.id, trigger: "connect" }, fast)).status).toBe("succeeded");
    const statesBefore = await t.db.select().from(syncState).where(eq(syncState.connectionId, connection.id));
    const to = new Date();
    const from = new Date(to.getTime() - 2 * 86_400_000);
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "webhook", resources: ["activities"], from, to }, fast);
    expect(outcome.status).toBe("succeeded");
    const run = await runRow(outcome.run.id);
    expect(run.trigger).toBe("webhook");
    expect(run.windowFrom!.getTime()).toBe(from.getTime());
    const statesAfter = await t.db.select().from(syncState).where(eq(syncState.connectionId, connection.id));
    expect(statesAfter.map((s) => s.watermark?.getTime())).toEqual(statesBefore.map((s) => s.watermark?.getTime()));
  });

  it("the settings status shows live progress per resource while running, then the last success", async () => {
    const { userId, connection } = await connected("whoop");
    let seen: Awaited<ReturnType<typeof syncStatus>>[number] | undefined;
    let commits = 0;
    const outcome = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, {
      ...fast,
      heartbeatMs: 0,
      onCommit: async () => {
        if (++commits === 5) seen = (await syncStatus(t.db, userId)).find((s) => s.connectionId === connection.id);
      },
    });
    expect(outcome.status).toBe("succeeded");
    expect(seen?.active?.status).toBe("running");
    const resources = seen!.active!.resources;
    expect(resources.map((r) => r.resource)).toEqual(expect.arrayContaining(["workout", "sleep", "cycle"]));
    expect(resources.some((r) => r.phase === "backfill" && r.backfillPct !== null && r.backfillPct > 0)).toBe(true);
    expect(seen!.active!.counts.fetched).toBeGreaterThan(0);

    // The run row tells the story: trigger, the span it covered, counts, duration.
    const run = await runRow(outcome.run.id);
    expect(run).toMatchObject({ trigger: "manual", status: "succeeded", error: null });
    expect(run.windowFrom!.getTime()).toBeLessThan(run.windowTo!.getTime());
    expect(run.durationMs).toBeGreaterThan(0);
    expect(run.fetched).toBeGreaterThan(0);
    expect(run.inserted).toBeGreaterThan(0);

    const [after] = (await syncStatus(t.db, userId)).filter((s) => s.connectionId === connection.id);
    expect(after.active).toBeNull();
    expect(after.lastSuccessAt).not.toBeNull();
    expect(after.lastError).toBeNull();
    expect(after.lastRun?.status).toBe("succeeded");
    expect(after.backfill.every((b) => b.done && b.percent === 100)).toBe(true);
  });
});
