import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beeminderUser } from "@sim/providers/beeminder";
import type { RunningSimulator } from "@sim/server";
import { authorize } from "@sim/testing";
import { OAuthStateError } from "@/lib/connections/errors";
import { createUser, databaseText, simulatorWithAppEnv } from "@/lib/connections/test-support";
import { beeminderConnections, beeminderGoalLinks, dailyValues, users } from "@/lib/db/schema";
import { upsertBatch } from "@/lib/normalize/upsert";
import { reconcilePending } from "@/lib/reconcile/store";
import { engines, type TestDb } from "@/test/db";
import { completeBeeminderConnect, getBeeminderConnection, handleDeauthorization, startBeeminderConnect } from "./connection";
import { daystamp } from "./daystamp";
import { editGoalRule, linkGoal, unlinkGoal } from "./links";
import { beeminderBackoffMs, pushBeeminder, pushDueBeeminder } from "./push";
import { pushBeeminderAfterLanding } from "./run";

/**
 * Beeminder end to end against the simulator over HTTP: the app flow bound to a single-use state,
 * datapoints whose requestid makes a resend a no-op and a changed value an update, daystamps at
 * deadline edges, retries on 5xx/429, and a revoked token marked on the connection.
 */

describe("daystamp (beeminder.md B.6)", () => {
  const at = (iso: string) => new Date(iso);
  it("midnight deadline: the local calendar day", () => {
    expect(daystamp(at("2026-03-23T03:59:00Z"), "America/New_York", 0)).toBe("20260322"); // 23:59 EDT
    expect(daystamp(at("2026-03-23T04:00:00Z"), "America/New_York", 0)).toBe("20260323");
  });
  it("night owl (3am): 00:30 and 02:59 belong to the previous day, 03:00 to the new one", () => {
    expect(daystamp(at("2026-03-24T04:30:00Z"), "America/New_York", 3 * 3600)).toBe("20260323"); // 00:30 EDT
    expect(daystamp(at("2026-03-24T06:59:59Z"), "America/New_York", 3 * 3600)).toBe("20260323");
    expect(daystamp(at("2026-03-24T07:00:00Z"), "America/New_York", 3 * 3600)).toBe("20260324");
  });
  it("early bird (noon): from 12:00 the next day, until 11:59 the same day", () => {
    expect(daystamp(at("2026-03-22T16:00:00Z"), "America/New_York", -12 * 3600)).toBe("20260323"); // 12:00 EDT Mar 22
    expect(daystamp(at("2026-03-23T15:59:00Z"), "America/New_York", -12 * 3600)).toBe("20260323"); // 11:59 Mar 23
    expect(daystamp(at("2026-03-22T15:59:00Z"), "America/New_York", -12 * 3600)).toBe("20260322");
  });
});

describe("the retry schedule after failed passes", () => {
  it("waits 1, 2, 4, … minutes, at most an hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => beeminderBackoffMs(n) / 60_000)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });
});

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await simulatorWithAppEnv();
});
afterAll(async () => {
  await sim?.close();
});

const fastRetry = { baseDelayMs: 1, sleep: async () => {} };
const NOW = new Date("2026-03-24T16:00:00Z");

async function connect(db: TestDb["db"], userId: string, account: string) {
  const { url, state } = await startBeeminderConnect(db, userId, NOW);
  const out = await authorize(sim.url, url, { account });
  expect(out.location, out.html.slice(0, 300)).not.toBeNull();
  const query = Object.fromEntries(out.location!.searchParams);
  return { state, query, conn: await completeBeeminderConnect(db, { userId, state, query }, NOW) };
}

async function newUser(db: TestDb["db"], label: string) {
  const id = await createUser(db, label);
  await db.update(users).set({ timeZone: "America/New_York" }).where(eq(users.id, id));
  return id;
}

let hookRuns = 1e12;
const goalPoints = (account: string, slug: string) => beeminderUser(sim.state, account).goals.get(slug)!.datapoints;

describe.each(engines)("Beeminder on $name", ({ name, open }) => {
  let t: TestDb;
  // One simulator serves both engines: each engine has its own Beeminder accounts.
  const acct = (base: string) => `${base}_${name}`;
  beforeAll(async () => {
    t = await open();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("connects through the app flow: state single-use and bound to the user, token confirmed and stored encrypted", async () => {
    const userId = await newUser(t.db, "bm-connect");
    const other = await newUser(t.db, "bm-other");
    const { url, state } = await startBeeminderConnect(t.db, userId, NOW);
    const u = new URL(url);
    expect(`${u.origin}${u.pathname}`).toBe("https://www.beeminder.com/apps/authorize");
    expect(Object.fromEntries(u.searchParams)).toEqual({
      client_id: "demo-beeminder-client",
      redirect_uri: "http://localhost:3000/api/beeminder/callback",
      response_type: "token",
    });
    const out = await authorize(sim.url, url, { account: acct("bee_alice") });
    const query = Object.fromEntries(out.location!.searchParams);
    expect(query.username).toBe(acct("bee_alice"));
    expect(query.access_token).toMatch(/^[0-9a-f]{40}$/);

    // Another signed-in user cannot complete it, and the state stays usable for its owner.
    await expect(completeBeeminderConnect(t.db, { userId: other, state, query }, NOW)).rejects.toMatchObject({ problem: "wrong_user" });
    await expect(completeBeeminderConnect(t.db, { userId, state: undefined, query }, NOW)).rejects.toBeInstanceOf(OAuthStateError);
    const conn = await completeBeeminderConnect(t.db, { userId, state, query }, NOW);
    expect(conn).toMatchObject({ username: acct("bee_alice"), status: "active", timezone: "America/New_York" });
    await expect(completeBeeminderConnect(t.db, { userId, state, query }, NOW)).rejects.toMatchObject({ problem: "used" });
    expect(await databaseText(t.db)).not.toContain(query.access_token);
    expect(await getBeeminderConnection(t.db, other)).toBeNull();
  });

  it("refuses a token whose users/me names someone else, and one Beeminder does not know", async () => {
    const userId = await newUser(t.db, "bm-mismatch");
    const first = await startBeeminderConnect(t.db, userId, NOW);
    const out = await authorize(sim.url, first.url, { account: acct("bee_bob") });
    const query = { ...Object.fromEntries(out.location!.searchParams), username: acct("bee_mallory") };
    await expect(completeBeeminderConnect(t.db, { userId, state: first.state, query }, NOW)).rejects.toThrow(new RegExp(`belongs to "${acct("bee_bob")}"`));
    const second = await startBeeminderConnect(t.db, userId, NOW);
    await expect(
      completeBeeminderConnect(t.db, { userId, state: second.state, query: { access_token: "f".repeat(40), username: acct("bee_bob") } }, NOW),
    ).rejects.toThrow(/did not accept/);
    expect(await getBeeminderConnection(t.db, userId)).toBeNull();
  });

  it("counts a weigh-in once (mirrored by Apple Health), a resend adds nothing, and the night-owl goal gets the previous day", async () => {
    const userId = await newUser(t.db, "bm-weigh");
    await connect(t.db, userId, acct("bee_carol"));
    await linkGoal(t.db, userId, { slug: "weighin", rule: { kind: "measurements", types: ["weight"], providers: ["withings", "apple_health"] }, backfillDays: 3 }, NOW);
    await linkGoal(t.db, userId, { slug: "nightowl", rule: { kind: "measurements", types: ["weight"], providers: [] }, backfillDays: 3 }, NOW);
    // 00:30 EDT on Mar 24, from the scale, and Apple Health's mirror of it 20 s later.
    await upsertBatch(t.db, userId, {
      measurements: [
        { provider: "withings", type: "weight", measuredAt: new Date("2026-03-24T04:30:00Z"), value: 72.4, unit: "kg", source: "Body+" },
        { provider: "apple_health", type: "weight", measuredAt: new Date("2026-03-24T04:30:20Z"), value: 72.4, unit: "kg", source: "Health Mate" },
      ],
    });
    await reconcilePending(t.db, userId);

    const first = await pushBeeminder(t.db, userId, { now: NOW, retry: fastRetry });
    expect(first.links.map((l) => [l.slug, l.sent, l.error])).toEqual([
      ["nightowl", 1, null],
      ["weighin", 1, null],
    ]);
    expect(goalPoints(acct("bee_carol"), "weighin").map((p) => [p.daystamp, p.value])).toEqual([["20260324", 1]]);
    expect(goalPoints(acct("bee_carol"), "nightowl").map((p) => [p.daystamp, p.value])).toEqual([["20260323", 1]]);
    expect(goalPoints(acct("bee_carol"), "weighin")[0].comment).toMatch(/Withings \(Body\+\)/);

    // The same notice again, and a forced resend: Beeminder sees the same requestid and keeps one point.
    await upsertBatch(t.db, userId, {
      measurements: [{ provider: "withings", type: "weight", measuredAt: new Date("2026-03-24T04:30:00Z"), value: 72.4, unit: "kg", source: "Body+" }],
    });
    const again = await pushBeeminder(t.db, userId, { now: NOW, retry: fastRetry });
    expect(again.links.every((l) => l.sent === 0 && l.unchanged === 1)).toBe(true);
    const before = sim.state.stats().beeminder?.["datapoint:duplicate"] ?? 0;
    await pushBeeminder(t.db, userId, { now: NOW, force: true, retry: fastRetry });
    expect(sim.state.stats().beeminder["datapoint:duplicate"]).toBe(before + 2);
    expect(goalPoints(acct("bee_carol"), "weighin")).toHaveLength(1);
    expect(goalPoints(acct("bee_carol"), "nightowl")).toHaveLength(1);
  });

  it("updates the day's weight in place when the value changes, and retries 5xx and 429", async () => {
    const userId = await newUser(t.db, "bm-body");
    await connect(t.db, userId, acct("bee_dave"));
    await linkGoal(t.db, userId, { slug: "weight", rule: { kind: "body", metric: "weight" }, backfillDays: 2 }, NOW);
    const at = new Date("2026-03-24T12:00:00Z");
    await upsertBatch(t.db, userId, { measurements: [{ provider: "withings", type: "weight", measuredAt: at, value: 80.1, unit: "kg", source: null }] });
    await reconcilePending(t.db, userId);
    sim.state.addFault({ provider: "beeminder", pathPrefix: "/api/v1/users/me/goals/weight", kind: "500" });
    sim.state.addFault({ provider: "beeminder", pathPrefix: "/api/v1/users/me/goals/weight", kind: "429", retryAfterSeconds: 0 });
    const r1 = await pushBeeminder(t.db, userId, { now: NOW, retry: fastRetry });
    expect(r1.links[0]).toMatchObject({ sent: 1, error: null });
    const [p1] = goalPoints(acct("bee_dave"), "weight");
    expect([p1.daystamp, p1.value]).toEqual(["20260324", 80.1]);

    await upsertBatch(t.db, userId, { measurements: [{ provider: "withings", type: "weight", measuredAt: at, value: 79.6, unit: "kg", source: null }] });
    await reconcilePending(t.db, userId);
    const r2 = await pushBeeminder(t.db, userId, { now: NOW, retry: fastRetry });
    expect(r2.links[0]).toMatchObject({ sent: 1 });
    const points = goalPoints(acct("bee_dave"), "weight");
    expect(points).toHaveLength(1);
    expect([points[0].id, points[0].value]).toEqual([p1.id, 79.6]);
  });

  it("shows an error on the goal link when 5xx persists", async () => {
    const userId = await newUser(t.db, "bm-down");
    await connect(t.db, userId, acct("bee_erin"));
    await linkGoal(t.db, userId, { slug: "weight", rule: { kind: "body", metric: "weight" }, backfillDays: 2 }, NOW);
    await upsertBatch(t.db, userId, { measurements: [{ provider: "withings", type: "weight", measuredAt: new Date("2026-03-24T12:00:00Z"), value: 60, unit: "kg", source: null }] });
    await reconcilePending(t.db, userId);
    sim.state.addFault({ provider: "beeminder", pathPrefix: "/api/v1/users/me/goals/weight", kind: "500", count: 4 });
    const r = await pushBeeminder(t.db, userId, { now: NOW, retry: fastRetry });
    expect(r.links[0].error).toMatch(/not responding properly \(HTTP 500\)/);
    const [link] = await t.db.select().from(beeminderGoalLinks).where(eq(beeminderGoalLinks.userId, userId));
    expect(link.lastError).toMatch(/HTTP 500/);
    // The next regular pass waits for the backoff (a minute after the first failure), then gets through.
    expect((await pushBeeminder(t.db, userId, { now: NOW, retry: fastRetry })).status).toBe("waiting");
    expect((await pushBeeminder(t.db, userId, { now: new Date(NOW.getTime() + 60_000), retry: fastRetry })).links[0]).toMatchObject({ sent: 1, error: null });
  });

  it("a pass that cannot get through is retried with backoff (1, 2, 4 min), not every tick; one that gets through resets it", async () => {
    const userId = await newUser(t.db, "bm-outage");
    await connect(t.db, userId, acct("bee_olga"));
    await linkGoal(t.db, userId, { slug: "weighin", rule: { kind: "measurements", types: ["weight"], providers: ["withings"] }, backfillDays: 2 }, NOW);
    const weighIn = (iso: string) =>
      upsertBatch(t.db, userId, { measurements: [{ provider: "withings", type: "weight", measuredAt: new Date(iso), value: 70, unit: "kg", source: null }] });
    await weighIn("2026-03-24T12:00:00Z");
    await reconcilePending(t.db, userId);
    const state = async () => (await getBeeminderConnection(t.db, userId))!;
    const meCalls = () => sim.state.stats().beeminder?.user ?? 0;
    const at = (s: number) => new Date(NOW.getTime() + s * 1000);
    // Every users/me answers 500 until cleared (each pass also retries it in api.ts first).
    sim.state.addFault({ provider: "beeminder", pathPrefix: "/api/v1/users/me.json", kind: "500", count: 1000 });
    try {
      await pushDueBeeminder(t.db, { now: NOW, retry: fastRetry, limit: 1000 });
      let conn = await state();
      expect(conn).toMatchObject({ status: "active", failures: 1, retryAt: at(60) });
      expect(conn.lastError).toMatch(/not responding properly \(HTTP 500\)/);
      const [link] = await t.db.select().from(beeminderGoalLinks).where(eq(beeminderGoalLinks.userId, userId));
      expect(link.lastError).toMatch(/HTTP 500/);

      // Before the retry: not due, even though a new weigh-in landed, and a regular pass waits without a request.
      await weighIn("2026-03-24T13:00:00Z");
      await reconcilePending(t.db, userId);
      const pushedAt = conn.lastPushedAt;
      await pushDueBeeminder(t.db, { now: at(59), retry: fastRetry, limit: 1000 });
      expect((await state()).lastPushedAt).toEqual(pushedAt);
      const calls = meCalls();
      expect(await pushBeeminder(t.db, userId, { now: at(30), retry: fastRetry })).toMatchObject({ status: "waiting", retryAt: at(60) });
      expect(meCalls()).toBe(calls);

      // Due at the retry; still failing: twice the wait.
      await pushDueBeeminder(t.db, { now: at(60), retry: fastRetry, limit: 1000 });
      conn = await state();
      expect(conn).toMatchObject({ failures: 2, retryAt: at(60 + 120) });
      expect(conn.lastPushedAt).not.toEqual(pushedAt);

      // Now Beeminder cannot be reached at all (the socket closes): the third failure waits 4 minutes.
      sim.state.clearFaults();
      sim.state.addFault({ provider: "beeminder", pathPrefix: "/api/v1/users/me.json", kind: "timeout", delayMs: 1, count: 1000 });
      await pushDueBeeminder(t.db, { now: at(180), retry: fastRetry, limit: 1000 });
      conn = await state();
      expect(conn).toMatchObject({ failures: 3, retryAt: at(180 + 240) });
      expect(conn.lastError).toMatch(/Could not reach Beeminder/);
      expect(goalPoints(acct("bee_olga"), "weighin")).toHaveLength(0);
    } finally {
      sim.state.clearFaults();
    }

    // Beeminder is back: nothing goes before the retry, then both weigh-ins go and the backoff is reset.
    await pushDueBeeminder(t.db, { now: at(419), retry: fastRetry, limit: 1000 });
    expect(goalPoints(acct("bee_olga"), "weighin")).toHaveLength(0);
    await pushDueBeeminder(t.db, { now: at(420), retry: fastRetry, limit: 1000 });
    expect(goalPoints(acct("bee_olga"), "weighin")).toHaveLength(2);
    expect(await state()).toMatchObject({ failures: 0, retryAt: null, lastError: null });
    const [link] = await t.db.select().from(beeminderGoalLinks).where(eq(beeminderGoalLinks.userId, userId));
    expect(link.lastError).toBeNull();
    // Reset: nothing changed since, so not due again (no users/me), and the next failure starts at 1 minute again.
    const calls = meCalls();
    await pushDueBeeminder(t.db, { now: at(421), retry: fastRetry, limit: 1000 });
    expect(meCalls()).toBe(calls);
    sim.state.addFault({ provider: "beeminder", pathPrefix: "/api/v1/users/me.json", kind: "500", count: 1000 });
    try {
      await pushBeeminder(t.db, userId, { now: at(500), retry: fastRetry });
      expect(await state()).toMatchObject({ failures: 1, retryAt: at(560) });
    } finally {
      sim.state.clearFaults();
    }
  });

  it("a Send now of one goal goes out during the backoff and leaves the retry as it was", async () => {
    const userId = await newUser(t.db, "bm-outage-send");
    await connect(t.db, userId, acct("bee_pia"));
    await linkGoal(t.db, userId, { slug: "weighin", rule: { kind: "measurements", types: ["weight"], providers: ["withings"] }, backfillDays: 2 }, NOW);
    await upsertBatch(t.db, userId, { measurements: [{ provider: "withings", type: "weight", measuredAt: new Date("2026-03-24T12:00:00Z"), value: 70, unit: "kg", source: null }] });
    await reconcilePending(t.db, userId);
    sim.state.addFault({ provider: "beeminder", pathPrefix: "/api/v1/users/me/goals.json", kind: "500", count: 4 });
    try {
      await pushBeeminder(t.db, userId, { now: NOW, retry: fastRetry });
    } finally {
      sim.state.clearFaults();
    }
    const retryAt = new Date(NOW.getTime() + 60_000);
    expect(await getBeeminderConnection(t.db, userId)).toMatchObject({ failures: 1, retryAt });
    const r = await pushBeeminder(t.db, userId, { now: new Date(NOW.getTime() + 10_000), slug: "weighin", force: true, retry: fastRetry });
    expect(r.links[0]).toMatchObject({ sent: 1, error: null });
    expect(goalPoints(acct("bee_pia"), "weighin")).toHaveLength(1);
    expect(await getBeeminderConnection(t.db, userId)).toMatchObject({ failures: 1, retryAt });
  });

  it("marks a revoked token on the connection, sends nothing meanwhile, and catches up once reconnected", async () => {
    const userId = await newUser(t.db, "bm-revoke");
    await connect(t.db, userId, acct("bee_frank"));
    await linkGoal(t.db, userId, { slug: "weighin", rule: { kind: "measurements", types: ["weight"], providers: ["withings"] }, backfillDays: 2 }, NOW);
    sim.state.revokeTokens({ provider: "beeminder", account: acct("bee_frank") });
    await upsertBatch(t.db, userId, { measurements: [{ provider: "withings", type: "weight", measuredAt: new Date("2026-03-24T12:00:00Z"), value: 70, unit: "kg", source: null }] });
    await reconcilePending(t.db, userId);
    expect((await pushBeeminder(t.db, userId, { now: NOW, retry: fastRetry })).status).toBe("revoked");
    const conn = (await getBeeminderConnection(t.db, userId))!;
    expect(conn.status).toBe("revoked");
    expect(conn.lastError).toMatch(/no longer accepts/);
    expect(goalPoints(acct("bee_frank"), "weighin")).toHaveLength(0);

    // Reconnecting makes the user due at once (the refused pass above must not hold it back an hour).
    await connect(t.db, userId, acct("bee_frank"));
    await pushDueBeeminder(t.db, { now: NOW, retry: fastRetry, limit: 1000 });
    expect(goalPoints(acct("bee_frank"), "weighin")).toHaveLength(1);
  });

  it("the de-authorization callback marks the connection whose token it names, and nothing else", async () => {
    const userId = await newUser(t.db, "bm-deauth");
    const { query } = await connect(t.db, userId, acct("bee_gina"));
    expect(await handleDeauthorization(t.db, "0".repeat(40))).toBe(false);
    expect((await getBeeminderConnection(t.db, userId))!.status).toBe("active");
    expect(await handleDeauthorization(t.db, query.access_token)).toBe(true);
    const conn = (await getBeeminderConnection(t.db, userId))!;
    expect(conn.status).toBe("revoked");
    expect(conn.lastError).toMatch(/removed Healthbridge on Beeminder/);
    expect((await pushBeeminder(t.db, userId, { now: NOW })).status).toBe("revoked");
    await t.db.delete(beeminderConnections).where(eq(beeminderConnections.userId, userId));
  });

  it("a rule edit applies from then on: earlier readings are not sent under the new types", async () => {
    const userId = await newUser(t.db, "bm-edit");
    await connect(t.db, userId, acct("bee_hank"));
    const link = await linkGoal(t.db, userId, { slug: "bp", rule: { kind: "measurements", types: ["weight"], providers: ["withings"] }, backfillDays: 2 }, NOW);
    // A cuff reading (systolic, diastolic, pulse at one instant) before the edit and one after it.
    const cuff = (iso: string) =>
      (["bp_systolic", "bp_diastolic", "heart_rate"] as const).map((type, i) => ({
        provider: "withings" as const,
        type,
        measuredAt: new Date(iso),
        value: [120, 80, 60][i],
        unit: i === 2 ? "bpm" : "mmHg",
        source: "BPM Connect",
      }));
    await upsertBatch(t.db, userId, { measurements: cuff("2026-03-24T13:00:00Z") });
    const edited = new Date("2026-03-24T14:00:00Z");
    await editGoalRule(t.db, userId, link.id, { kind: "measurements", types: ["bp_systolic", "bp_diastolic", "heart_rate"], providers: ["withings"] }, edited);
    await upsertBatch(t.db, userId, { measurements: cuff("2026-03-24T15:00:00Z") });
    await reconcilePending(t.db, userId);
    const r = await pushBeeminder(t.db, userId, { now: NOW, retry: fastRetry });
    expect(r.links[0]).toMatchObject({ sent: 1, error: null });
    const points = goalPoints(acct("bee_hank"), "bp");
    expect(points.map((p) => p.value)).toEqual([1]); // one measurement, three readings
    expect(points[0].comment).toMatch(/bp_systolic 120 mmHg, bp_diastolic 80 mmHg, heart_rate 60 bpm/);
  });

  it("pushes after data lands: a user is due when data changed since the last pass, or an hour went by", async () => {
    const userId = await newUser(t.db, "bm-due");
    await connect(t.db, userId, acct("bee_ivy"));
    await linkGoal(t.db, userId, { slug: "steps", rule: { kind: "activity", metric: "steps" }, backfillDays: 2 }, NOW);
    const dueIds = async (now: Date) => {
      await pushDueBeeminder(t.db, { now, retry: fastRetry });
      return goalPoints(acct("bee_ivy"), "steps").map((p) => [p.daystamp, p.value]);
    };
    // A new link is due at once (nothing landed yet: nothing to send).
    expect(await dueIds(NOW)).toEqual([]);
    // iPhone and Apple Watch report the same walk, Garmin the day's total: the reconciled total goes, not the sum.
    await upsertBatch(t.db, userId, {
      dailySummaries: [{ provider: "garmin", date: "2026-03-24", steps: 9000, raw: {} }],
      measurements: [
        { provider: "apple_health", type: "steps", measuredAt: new Date("2026-03-24T14:00:00Z"), endAt: new Date("2026-03-24T14:30:00Z"), value: 3000, unit: "count", source: "iPhone" },
        { provider: "apple_health", type: "steps", measuredAt: new Date("2026-03-24T14:00:00Z"), endAt: new Date("2026-03-24T14:30:00Z"), value: 3100, unit: "count", source: "Apple Watch" },
      ],
    });
    await reconcilePending(t.db, userId);
    const [dv] = await t.db
      .select()
      .from(dailyValues)
      .where(and(eq(dailyValues.userId, userId), eq(dailyValues.metric, "steps")));
    const reconciled = dv.value;
    expect(reconciled).toBeLessThan(9000 + 3000 + 3100);
    expect(await dueIds(NOW)).toEqual([["20260324", reconciled]]);
    // Not due again until something changes or an hour passes (each pass reads users/me: count them).
    const me = () => sim.state.stats().beeminder?.user ?? 0;
    const before = me();
    await pushDueBeeminder(t.db, { now: NOW, retry: fastRetry });
    expect(me()).toBe(before);
    await t.db.update(beeminderConnections).set({ lastPushedAt: sql`now() - interval '61 minutes'` }).where(eq(beeminderConnections.userId, userId));
    await pushDueBeeminder(t.db, { now: NOW, retry: fastRetry });
    expect(me()).toBe(before + 1);
  });

  it("a Send now of one goal leaves what landed for the other goals due", async () => {
    const userId = await newUser(t.db, "bm-send-one");
    await connect(t.db, userId, acct("bee_kim"));
    await linkGoal(t.db, userId, { slug: "steps", rule: { kind: "activity", metric: "steps" }, backfillDays: 2 }, NOW);
    await linkGoal(t.db, userId, { slug: "weighin", rule: { kind: "measurements", types: ["weight"], providers: ["withings"] }, backfillDays: 2 }, NOW);
    await pushDueBeeminder(t.db, { now: NOW, retry: fastRetry, limit: 1000 });
    // A weigh-in lands; before the regular pass, the user presses Send now on the steps goal.
    await upsertBatch(t.db, userId, { measurements: [{ provider: "withings", type: "weight", measuredAt: new Date("2026-03-24T12:00:00Z"), value: 70, unit: "kg", source: null }] });
    await reconcilePending(t.db, userId);
    await pushBeeminder(t.db, userId, { now: NOW, slug: "steps", force: true, retry: fastRetry });
    expect(goalPoints(acct("bee_kim"), "weighin")).toHaveLength(0);
    await pushDueBeeminder(t.db, { now: NOW, retry: fastRetry, limit: 1000 });
    expect(goalPoints(acct("bee_kim"), "weighin")).toHaveLength(1);
  });

  it("the runner's hook starts one pass at a time and at most one per interval", async () => {
    // The hook's memory is per process: each engine's run starts far after the last one's.
    const base = (hookRuns += 1e9);
    const first = pushBeeminderAfterLanding(t.db, base, 10_000);
    expect(first).not.toBeNull();
    expect(pushBeeminderAfterLanding(t.db, base + 20_000, 10_000)).toBeNull(); // still running
    await first;
    expect(pushBeeminderAfterLanding(t.db, base + 5_000, 10_000)).toBeNull(); // too soon
    const later = pushBeeminderAfterLanding(t.db, base + 20_000, 10_000);
    expect(later).not.toBeNull();
    await later;
  });

  it("one Beeminder account feeds one Healthbridge user; unlinking and relinking a goal sends no duplicates", async () => {
    const a = await newUser(t.db, "bm-owner");
    const b = await newUser(t.db, "bm-second");
    await connect(t.db, a, acct("bee_jo"));
    await expect(connect(t.db, b, acct("bee_jo"))).rejects.toThrow(/already connected to another Healthbridge account/);
    expect(await getBeeminderConnection(t.db, b)).toBeNull();

    const rule = { kind: "measurements" as const, types: ["weight" as const], providers: ["withings" as const] };
    const link = await linkGoal(t.db, a, { slug: "weighin", rule, backfillDays: 2 }, NOW);
    await upsertBatch(t.db, a, { measurements: [{ provider: "withings", type: "weight", measuredAt: new Date("2026-03-24T12:00:00Z"), value: 70, unit: "kg", source: null }] });
    await reconcilePending(t.db, a);
    expect((await pushBeeminder(t.db, a, { now: NOW, retry: fastRetry })).links[0].sent).toBe(1);
    await unlinkGoal(t.db, a, link.id);
    await linkGoal(t.db, a, { slug: "weighin", rule, backfillDays: 2 }, NOW);
    expect((await pushBeeminder(t.db, a, { now: NOW, retry: fastRetry })).links[0].sent).toBe(1); // Beeminder: a duplicate, ignored
    expect(goalPoints(acct("bee_jo"), "weighin")).toHaveLength(1);
  });
});
