import { randomBytes } from "node:crypto";
import type { ProviderId } from "@/lib/providers/types";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoEnv } from "@sim/clients";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { authorize } from "@sim/testing";
import { garminRecords } from "@sim/providers/garmin/data";
import { DEMO_CLIENTS } from "@sim/clients";
import { completeConnect, startConnect } from "@/lib/connections/connect";
import { completeOAuth1, startOAuth1 } from "@/lib/connections/oauth1";
import { activities, dailySummaries, measurements, providerConnections, sleepSessions, syncRuns, users, webhookEvents, type ProviderConnection } from "@/lib/db/schema";
import { enqueueSync } from "@/lib/sync/enqueue";
import { executeRun } from "@/lib/sync/execute";
import { testDb, type TestDb } from "@/test/db";
import { requestPushBackfill } from "@/lib/connections/after-connect";
import { processWebhookEvent } from "./process";
import { dueWebhookEvents } from "./runner";
import { subscribeWebhooks } from "./subscribe";
import { startWebhookApp, type WebhookApp } from "./test-support";

/**
 * End to end through the simulator, as in production: a record changes at the provider (the
 * simulator's data admin), the provider sends its real, signed notice to the app over HTTP, the app
 * stores and acknowledges it, processing queues the narrow sync, the sync engine runs it against
 * the provider's data endpoints, and the record is in the database. Garmin gets its data only by
 * push and ping (the initial backfill included); nothing is ever pulled from it.
 */

let sim: RunningSimulator;
let app: WebhookApp;
let t: TestDb;
const savedEnv = { ...process.env };
const ACCOUNT = `e2e-${randomBytes(3).toString("hex")}`;
const conns = new Map<string, ProviderConnection>();

async function post(path: string, body: unknown) {
  const res = await fetch(`${sim.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}
const settle = () => post("/__admin/webhooks/settle", {});

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  t = await testDb();
  app = await startWebhookApp(t.db);
  Object.assign(process.env, demoEnv(sim.url), {
    APP_URL: app.url,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
  });
  await post("/__admin/webhooks/target", { appUrl: app.url });
  // Per-app subscriptions, as an operator would create them.
  for (const provider of ["strava", "oura", "polar"]) await subscribeWebhooks(provider);
  for (const provider of ["strava", "google_health", "oura", "whoop", "polar", "coros", "withings", "garmin"]) {
    const [user] = await t.db.insert(users).values({ email: `${provider}-${randomBytes(4).toString("hex")}@example.test` }).returning();
    const { url } = await startConnect(t.db, { userId: user.id, provider });
    const outcome = await authorize(sim.url, url, { account: ACCOUNT });
    const { connection } = await completeConnect(t.db, { userId: user.id, query: Object.fromEntries(outcome.location!.searchParams) });
    conns.set(provider, connection);
  }
});
afterAll(async () => {
  if (sim) await settle().catch(() => {}); // nothing left in flight towards the closing app
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await app?.close();
  await sim?.close();
  await t?.close();
});

/** The app's background work, run to completion: process stored notices, execute the syncs they queued. */
async function drain(provider: ProviderId, conn = conns.get(provider)!) {
  const outcomes = [];
  for (;;) {
    const pending = await t.db.select().from(webhookEvents).where(and(eq(webhookEvents.provider, provider), eq(webhookEvents.status, "pending")));
    if (pending.length === 0) break;
    for (const e of pending) {
      const outcome = await processWebhookEvent(t.db, e.id);
      // "skipped": processed together with an earlier notice of its connection (coalescing).
      if (outcome.status !== "skipped") outcomes.push(outcome);
    }
  }
  const queued = await t.db.select().from(syncRuns).where(and(eq(syncRuns.connectionId, conn.id), eq(syncRuns.status, "queued")));
  const runs = [];
  for (const r of queued) runs.push(await executeRun(t.db, r.id));
  return { outcomes, runs };
}

type Case = {
  provider: ProviderId;
  resource: string;
  /** Which of our tables the record lands in, and under which external id. */
  table: typeof activities | typeof sleepSessions;
  externalId: (record: Record<string, unknown>) => string;
  /** The sync resources the notice must ask for. */
  resources: string[];
};

const cases: Case[] = [
  { provider: "strava", resource: "activities", table: activities, externalId: (r) => String(r.id), resources: ["activities"] },
  // A data point's id is the last segment of its resource name.
  { provider: "google_health", resource: "exercise", table: activities, externalId: (r) => String(r.name).split("/").at(-1)!, resources: ["exercise"] },
  { provider: "oura", resource: "workout", table: activities, externalId: (r) => String(r.id), resources: ["workout"] },
  { provider: "whoop", resource: "workout", table: activities, externalId: (r) => String(r.id), resources: ["workout"] },
  { provider: "polar", resource: "exercises", table: activities, externalId: (r) => String(r.id), resources: ["exercises"] },
  { provider: "coros", resource: "sport_list", table: activities, externalId: (r) => String(r.labelId), resources: ["sport_list"] },
  { provider: "withings", resource: "workouts", table: activities, externalId: (r) => String(r.id), resources: ["activity", "workouts"] },
];

/**
 * Accounts at both ends of the clock: whatever the time, a record from three hours ago falls on
 * another date than UTC's for at least one of them (UTC+14 from 10:00 UTC on, UTC−11 before
 * 11:00), which is what day-granular endpoints are asked for.
 */
const ZONES = [
  { zone: "Pacific/Kiritimati", account: `${ACCOUNT}-east` },
  { zone: "Pacific/Pago_Pago", account: `${ACCOUNT}-west` },
];
const zoneConns = new Map<string, ProviderConnection>();

describe.each(ZONES)("a change at the provider reaches the database through its webhook ($zone)", ({ zone, account }) => {
  beforeAll(async () => {
    await post("/__admin/data/config", { account, timezone: zone });
    for (const c of cases) {
      const [user] = await t.db.insert(users).values({ email: `${c.provider}-${randomBytes(4).toString("hex")}@example.test` }).returning();
      const { url } = await startConnect(t.db, { userId: user.id, provider: c.provider });
      const outcome = await authorize(sim.url, url, { account });
      const { connection } = await completeConnect(t.db, { userId: user.id, query: Object.fromEntries(outcome.location!.searchParams) });
      zoneConns.set(`${zone}|${c.provider}`, connection);
    }
  });

  it.each(cases)("$provider: new $resource → notice → narrow sync → the record appears", async (c) => {
    const conn = zoneConns.get(`${zone}|${c.provider}`)!;
    const at = new Date(Date.now() - 3 * 3600_000).toISOString();
    const { mutation } = (await post("/__admin/data/mutations", { op: "add", provider: c.provider, account, resource: c.resource, at })) as {
      mutation: { record: Record<string, unknown> };
    };
    const externalId = c.externalId(mutation.record);
    await settle(); // the simulator's notice has been answered by the app

    const stored = await t.db.select().from(webhookEvents).where(and(eq(webhookEvents.provider, c.provider), eq(webhookEvents.status, "pending")));
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((e) => e.connectionId === conn.id)).toBe(true);

    const { outcomes, runs } = await drain(c.provider, conn);
    expect(outcomes.map((o) => o.status)).toEqual(outcomes.map(() => "processed"));
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) expect(r.status, JSON.stringify(r)).toBe("succeeded");
    const webhookRuns = await t.db.select().from(syncRuns).where(and(eq(syncRuns.connectionId, conn.id), eq(syncRuns.trigger, "webhook")));
    for (const r of webhookRuns) {
      expect(c.resources).toEqual(expect.arrayContaining(r.resources ?? []));
      // Narrow: a window of days, never the whole history.
      expect(r.windowTo!.getTime() - r.windowFrom!.getTime()).toBeLessThanOrEqual(4 * 86_400_000);
    }

    const rows = await t.db.select().from(c.table).where(and(eq(c.table.userId, conn.userId), eq(c.table.externalId, externalId)));
    expect(rows).toHaveLength(1);
    expect(rows[0].provider).toBe(c.provider);
  });
});

describe("a change at the provider reaches the database through its webhook", () => {

  it("withings: a new weight → appli 1 notice → the measurement appears", async () => {
    const conn = conns.get("withings")!;
    const at = new Date(Date.now() - 5 * 3600_000).toISOString();
    const { mutation } = (await post("/__admin/data/mutations", { op: "add", provider: "withings", account: ACCOUNT, resource: "measures", at })) as {
      mutation: { record: { date: number } };
    };
    await settle();
    const [notice] = (await t.db.select().from(webhookEvents).where(and(eq(webhookEvents.provider, "withings"), eq(webhookEvents.status, "pending"))));
    expect(new URLSearchParams(notice.body).get("appli")).toBe("1");
    await drain("withings");
    const rows = await t.db
      .select()
      .from(measurements)
      .where(and(eq(measurements.userId, conn.userId), eq(measurements.type, "weight"), eq(measurements.measuredAt, new Date(mutation.record.date * 1000))));
    expect(rows).toHaveLength(1);
  });
});

describe("plausibility of what providers send", () => {
  it("strava: an implausible activity from a sync is refused and counted in the run's progress; the rest lands", async () => {
    const conn = conns.get("strava")!;
    const at = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
    const add = async (h: number, patch: Record<string, unknown>) =>
      ((await post("/__admin/data/mutations", { op: "add", provider: "strava", account: ACCOUNT, resource: "activities", at: at(h), patch })) as {
        mutation: { record: { id: number } };
      }).mutation.record.id;
    const good = await add(30, { average_heartrate: 140 });
    const bad = await add(30.5, { average_heartrate: 10_000 });
    await settle();
    const { runs } = await drain("strava");
    expect(runs.map((r) => r.status)).toEqual(["succeeded"]);
    const [run] = await t.db.select().from(syncRuns).where(eq(syncRuns.id, runs[0].runId));
    const progress = (run.progress as { resources: Record<string, { refused?: number; lastRefusal?: string }> }).resources.activities;
    expect(progress).toMatchObject({ refused: 1, lastRefusal: expect.stringMatching(/avg_hr must be between 20 and 300 bpm \(got 10000\)/) });
    const rows = await t.db.select().from(activities).where(and(eq(activities.userId, conn.userId), inArray(activities.externalId, [String(good), String(bad)])));
    expect(rows.map((r) => r.externalId)).toEqual([String(good)]);
  });
});

describe("a provider that fails while a notice is processed", () => {
  it("strava: a 500 on the lookup leaves the notice pending with backoff; the retry completes it", async () => {
    const conn = conns.get("strava")!;
    const at = new Date(Date.now() - 26 * 3600_000).toISOString();
    const { mutation } = (await post("/__admin/data/mutations", { op: "add", provider: "strava", account: ACCOUNT, resource: "activities", at })) as {
      mutation: { record: { id: number } };
    };
    await settle();
    const [notice] = await t.db.select().from(webhookEvents).where(and(eq(webhookEvents.provider, "strava"), eq(webhookEvents.status, "pending")));
    sim.state.addFault({ provider: "strava", pathPrefix: "/api/v3/activities/", kind: "500" });

    const first = await processWebhookEvent(t.db, notice.id);
    expect(first.status).toBe("pending");
    expect(first.detail).toMatch(/HTTP 500/);
    // Not due again at once (backoff), due a little later.
    expect(await dueWebhookEvents(t.db, new Date())).not.toContain(notice.id);
    expect(await dueWebhookEvents(t.db, new Date(Date.now() + 6_000))).toContain(notice.id);

    const { outcomes, runs } = await drain("strava");
    expect(outcomes.map((o) => o.status)).toEqual(["processed"]);
    expect(runs.map((r) => r.status)).toEqual(["succeeded"]);
    const rows = await t.db.select().from(activities).where(and(eq(activities.userId, conn.userId), eq(activities.externalId, String(mutation.record.id))));
    expect(rows).toHaveLength(1);
    const [done] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, notice.id));
    expect(done).toMatchObject({ status: "processed", attempts: 2 });
  });
});

describe("garmin: data only through push and ping", () => {
  it("the connect asks for the backfill; the history arrives by push and is stored", async () => {
    const conn = conns.get("garmin")!;
    const now = new Date();
    const result = await requestPushBackfill(t.db, conn, now);
    expect(result).toEqual({ requested: 5 }); // one request per summary type for 30 days
    await settle();
    const stats = sim.state.stats().garmin;
    for (const type of ["activities", "dailies", "sleeps", "bodyComps", "hrv"]) expect(stats[`backfill:${type}`]).toBe(1);

    const { outcomes, runs } = await drain("garmin");
    expect(runs).toEqual([]); // nothing is pulled from Garmin
    expect(outcomes.length).toBeGreaterThan(0);
    for (const o of outcomes) expect(o.status, o.detail).toBe("processed");

    const from = new Date(now.getTime() - 30 * 86_400_000);
    const expected = {
      activities: garminRecords(ACCOUNT, "activities", from, now).map((r) => String(r.summaryId)),
      dailies: garminRecords(ACCOUNT, "dailies", from, now).map((r) => String(r.calendarDate)),
    };
    expect(expected.activities.length).toBeGreaterThan(5);
    const acts = await t.db.select().from(activities).where(and(eq(activities.userId, conn.userId), eq(activities.provider, "garmin")));
    expect(acts.map((a) => a.externalId).sort()).toEqual([...expected.activities].sort());
    const days = await t.db.select().from(dailySummaries).where(and(eq(dailySummaries.userId, conn.userId), eq(dailySummaries.provider, "garmin")));
    expect(days.map((d) => d.date)).toEqual(expect.arrayContaining(expected.dailies));

    // Asking again for the same window is Garmin's 409, not an error; nothing new is pushed.
    await requestPushBackfill(t.db, conn, now);
    await settle();
    expect((await drain("garmin")).outcomes).toEqual([]);
    // And the sync engine refuses to pull Garmin.
    await expect(enqueueSync(t.db, { connectionId: conn.id, trigger: "manual" })).rejects.toThrow(/arrives by push/);
    expect(await t.db.select().from(syncRuns).where(eq(syncRuns.connectionId, conn.id))).toEqual([]);
  });

  it("OAuth 1.0a: items carry the user's token, which must match; pings are fetched with signed requests", async () => {
    // Only the consumer key configured: the connect uses OAuth 1.0a (retiring, still supported).
    delete process.env.GARMIN_CLIENT_ID;
    delete process.env.GARMIN_CLIENT_SECRET;
    try {
      const account = `${ACCOUNT}-o1`;
      const [user] = await t.db.insert(users).values({ email: `garmin1-${randomBytes(4).toString("hex")}@example.test` }).returning();
      const started = await startOAuth1(user.id);
      const outcome = await authorize(sim.url, started.redirectUrl, { account });
      const { connection } = await completeOAuth1(t.db, user.id, Object.fromEntries(outcome.location!.searchParams), started.cookie.value);
      conns.set("garmin-oauth1", connection);
      expect(connection.authKind).toBe("oauth1");

      await post("/__admin/webhooks/garmin/mode", { summaryType: "sleeps", mode: "ping" });
      const to = Math.floor(Date.now() / 1000) - 50 * 86_400;
      const { deliveries } = (await post("/__admin/webhooks/deliver", { provider: "garmin", account, kind: "push", summaryType: "sleeps", from: to - 2 * 86_400, to })) as {
        deliveries: Array<{ status: number; requestBody: string; requestHeaders: Record<string, string>; url: string }>;
      };
      const [ping] = JSON.parse(deliveries[0].requestBody).sleeps;
      expect(ping.userAccessToken).toBeTruthy();
      expect(deliveries[0].requestHeaders["garmin-client-id"]).toBe(DEMO_CLIENTS.garmin_oauth1.clientId);
      const [stored] = await t.db.select().from(webhookEvents).where(and(eq(webhookEvents.connectionId, connection.id), eq(webhookEvents.status, "pending")));
      expect(stored).toBeDefined();
      const signedBefore = sim.state.stats().garmin["ping:sleeps"] ?? 0;
      const outcomes = [];
      for (const e of await t.db.select().from(webhookEvents).where(and(eq(webhookEvents.connectionId, connection.id), eq(webhookEvents.status, "pending")))) {
        outcomes.push(await processWebhookEvent(t.db, e.id));
      }
      expect(outcomes.map((o) => o.status)).toEqual(["processed"]);
      expect(sim.state.stats().garmin["ping:sleeps"]).toBe(signedBefore + 1); // the simulator verified the OAuth 1.0a signature
      const sleeps = await t.db.select().from(sleepSessions).where(and(eq(sleepSessions.userId, user.id), eq(sleepSessions.provider, "garmin")));
      expect(sleeps.length).toBeGreaterThanOrEqual(1);

      // The same ping with another token: not this connection's, so not acted on.
      const forged = JSON.parse(deliveries[0].requestBody);
      forged.sleeps[0].userAccessToken = `${ping.userAccessToken}x`;
      const res = await fetch(deliveries[0].url, { method: "POST", headers: deliveries[0].requestHeaders, body: JSON.stringify(forged) });
      expect(res.status).toBe(200);
      const ignored = (await t.db.select().from(webhookEvents).where(eq(webhookEvents.connectionId, connection.id))).filter((e) => e.status === "ignored");
      expect(ignored.map((e) => e.reason)).toEqual(["the userAccessToken is not this connection's token"]);
      await t.db.delete(providerConnections).where(eq(providerConnections.id, connection.id));
    } finally {
      process.env.GARMIN_CLIENT_ID = DEMO_CLIENTS.garmin.clientId;
      process.env.GARMIN_CLIENT_SECRET = DEMO_CLIENTS.garmin.clientSecret;
    }
  });

  it("a ping's callbackURL is fetched with the connection's credentials", async () => {
    const conn = conns.get("garmin")!;
    await post("/__admin/webhooks/garmin/mode", { summaryType: "hrv", mode: "ping" });
    const to = Math.floor(Date.now() / 1000) - 40 * 86_400;
    const from = to - 3 * 86_400;
    const { deliveries } = (await post("/__admin/webhooks/deliver", { provider: "garmin", account: ACCOUNT, kind: "push", summaryType: "hrv", from, to })) as {
      deliveries: Array<{ status: number; requestBody: string }>;
    };
    expect(deliveries[0].status).toBe(200);
    expect(JSON.parse(deliveries[0].requestBody).hrv[0].callbackURL).toMatch(/^https:\/\/apis\.garmin\.com\/wellness-api\/rest\/hrv\?/);
    const before = sim.state.stats().garmin["ping:hrv"] ?? 0;
    const expectedDays = garminRecords(ACCOUNT, "hrv", new Date(from * 1000), new Date(to * 1000)).map((r) => String(r.calendarDate));
    expect(expectedDays.length).toBeGreaterThanOrEqual(2);
    const { outcomes } = await drain("garmin");
    expect(outcomes.map((o) => o.detail)).toEqual([expect.stringMatching(new RegExp(`^hrv: ${expectedDays.length} records`))]);
    expect(sim.state.stats().garmin["ping:hrv"]).toBe(before + 1);
    const days = await t.db
      .select()
      .from(dailySummaries)
      .where(and(eq(dailySummaries.userId, conn.userId), eq(dailySummaries.provider, "garmin"), inArray(dailySummaries.date, expectedDays)));
    expect(days).toHaveLength(expectedDays.length);
    expect(days.every((d) => d.hrvRmssdMs !== null)).toBe(true);
  });
});
