import { randomBytes } from "node:crypto";
import type { ProviderId } from "@/lib/providers/types";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoEnv } from "@sim/clients";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { authorize } from "@sim/testing";
import { setWebhookTarget } from "@sim/webhooks";
import type { Delivery } from "@sim/webhooks/delivery";
import { completeConnect, startConnect } from "@/lib/connections/connect";
import { simData } from "@sim/data/generator";
import { stravaAthleteId } from "@sim/providers/strava/oauth";
import { garminUserId } from "@sim/providers/garmin/oauth";
import { withingsUserId } from "@sim/providers/withings/oauth";
import { activities, dailySummaries, providerConnections, rateBudget, sleepSessions, syncRuns, users, webhookEvents } from "@/lib/db/schema";
import type { Db } from "@/lib/db";
import { upsertBatch } from "@/lib/normalize/upsert";
import { engines, type TestDb } from "@/test/db";
import { CONFIRM_BUDGET, processWebhookEvent } from "./process";
import { MAX_PENDING_PER_CONNECTION } from "./receive";
import { webhookDeliveryIssues } from "./status";
import { pruneWebhookEvents, startWebhookRunner } from "./runner";
import { startWebhookApp, type WebhookApp } from "./test-support";

/**
 * Receiving → storing → processing, per provider, with the simulator delivering real signed
 * notices over loopback HTTP to the app's handler (the same `handleWebhook` the route calls), on
 * PGlite and (with DATABASE_URL) PostgreSQL. Processing uses the real sync engine's enqueueSync,
 * so a notice's narrow sync shows up as a queued `sync_run` with its resources and window.
 */

let sim: RunningSimulator;
let app: WebhookApp;
let current: Db;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  app = await startWebhookApp(() => current);
  Object.assign(process.env, demoEnv(sim.url), {
    APP_URL: app.url,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
  });
  // Not over HTTP here: a keep-alive socket left idle while PGlite starts (it blocks the event loop)
  // can be reset by the simulator's idle timeout just as the next request reuses it.
  setWebhookTarget(sim.state, app.url);
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await app?.close();
  await sim?.close();
});

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}/__admin/webhooks${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** One delivery through the simulator's admin API; returns what the app answered. */
async function deliver(provider: ProviderId, account: string, notice: Record<string, unknown> = {}): Promise<Delivery> {
  const { status, json } = await admin("POST", "/deliver", { provider, account, ...notice });
  expect(status, JSON.stringify(json)).toBe(200);
  const [d] = json.deliveries as Delivery[];
  expect(d.error).toBeNull();
  return d;
}

/** Sends a logged delivery again, optionally with a header changed (the forged/tampered copy). */
async function resend(d: Delivery, headers: Record<string, string> = {}) {
  return fetch(d.url, { method: "POST", headers: { ...d.requestHeaders, ...headers }, body: d.requestBody });
}

/**
 * The value with its second-to-last character before any base64 padding changed to another digit.
 * Not the last: in base64 the last digit before `=` padding carries unused low bits, so changing
 * it can decode to the very same bytes (an accepted "tampered" signature, about one run in eight).
 * Every other digit is a real difference in hex, base64 and text alike.
 */
const offByOne = (s: string) => {
  const i = s.replace(/=+$/, "").length - 2;
  return s.slice(0, i) + (s[i]?.toLowerCase() === "0" ? "1" : "0") + s.slice(i + 1);
};

describe.each(engines)("webhooks: receive, store, process ($name)", ({ open }) => {
  let t: TestDb;
  const conns = new Map<string, { id: string; userId: string }>();

  beforeAll(async () => {
    t = await open();
    current = t.db;
    // One connected user per provider, through the real OAuth flow against the simulator.
    for (const provider of ["strava", "google_health", "oura", "whoop", "polar", "coros", "withings", "garmin"]) {
      const [user] = await t.db.insert(users).values({ email: `${provider}-${randomBytes(4).toString("hex")}@example.test` }).returning();
      const { url } = await startConnect(t.db, { userId: user.id, provider });
      const outcome = await authorize(sim.url, url, { account: "athlete-1" });
      const { connection } = await completeConnect(t.db, { userId: user.id, query: Object.fromEntries(outcome.location!.searchParams) });
      conns.set(provider, { id: connection.id, userId: user.id });
    }
  });
  afterAll(() => t?.close());

  const events = (provider: ProviderId) => t.db.select().from(webhookEvents).where(eq(webhookEvents.provider, provider));
  const webhookRuns = (provider: ProviderId) =>
    t.db.select().from(syncRuns).where(and(eq(syncRuns.connectionId, conns.get(provider)!.id), eq(syncRuns.trigger, "webhook")));
  const processAll = async (provider: ProviderId) => {
    const out = [];
    for (const e of await events(provider)) if (e.status === "pending") out.push(await processWebhookEvent(t.db, e.id));
    return out;
  };
  const clean = async () => {
    await t.db.delete(webhookEvents);
    await t.db.delete(syncRuns);
    await t.db.delete(rateBudget);
  };

  type Case = {
    provider: ProviderId;
    notice: Record<string, unknown>;
    /** The header carrying the signature / shared secret / client id, tampered by one byte. */
    signed?: string;
    ack: number;
    reject?: number;
    /** The narrow sync the notice must queue. */
    sync?: { resources: string[]; from?: string; to?: string };
  };
  const cases: Case[] = [
    {
      provider: "google_health",
      notice: { dataType: "sleep", from: "2024-01-14T23:00:00Z", to: "2024-01-15T07:00:00Z" },
      signed: "x-healthapi-signature",
      ack: 204,
      reject: 401,
      sync: { resources: ["sleep", "respiratory_rate_sleep_summary"], from: "2024-01-13T23:00:00.000Z", to: "2024-01-16T07:00:00.000Z" },
    },
    {
      provider: "polar",
      notice: { event: "SLEEP", date: "2024-01-15" },
      signed: "polar-webhook-signature",
      ack: 200,
      reject: 401,
      sync: { resources: ["sleep", "nightly_recharge"], from: "2024-01-14T00:00:00.000Z", to: "2024-01-17T00:00:00.000Z" },
    },
    {
      provider: "coros",
      notice: { workouts: [{ labelId: "4242", startTime: 1705305600, endTime: 1705309200 }] },
      signed: "secret",
      ack: 200,
      reject: 401,
      sync: { resources: ["sport_list"], from: "2024-01-15T08:00:00.000Z", to: "2024-01-15T09:00:01.000Z" },
    },
    {
      provider: "withings",
      notice: { appli: 44, startdate: 1705305600, enddate: 1705309200 },
      ack: 200,
      sync: { resources: ["sleep_summary"], from: "2024-01-15T08:00:00.000Z", to: "2024-01-15T09:00:01.000Z" },
    },
    { provider: "oura", notice: { dataType: "sleep", eventType: "delete", objectId: "oura-sleep-1" }, signed: "x-oura-signature", ack: 200, reject: 401 },
    { provider: "whoop", notice: { type: "sleep.deleted", id: "0f0e0d0c-1111-4222-8333-444455556666" }, signed: "x-whoop-signature", ack: 200, reject: 401 },
    { provider: "strava", notice: { objectType: "activity", aspectType: "delete", objectId: "98765" }, ack: 200 },
    {
      provider: "garmin",
      notice: { kind: "push", summaryType: "activities", records: [{ summaryId: "garmin-act-1", activityType: "RUNNING", startTimeInSeconds: 1705305600, durationInSeconds: 1800, distanceInMeters: 5000 }] },
      signed: "garmin-client-id",
      ack: 200,
      reject: 401,
    },
  ];

  it.each(cases)("$provider: a valid notice is stored, acknowledged, then processed once", async (c) => {
    await clean();
    const conn = conns.get(c.provider)!;
    const d = await deliver(c.provider, "athlete-1", c.notice);
    expect(d.status).toBe(c.ack);
    const [stored] = await events(c.provider);
    // Stored before anything acted on it, bound to the connection, and answered.
    expect(stored).toMatchObject({ status: "pending", connectionId: conn.id, userId: conn.userId, attempts: 0 });
    expect(app.dispatched).toContain(stored.id);

    const outcome = await processWebhookEvent(t.db, stored.id);
    expect(outcome.status, outcome.detail).toBe("processed");
    const [done] = await events(c.provider);
    expect(done.status).toBe("processed");
    expect(done.processedAt).not.toBeNull();

    const runs = await webhookRuns(c.provider);
    if (c.sync) {
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: "queued", trigger: "webhook" });
      expect([...(runs[0].resources ?? [])].sort()).toEqual([...c.sync.resources].sort());
      if (c.sync.from) expect(runs[0].windowFrom?.toISOString()).toBe(c.sync.from);
      if (c.sync.to) expect(runs[0].windowTo?.toISOString()).toBe(c.sync.to);
    } else {
      expect(runs).toHaveLength(0);
    }
    // Processing again changes nothing.
    expect((await processWebhookEvent(t.db, stored.id)).status).toBe("skipped");
    expect(await webhookRuns(c.provider)).toHaveLength(runs.length);
  });

  it.each(cases)("$provider: the same notice twice is stored once and processed once", async (c) => {
    await clean();
    const d = await deliver(c.provider, "athlete-1", c.notice);
    const again = await resend(d);
    expect(again.status).toBe(c.ack);
    expect(await events(c.provider)).toHaveLength(1);
    await processAll(c.provider);
    expect(await webhookRuns(c.provider)).toHaveLength(c.sync ? 1 : 0);
    // A replay after processing: still nothing new (event-type notices keep their key for good).
    await resend(d);
    await processAll(c.provider);
    const stored = await events(c.provider);
    const replay = cases.find((x) => x.provider === c.provider)!;
    if (["google_health", "withings"].includes(replay.provider)) {
      // "Something changed on this date" notices: after the first was processed, the same notice may mean new data.
      expect(stored).toHaveLength(2);
    } else {
      expect(stored).toHaveLength(1);
      expect(await webhookRuns(c.provider)).toHaveLength(c.sync ? 1 : 0);
    }
  });

  it.each(cases.filter((c) => c.signed))("$provider: a signature off by one byte is rejected and nothing is synced", async (c) => {
    await clean();
    const d = await deliver(c.provider, "athlete-1", c.notice);
    await t.db.delete(webhookEvents); // keep only what the tampered copy leaves behind
    const res = await resend(d, { [c.signed!]: offByOne(d.requestHeaders[c.signed!]) });
    expect(res.status).toBe(c.reject);
    const rows = await events(c.provider);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "rejected", connectionId: null, userId: null });
    expect(rows[0].reason).toMatch(/does not match|not our client id/);
    // The COROS secret header is our client secret: never stored.
    expect(JSON.stringify(rows[0].headers)).not.toContain(d.requestHeaders.secret ?? "never-there");
    expect(await webhookRuns(c.provider)).toHaveLength(0);
  });

  it.each(cases)("$provider: a notice for an unknown user is ignored and logged", async (c) => {
    await clean();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const d = await deliver(c.provider, "nobody-we-know", c.notice);
      expect(d.status).toBe(c.ack);
      const rows = await events(c.provider);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: "ignored", connectionId: null });
      expect(rows[0].reason).toMatch(/no connection for/);
      expect(warn.mock.calls.some(([m]) => String(m).includes("ignored"))).toBe(true);
      expect(app.dispatched).not.toContain(rows[0].id);
      expect((await processWebhookEvent(t.db, rows[0].id)).status).toBe("skipped");
    } finally {
      warn.mockRestore();
    }
  });

  it.each(cases)("$provider: killed between storing and processing → processed after restart", async (c) => {
    await clean();
    await deliver(c.provider, "athlete-1", c.notice);
    const [stored] = await events(c.provider);
    expect(stored.status).toBe("pending"); // the "process" died here: nothing ran
    // A fresh runner (a restarted app) finds the pending row on its first poll.
    const runner = startWebhookRunner(async () => t.db, { pollMs: 60_000, coalesceMs: 0 });
    await runner.idle();
    await runner.stop();
    const [after] = await events(c.provider);
    expect(after.status, after.reason ?? "").toBe("processed");
    expect(await webhookRuns(c.provider)).toHaveLength(c.sync ? 1 : 0);
  });

  it("a notice left `processing` by a dead process is taken over after the stale delay; a fresh one is not", async () => {
    await clean();
    await deliver("google_health", "athlete-1", { dataType: "weight", from: "2024-02-01T06:00:00Z", to: "2024-02-01T06:05:00Z" });
    const [row] = await events("google_health");
    const now = Date.now();
    await t.db.update(webhookEvents).set({ status: "processing", attempts: 1, processedAt: new Date(now - 60_000) }).where(eq(webhookEvents.id, row.id));
    expect((await processWebhookEvent(t.db, row.id)).status).toBe("skipped"); // still someone's
    await t.db.update(webhookEvents).set({ processedAt: new Date(now - 6 * 60_000) }).where(eq(webhookEvents.id, row.id));
    const outcome = await processWebhookEvent(t.db, row.id);
    expect(outcome.status, outcome.detail).toBe("processed");
    const [run] = await webhookRuns("google_health");
    expect(run.resources).toEqual(["weight"]);
  });

  it("finished notices are pruned after the retention; pending ones are kept", async () => {
    await clean();
    const old = new Date(Date.now() - 31 * 86_400_000);
    await t.db.insert(webhookEvents).values([
      { provider: "google_health", dedupeKey: "old-done", status: "processed", body: "[]", receivedAt: old },
      { provider: "google_health", dedupeKey: "old-rejected", status: "rejected", body: "", receivedAt: old },
      { provider: "google_health", dedupeKey: "old-pending", status: "pending", body: "[]", receivedAt: old },
      // The app's clock, as the receiving route writes it (not the column's database default).
      { provider: "google_health", dedupeKey: "new-done", status: "processed", body: "[]", receivedAt: new Date() },
    ]);
    expect(await pruneWebhookEvents(t.db)).toBe(2);
    expect((await events("google_health")).map((e) => e.dedupeKey).sort()).toEqual(["new-done", "old-pending"]);
  });

  it("strava: a deleted activity is marked; authorized=false revokes the connection", async () => {
    await clean();
    const conn = conns.get("strava")!;
    const startAt = new Date("2024-01-15T07:30:00Z");
    await upsertBatch(t.db, conn.userId, {
      activities: [{ provider: "strava", externalId: "555001", type: "run", startAt, localDate: "2024-01-15", raw: {} }],
    });
    await deliver("strava", "athlete-1", { objectType: "activity", aspectType: "delete", objectId: "555001" });
    await processAll("strava");
    const [act] = await t.db.select().from(activities).where(and(eq(activities.userId, conn.userId), eq(activities.externalId, "555001")));
    expect(act.deletedAt).not.toBeNull();

    await deliver("strava", "athlete-1", { objectType: "athlete", aspectType: "update", updates: { authorized: "false" } });
    await processAll("strava");
    const [row] = await t.db.select().from(providerConnections).where(eq(providerConnections.id, conn.id));
    expect(row.status).toBe("revoked");
    expect(row.lastError).toMatch(/revoked/);
    // Later notices for a revoked connection are not acted on.
    await deliver("strava", "athlete-1", { objectType: "activity", aspectType: "create", objectId: "555002" });
    const last = (await events("strava")).find((e) => e.body.includes("555002"))!;
    expect(last).toMatchObject({ status: "ignored", reason: "the connection is revoked" });
    await t.db.update(providerConnections).set({ status: "active", lastError: null }).where(eq(providerConnections.id, conn.id));
  });

  it("whoop: a correctly signed but stale notice is rejected", async () => {
    await clean();
    const d = await deliver("whoop", "athlete-1", { type: "sleep.deleted", id: "aaaa-bbbb", timestampMs: Date.now() - 10 * 60_000 });
    expect(d.status).toBe(401);
    const [row] = await events("whoop");
    expect(row).toMatchObject({ status: "rejected" });
    expect(row.reason).toMatch(/stale/);
  });

  it("oura and whoop: deletions mark our copy deleted", async () => {
    await clean();
    const oura = conns.get("oura")!;
    const sleep = { startAt: new Date("2024-01-14T23:00:00Z"), endAt: new Date("2024-01-15T07:00:00Z"), localDate: "2024-01-15", isNap: false, raw: {} };
    await upsertBatch(t.db, oura.userId, { sleepSessions: [{ provider: "oura", externalId: "oura-sleep-9", ...sleep }] });
    await deliver("oura", "athlete-1", { dataType: "sleep", eventType: "delete", objectId: "oura-sleep-9" });
    await processAll("oura");
    const [s] = await t.db.select().from(sleepSessions).where(and(eq(sleepSessions.userId, oura.userId), eq(sleepSessions.externalId, "oura-sleep-9")));
    expect(s.deletedAt).not.toBeNull();
  });

  it("withings: a notice for an appli the user is not subscribed to is ignored; unlink revokes", async () => {
    await clean();
    const conn = conns.get("withings")!;
    const d = await deliver("withings", "athlete-1", { appli: 54, startdate: 1705305600, enddate: 1705309200 });
    expect(d.status).toBe(200);
    const [row] = await events("withings");
    expect(row).toMatchObject({ status: "ignored", connectionId: conn.id });
    expect(row.reason).toMatch(/not subscribed to appli 54/);

    await deliver("withings", "athlete-1", { appli: 46, action: "unlink" });
    await processAll("withings");
    const [c] = await t.db.select().from(providerConnections).where(eq(providerConnections.id, conn.id));
    expect(c.status).toBe("revoked");
    await t.db.update(providerConnections).set({ status: "active", lastError: null }).where(eq(providerConnections.id, conn.id));
  });

  it("garmin: pushed records appear; permission changes and deregistrations update the connection", async () => {
    await clean();
    const conn = conns.get("garmin")!;
    await deliver("garmin", "athlete-1", {
      kind: "push",
      summaryType: "dailies",
      records: [{ summaryId: "garmin-daily-1", calendarDate: "2024-01-15", steps: 12345, restingHeartRateInBeatsPerMinute: 51 }],
    });
    const [pushed] = await processAll("garmin");
    expect(pushed.detail).toMatch(/dailies: 1 records → daily_summary \+1/);
    const [day] = await t.db.select().from(dailySummaries).where(and(eq(dailySummaries.userId, conn.userId), eq(dailySummaries.provider, "garmin")));
    expect(day).toMatchObject({ date: "2024-01-15", steps: 12345, restingHr: 51 });

    await deliver("garmin", "athlete-1", { kind: "permissions", permissions: ["ACTIVITY_EXPORT"] });
    await processAll("garmin");
    let [c] = await t.db.select().from(providerConnections).where(eq(providerConnections.id, conn.id));
    expect(c.scopes).toEqual(["ACTIVITY_EXPORT"]);

    await deliver("garmin", "athlete-1", { kind: "deregistration" });
    await processAll("garmin");
    [c] = await t.db.select().from(providerConnections).where(eq(providerConnections.id, conn.id));
    expect(c.status).toBe("revoked");
    await t.db.update(providerConnections).set({ status: "active", lastError: null }).where(eq(providerConnections.id, conn.id));
  });
  it("garmin: an implausible pushed record is refused and reported; the rest of the push lands", async () => {
    await clean();
    await reconnect("garmin");
    const conn = conns.get("garmin")!;
    const base = { activityType: "RUNNING", startTimeInSeconds: 1_705_305_600, durationInSeconds: 1800, distanceInMeters: 5000 };
    await deliver("garmin", "athlete-1", {
      kind: "push",
      summaryType: "activities",
      records: [
        { ...base, summaryId: "plausible-1", averageHeartRateInBeatsPerMinute: 150 },
        { ...base, summaryId: "implausible-1", averageHeartRateInBeatsPerMinute: 400 },
      ],
    });
    const [outcome] = await processAll("garmin");
    expect(outcome.status).toBe("processed");
    expect(outcome.detail).toMatch(/activity \+1.*1 refused as implausible \(avg_hr must be between 20 and 300 bpm \(got 400\)\)/);
    const rows = await t.db.select().from(activities).where(and(eq(activities.userId, conn.userId), inArray(activities.externalId, ["plausible-1", "implausible-1"])));
    expect(rows.map((r) => r.externalId)).toEqual(["plausible-1"]);
  });

  // ───── forged, unsigned requests: plain HTTP to the app, no provider involved ─────

  /** A request an attacker makes: no signature, nothing but what is public. */
  const forge = (provider: ProviderId, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${app.url}/api/webhooks/${provider}`, { method: "POST", headers, body });
  const stravaEvent = (o: Record<string, unknown>) =>
    JSON.stringify({ object_type: "activity", aspect_type: "create", owner_id: Number(stravaAthleteId("athlete-1")), subscription_id: 1, event_time: 1_700_000_000, updates: {}, ...o });
  /** An activity that exists at the simulated Strava for athlete-1. */
  const liveStravaActivity = () => simData(sim.state).walk("strava", "athlete-1", "activities", { order: "desc" }).next().value!.body as { id: number; start_date: string };
  const stravaCalls = () => sim.state.stats().strava?.["activities/id"] ?? 0;
  /** Connects the provider's user again: earlier cases revoked its grant at the simulated provider. */
  const reconnect = async (provider: ProviderId) => {
    const { userId } = conns.get(provider)!;
    const { url } = await startConnect(t.db, { userId, provider });
    const outcome = await authorize(sim.url, url, { account: "athlete-1" });
    const { connection } = await completeConnect(t.db, { userId, query: Object.fromEntries(outcome.location!.searchParams) });
    conns.set(provider, { id: connection.id, userId });
    expect(connection.status).toBe("active");
  };
  const connectionRow = async (provider: ProviderId) => (await t.db.select().from(providerConnections).where(eq(providerConnections.id, conns.get(provider)!.id)))[0];

  it("strava: a forged delete of an activity that still exists at Strava deletes nothing", async () => {
    await clean();
    await reconnect("strava");
    const conn = conns.get("strava")!;
    const live = liveStravaActivity();
    await upsertBatch(t.db, conn.userId, {
      activities: [{ provider: "strava", externalId: String(live.id), type: "run", startAt: new Date(live.start_date), localDate: live.start_date.slice(0, 10), raw: {} }],
    });
    const before = stravaCalls();
    expect((await forge("strava", stravaEvent({ object_id: live.id, aspect_type: "delete" }))).status).toBe(200);
    const [outcome] = await processAll("strava");
    expect(outcome).toMatchObject({ status: "ignored" });
    expect(outcome.detail).toMatch(/not confirmed: activity \d+ still exists at strava/);
    expect(stravaCalls()).toBe(before + 1); // asked Strava, once
    const [act] = await t.db.select().from(activities).where(and(eq(activities.userId, conn.userId), eq(activities.externalId, String(live.id))));
    expect(act.deletedAt).toBeNull();
    // The connection card tells the user.
    const issues = await webhookDeliveryIssues(t.db, conn.userId);
    expect(issues.get(conns.get("strava")!.id)).toMatchObject({ count: 1, latestReason: expect.stringMatching(/still exists at strava/) });
  });

  it("strava: a forged authorized=false leaves the connection active (Strava still accepts its token)", async () => {
    await clean();
    const body = stravaEvent({ object_type: "athlete", object_id: Number(stravaAthleteId("athlete-1")), aspect_type: "update", updates: { authorized: "false" } });
    expect((await forge("strava", body)).status).toBe(200);
    const [outcome] = await processAll("strava");
    expect(outcome.status).toBe("ignored");
    expect(outcome.detail).toMatch(/still accepts the connection's token/);
    expect((await connectionRow("strava")).status).toBe("active");
  });

  it("withings: a forged unlink leaves the connection active (Withings still accepts its token)", async () => {
    await clean();
    await reconnect("withings");
    const body = new URLSearchParams({ userid: withingsUserId("athlete-1"), appli: "46", action: "unlink" }).toString();
    expect((await forge("withings", body, { "content-type": "application/x-www-form-urlencoded" })).status).toBe(200);
    const [outcome] = await processAll("withings");
    expect(outcome.status, outcome.detail).toBe("ignored");
    expect((await connectionRow("withings")).status).toBe("active");
  });

  it("garmin: forged pushes (public client id, wrong or no userAccessToken) store nothing; forged deregistration and permissions change nothing Garmin does not confirm", async () => {
    await clean();
    await reconnect("garmin");
    const conn = conns.get("garmin")!;
    const headers = { "content-type": "application/json", "garmin-client-id": process.env.GARMIN_CLIENT_ID! };
    const userId = garminUserId("athlete-1");
    const fake = { userId, summaryId: "forged-1", activityType: "RUNNING", startTimeInSeconds: 1_705_305_600, durationInSeconds: 3600, distanceInMeters: 500_000, averageHeartRateInBeatsPerMinute: 250 };
    const [stored] = await t.db.select().from(providerConnections).where(eq(providerConnections.id, conn.id));
    expect(stored.accessTokenEnc).toBeTruthy();
    expect((await forge("garmin", JSON.stringify({ activities: [{ ...fake, userAccessToken: "guessed-token" }] }), headers)).status).toBe(200);
    expect((await forge("garmin", JSON.stringify({ activities: [{ ...fake, summaryId: "forged-2" }] }), headers)).status).toBe(200);
    const rows = await events("garmin");
    expect(rows.map((r) => r.status)).toEqual(["ignored", "ignored"]);
    expect(rows.map((r) => r.reason).sort()).toEqual(["the item carries no userAccessToken, so it cannot be Garmin's", "the userAccessToken is not this connection's token"]);
    expect(await processAll("garmin")).toEqual([]);
    const forged = await t.db.select().from(activities).where(and(eq(activities.userId, conn.userId), eq(activities.provider, "garmin")));
    expect(forged.filter((a) => a.externalId.startsWith("forged-"))).toEqual([]);

    // OAuth 2.0 items carry no token; Garmin itself is asked.
    await forge("garmin", JSON.stringify({ deregistrations: [{ userId }] }), headers);
    await forge("garmin", JSON.stringify({ userPermissionsChange: [{ userId, summaryId: "x1", permissions: [], changeTimeInSeconds: 1 }] }), headers);
    await processAll("garmin");
    const done = (await events("garmin")).filter((e) => !e.body.includes("forged-"));
    expect(done.map((e) => `${e.status}: ${e.reason}`).sort()).toEqual([
      "ignored: not confirmed: garmin still accepts the connection's token",
      "processed: permissions now ACTIVITY_EXPORT, HEALTH_EXPORT (as the provider answers)",
    ]);
    const c = await connectionRow("garmin");
    expect(c.status).toBe("active");
    expect(c.scopes).toEqual(["ACTIVITY_EXPORT", "HEALTH_EXPORT"]); // what Garmin answers, not the forged []
  });

  it("strava: 100 notices about one activity make one lookup and one narrow run", async () => {
    await clean();
    const live = liveStravaActivity();
    const before = stravaCalls();
    for (let i = 0; i < 100; i++) expect((await forge("strava", stravaEvent({ object_id: live.id, event_time: 1_700_000_000 + i }))).status).toBe(200);
    expect(await events("strava")).toHaveLength(100);
    const outcomes = await processAll("strava");
    // The first claims the 99 others; they are done by the time the loop reaches them.
    expect(outcomes.map((o) => o.status)).toEqual(["processed", ...Array(99).fill("skipped")]);
    expect(outcomes[0].coalesced).toBe(99);
    expect(stravaCalls()).toBe(before + 1);
    const runs = await webhookRuns("strava");
    expect(runs).toHaveLength(1);
    expect(runs[0].windowTo!.getTime() - runs[0].windowFrom!.getTime()).toBeLessThan(86_400_000);
    expect((await events("strava")).every((e) => e.status === "processed")).toBe(true);

    // A later notice while that run still waits widens it instead of queueing another.
    await forge("strava", stravaEvent({ object_id: live.id + 1, event_time: 1_700_000_500 }));
    await processAll("strava");
    expect(await webhookRuns("strava")).toHaveLength(1);
  });

  it(`strava: at most ${MAX_PENDING_PER_CONNECTION} notices wait per connection (then 429), and notices make at most ${CONFIRM_BUDGET[0].limit} provider calls an hour`, async () => {
    await clean();
    const statuses: number[] = [];
    for (let i = 0; i < MAX_PENDING_PER_CONNECTION + 5; i++) {
      const res = await forge("strava", stravaEvent({ object_id: 9_000_000_000 + i, aspect_type: "delete", event_time: 1_700_000_000 + i }));
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBe("60");
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(MAX_PENDING_PER_CONNECTION);
    expect(statuses.slice(MAX_PENDING_PER_CONNECTION)).toEqual(Array(5).fill(429));
    expect(await events("strava")).toHaveLength(MAX_PENDING_PER_CONNECTION);

    const before = stravaCalls();
    await processAll("strava");
    expect(stravaCalls() - before).toBe(CONFIRM_BUDGET[0].limit);
    const rows = await events("strava");
    // At least the notices past the budget are refused (more when the simulated Strava's own app-wide
    // rate limit, shared with the other engine's run, answered some of the 60 calls with 429).
    const refused = rows.filter((r) => /too many provider calls/.test(r.reason ?? "")).length;
    expect(refused).toBeGreaterThanOrEqual(MAX_PENDING_PER_CONNECTION - CONFIRM_BUDGET[0].limit);
    expect(rows.filter((r) => r.status === "processed").length + refused).toBe(MAX_PENDING_PER_CONNECTION);
  });
});
