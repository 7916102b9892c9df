import { randomBytes } from "node:crypto";
import type { ProviderId } from "@/lib/providers/types";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoEnv } from "@sim/clients";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { authorize } from "@sim/testing";
import { DEMO_WEBHOOK_SETTINGS } from "@sim/clients";
import type { Delivery } from "@sim/webhooks/delivery";
import { ouraSubscriptions } from "@sim/providers/oura/webhook";
import { polarWebhook } from "@sim/providers/polar/webhook";
import { stravaSubscription } from "@sim/providers/strava/webhook";
import { withingsSubscriptions } from "@sim/providers/withings/webhook";
import { completeConnect, startConnect } from "@/lib/connections/connect";
import { disconnect } from "@/lib/connections/disconnect";
import { providerConnections, users, webhookEvents } from "@/lib/db/schema";
import { testDb, type TestDb } from "@/test/db";
import { subscribeWebhooks } from "./subscribe";
import { startWebhookApp, type WebhookApp } from "./test-support";

/**
 * Subscriptions and handshakes end to end: the app's subscribe command and connect/disconnect hooks
 * call the simulator, which performs each provider's handshake against the app over loopback HTTP.
 */

let sim: RunningSimulator;
let app: WebhookApp;
let t: TestDb;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  t = await testDb();
  app = await startWebhookApp(t.db);
  Object.assign(process.env, demoEnv(sim.url), {
    APP_URL: app.url,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
  });
  await fetch(`${sim.url}/__admin/webhooks/target`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ appUrl: app.url }) });
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await app?.close();
  await sim?.close();
  await t?.close();
});

async function deliveries(provider: ProviderId, kind?: string): Promise<Delivery[]> {
  const res = await fetch(`${sim.url}/__admin/webhooks/deliveries?provider=${provider}${kind ? `&kind=${kind}` : ""}`);
  return ((await res.json()) as { deliveries: Delivery[] }).deliveries;
}
const rejected = async (provider: ProviderId) =>
  (await t.db.select().from(webhookEvents).where(eq(webhookEvents.provider, provider))).filter((e) => e.status === "rejected");
const simPost = (path: string, init: RequestInit) => fetch(`${sim.url}/${path}`, { method: "POST", ...init });

async function connect(provider: ProviderId, account: string) {
  const [user] = await t.db.insert(users).values({ email: `${provider}-${randomBytes(4).toString("hex")}@example.test` }).returning();
  const { url } = await startConnect(t.db, { userId: user.id, provider });
  const outcome = await authorize(sim.url, url, { account });
  return completeConnect(t.db, { userId: user.id, query: Object.fromEntries(outcome.location!.searchParams) });
}

describe("strava push subscription", () => {
  it("is created through the hub.challenge handshake, then reported as existing", async () => {
    const { lines } = await subscribeWebhooks("strava");
    const sub = stravaSubscription(sim.state)!;
    expect(sub.callbackUrl).toBe(`${app.url}/api/webhooks/strava`);
    expect(lines).toEqual([`created subscription ${sub.id} → ${app.url}/api/webhooks/strava`]);
    const [handshake] = await deliveries("strava", "handshake");
    expect(handshake.status).toBe(200);
    expect(JSON.parse(handshake.responseBody)).toEqual({ "hub.challenge": new URL(handshake.url).searchParams.get("hub.challenge") });

    expect((await subscribeWebhooks("strava")).lines[0]).toMatch(/^already subscribed/);
    expect((await subscribeWebhooks("strava", "list")).lines[0]).toContain(String(sub.id));
  });

  it("fails when the app does not know the verify token; the app logs the refused handshake", async () => {
    await subscribeWebhooks("strava", "delete");
    expect(stravaSubscription(sim.state)).toBeNull();
    const form = new URLSearchParams({
      client_id: process.env.STRAVA_CLIENT_ID!,
      client_secret: process.env.STRAVA_CLIENT_SECRET!,
      callback_url: `${app.url}/api/webhooks/strava`,
      verify_token: "not-the-app-token",
    });
    const res = await simPost("www.strava.com/api/v3/push_subscriptions", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
    expect(res.status).toBe(400);
    expect(stravaSubscription(sim.state)).toBeNull();
    expect((await deliveries("strava", "handshake")).at(-1)!.status).toBe(403);
    expect((await rejected("strava")).map((r) => r.reason)).toContain("GET handshake refused (wrong verification token)");
  });
});

describe("oura subscriptions", () => {
  it("creates one per synced data type and event type, each after the challenge handshake", async () => {
    const { lines } = await subscribeWebhooks("oura");
    const subs = ouraSubscriptions(sim.state);
    expect(subs).toHaveLength(15); // 5 data types × create/update/delete
    expect(new Set(subs.map((s) => s.callback_url))).toEqual(new Set([`${app.url}/api/webhooks/oura`]));
    expect(lines.filter((l) => l.startsWith("created"))).toHaveLength(15);
    expect((await deliveries("oura", "handshake")).every((d) => d.status === 200)).toBe(true);
    // Run again: nothing new.
    expect((await subscribeWebhooks("oura")).lines.every((l) => l.startsWith("already subscribed"))).toBe(true);
  });

  it("a wrong verification token fails the handshake", async () => {
    const res = await simPost("api.ouraring.com/v2/webhook/subscription", {
      headers: { "content-type": "application/json", "x-client-id": process.env.OURA_CLIENT_ID!, "x-client-secret": process.env.OURA_CLIENT_SECRET! },
      body: JSON.stringify({ callback_url: `${app.url}/api/webhooks/oura`, verification_token: "wrong", event_type: "create", data_type: "tag" }),
    });
    expect(res.status).toBe(400);
    expect((await deliveries("oura", "handshake")).at(-1)!.status).toBe(401);
    expect(await rejected("oura")).toHaveLength(1);
  });
});

describe("polar webhook", () => {
  it("is created after the unsigned PING, and the command prints the secret shown once", async () => {
    const { lines } = await subscribeWebhooks("polar");
    const hook = polarWebhook(sim.state)!;
    expect(hook.url).toBe(`${app.url}/api/webhooks/polar`);
    expect(lines).toEqual([
      `created webhook ${hook.id} → ${app.url}/api/webhooks/polar`,
      `set POLAR_WEBHOOK_SECRET=${DEMO_WEBHOOK_SETTINGS.POLAR_WEBHOOK_SECRET}  (Polar shows this key only once)`,
    ]);
    const [ping] = await deliveries("polar", "ping");
    expect(ping.status).toBe(200);
    // A PING is a handshake, not a notice: nothing stored.
    expect(await t.db.select().from(webhookEvents).where(eq(webhookEvents.provider, "polar"))).toHaveLength(0);
    expect((await subscribeWebhooks("polar")).lines[0]).toMatch(/^already subscribed/);
  });
});

describe("dashboard-configured providers", () => {
  it("whoop: prints where the URL is set", async () => {
    const { lines } = await subscribeWebhooks("whoop");
    expect(lines[0]).toContain("Developer Dashboard");
    expect(lines[0]).toContain(`${app.url}/api/webhooks/whoop`);
  });

  it("rejects an unknown provider", async () => {
    await expect(subscribeWebhooks("myspace")).rejects.toThrow(/unknown provider/);
  });
});

describe("per-user subscriptions on connect / disconnect", () => {
  it("withings: connect subscribes 1, 4, 16 and 44 with the callback URL; disconnect revokes them", async () => {
    const { connection } = await connect("withings", "weigh-1");
    const userid = connection.providerUserId!;
    const mine = () => withingsSubscriptions(sim.state).filter((s) => s.userId === userid);
    expect(mine().map((s) => s.appli).sort((a, b) => a - b)).toEqual([1, 4, 16, 44]);
    expect(new Set(mine().map((s) => s.callbackurl))).toEqual(new Set([`${app.url}/api/webhooks/withings`]));
    expect(connection.meta).toMatchObject({ withingsNotify: { callbackUrl: `${app.url}/api/webhooks/withings`, applis: [1, 4, 16, 44] } });

    const result = await disconnect(t.db, connection.userId, "withings");
    expect(result).toMatchObject({ disconnected: true, revoked: true });
    expect(mine()).toEqual([]);
    expect(await t.db.select().from(providerConnections).where(eq(providerConnections.id, connection.id))).toEqual([]);
  });
});
