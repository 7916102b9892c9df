import { createHmac, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoEnv } from "@sim/clients";
import { DEMO_WEBHOOK_SETTINGS } from "@sim/clients";
import { providerConnections, syncRuns, users, webhookEvents } from "@/lib/db/schema";
import { saveConnection } from "@/lib/connections/store";
import { startWebhookProcessRunner, webhookProcessRunner } from "@/lib/webhooks/runner";
import { testDb, type TestDb } from "@/test/db";

/**
 * The route handlers as Next calls them (real `Request` objects) against a real database: the
 * handshake, a signed notice that is stored and acknowledged, and the processing that the route
 * dispatches only after its answer (here to the in-process runner).
 */

const holder = vi.hoisted(() => ({ db: null as unknown }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: async () => holder.db,
}));

const { GET, POST } = await import("./route");

let t: TestDb;
const savedEnv = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, demoEnv("http://127.0.0.1:9"), {
    APP_URL: "http://localhost:3000",
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
  });
  t = await testDb();
  holder.db = t.db;
});
afterAll(async () => {
  await webhookProcessRunner()?.stop();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await t?.close();
});

const ctx = (provider: string) => ({ params: Promise.resolve({ provider }) });
/** Polar-Webhook-Signature as Polar computes it: hex HMAC-SHA256 of the raw body with the webhook secret. */
const sign = (body: string) => createHmac("sha256", DEMO_WEBHOOK_SETTINGS.POLAR_WEBHOOK_SECRET).update(body).digest("hex");
const url = (provider: string, query = "") => `http://localhost:3000/api/webhooks/${provider}${query}`;

describe("GET /api/webhooks/[provider]", () => {
  it("answers Strava's handshake with the challenge only for the right verify token", async () => {
    const token = DEMO_WEBHOOK_SETTINGS.STRAVA_WEBHOOK_VERIFY_TOKEN;
    const ok = await GET(new Request(url("strava", `?hub.mode=subscribe&hub.challenge=15f7d1a91c1f40f8a748fd134752feb3&hub.verify_token=${token}`)), ctx("strava"));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ "hub.challenge": "15f7d1a91c1f40f8a748fd134752feb3" });
    const wrong = await GET(new Request(url("strava", "?hub.mode=subscribe&hub.challenge=x&hub.verify_token=guess")), ctx("strava"));
    expect(wrong.status).toBe(403);
  });

  it("refuses unknown providers, providers without push and non-handshakes", async () => {
    expect((await GET(new Request(url("myspace")), ctx("myspace"))).status).toBe(404);
    // The legacy Fitbit Web API is switched off: its subscriber endpoint is gone with it.
    expect((await GET(new Request(url("fitbit", "?verify=demo-fitbit-verification-code")), ctx("fitbit"))).status).toBe(404);
    expect((await GET(new Request(url("hevy")), ctx("hevy"))).status).toBe(404); // no push at Hevy
    expect((await GET(new Request(url("whoop")), ctx("whoop"))).status).toBe(405); // WHOOP has no handshake
    expect((await GET(new Request(url("strava")), ctx("strava"))).status).toBe(400);
  });
});

describe("POST /api/webhooks/[provider]", () => {
  it("asks the provider to retry a body that did not arrive whole, and stores nothing of it as a notice", async () => {
    const body = JSON.stringify([{ collectionType: "activities", date: "2024-03-01", ownerId: "CUT1", ownerType: "user", subscriptionId: "x" }]);
    // The connection drops halfway through the body.
    const cut = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body.slice(0, 40)));
        controller.error(new Error("socket hang up"));
      },
    });
    const dropped = await POST(new Request(url("garmin"), { method: "POST", body: cut, duplex: "half" } as RequestInit), ctx("garmin"));
    expect(dropped.status).toBe(503);
    expect(dropped.headers.get("retry-after")).toBe("30");
    // Fewer bytes than the Content-Length announced.
    const short = await POST(
      new Request(url("garmin"), { method: "POST", headers: { "content-length": String(body.length + 10) }, body: body }),
      ctx("garmin"),
    );
    expect(short.status).toBe(503);
    const rows = await t.db.select().from(webhookEvents).where(eq(webhookEvents.provider, "garmin"));
    expect(rows.map((r) => [r.status, r.reason?.startsWith("delivery incomplete")])).toEqual([
      ["rejected", true],
      ["rejected", true],
    ]);
  });

  it("answers Polar's unsigned PING on POST with 200 and stores nothing", async () => {
    const before = (await t.db.select().from(webhookEvents).where(eq(webhookEvents.provider, "polar"))).length;
    const res = await POST(new Request(url("polar"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ event: "PING", timestamp: "2024-03-01T10:00:00Z" }) }), ctx("polar"));
    expect(res.status).toBe(200);
    expect(await t.db.select().from(webhookEvents).where(eq(webhookEvents.provider, "polar"))).toHaveLength(before);
  });

  it("stores and acknowledges a signed Polar notice, then processing runs after the answer", async () => {
    const [user] = await t.db.insert(users).values({ email: `route-${randomBytes(3).toString("hex")}@example.test` }).returning();
    const conn = await saveConnection(t.db, {
      userId: user.id,
      provider: "polar",
      authKind: "oauth2",
      tokens: { accessToken: "a", providerUserId: "4750001", expiresAt: new Date(Date.now() + 3600_000) },
    });
    const notice = (date: string) =>
      JSON.stringify({ event: "SLEEP", user_id: 4750001, timestamp: `${date}T07:00:00Z`, url: `https://www.polaraccesslink.com/v3/users/sleep/${date}`, date });
    const body = notice("2024-03-01");

    // No runner yet: the answer comes back with the notice stored and still pending.
    const res = await POST(new Request(url("polar"), { method: "POST", headers: { "content-type": "application/json", "polar-webhook-signature": sign(body) }, body }), ctx("polar"));
    expect(res.status).toBe(200);
    const [stored] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.connectionId, conn.id));
    expect(stored.status).toBe("pending");

    // The next notice wakes the in-process runner after its answer; once the burst has settled
    // (WEBHOOK_COALESCE_MS, not the 60 s poll) the runner takes both.
    const runner = startWebhookProcessRunner(async () => t.db, { pollMs: 60_000 });
    await runner.idle();
    const body2 = notice("2024-03-02");
    const res2 = await POST(new Request(url("polar"), { method: "POST", headers: { "polar-webhook-signature": sign(body2) }, body: body2 }), ctx("polar"));
    expect(res2.status).toBe(200);
    await vi.waitFor(async () => {
      const rows = await t.db.select().from(webhookEvents).where(eq(webhookEvents.connectionId, conn.id));
      expect(rows.map((r) => r.status)).toEqual(["processed", "processed"]);
    }, { timeout: 30_000, interval: 50 }); // vi.waitFor's 1 s default is too short on a loaded box
    // Notices of one connection close in time coalesce: one narrow run covers both days.
    const runs = await t.db.select().from(syncRuns).where(eq(syncRuns.connectionId, conn.id));
    expect(runs.map((r) => [r.trigger, r.windowFrom?.toISOString(), r.windowTo?.toISOString()])).toEqual([
      ["webhook", "2024-02-29T00:00:00.000Z", "2024-03-04T00:00:00.000Z"],
    ]);
    await t.db.delete(providerConnections).where(eq(providerConnections.id, conn.id));
  });

  it("refuses a body over the size limit with 413 and a tampered signature with Polar's 401", async () => {
    const big = "x".repeat(1024 * 1024 + 1);
    const res = await POST(new Request(url("polar"), { method: "POST", body: big }), ctx("polar"));
    expect(res.status).toBe(413);
    const body = JSON.stringify({ event: "SLEEP", user_id: 1, timestamp: "2024-03-01T07:00:00Z", date: "2024-03-01" });
    const forged = await POST(new Request(url("polar"), { method: "POST", headers: { "polar-webhook-signature": sign(body.replace("1,", "2,")) }, body }), ctx("polar"));
    expect(forged.status).toBe(401);
    const reasons = (await t.db.select().from(webhookEvents).where(eq(webhookEvents.status, "rejected"))).map((r) => r.reason);
    expect(reasons).toEqual(expect.arrayContaining(["body larger than 1048576 bytes", "Polar-Webhook-Signature does not match the body"]));
  });

  it("answers a malformed but authentic body with 400", async () => {
    const body = JSON.stringify({ not: "a list" });
    const res = await POST(new Request(url("polar"), { method: "POST", headers: { "polar-webhook-signature": sign(body) }, body }), ctx("polar"));
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/polar notice/);
  });
});
