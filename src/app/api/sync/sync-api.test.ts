import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { simData } from "@sim/data/generator";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { createApiKey } from "@/lib/api-keys";
import { providerConnections, syncRuns, users } from "@/lib/db/schema";
import { dayStart } from "@/lib/fhir/resources";
import { addDays } from "@/lib/normalize/dates";
import { syncNowRequest } from "@/lib/sync/api";
import { startSyncRunner } from "@/lib/sync/runner";
import { applySimulatorEnv, connectAs, newUser } from "@/lib/sync/test-support";
import { pgliteTestDb, type TestDb } from "@/test/db";

/**
 * POST /api/sync and GET /api/sync/{run} through their route handlers on PGlite, with a real
 * connection to the provider simulator and the in-process runner executing the queued run.
 */

const state = vi.hoisted(() => ({ db: null as unknown, session: null as null | { id: string; email: string } }));
vi.mock("@/lib/db", async (importOriginal) => ({ ...(await importOriginal<typeof import("@/lib/db")>()), getDb: async () => state.db }));
vi.mock("@/lib/auth/session", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/auth/session")>()),
  getSessionUser: async () => state.session,
}));

const syncRoute = await import("./route");
const runRoute = await import("./[run]/route");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked by value
type Json = Record<string, any>;

let t: TestDb;
let sim: RunningSimulator;
const saved = { ...process.env };
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  applySimulatorEnv(sim);
  delete process.env.TRIGGER_SECRET_KEY;
  simData(sim.state).enforceRateLimits = false;
  simData(sim.state).configure({}, { years: 1 });
  t = await pgliteTestDb();
  state.db = t.db;
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  await t?.close();
  await sim?.close();
});

const headers = (token?: string) => ({ "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) });

async function postSync(body: unknown, token?: string): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await syncRoute.POST(
    new Request("http://localhost:3000/api/sync", { method: "POST", headers: headers(token), body: typeof body === "string" ? body : JSON.stringify(body) }),
  );
  return { status: res.status, json: (await res.json()) as Json, headers: res.headers };
}

async function getRun(id: string, token?: string): Promise<{ status: number; json: Json }> {
  const res = await runRoute.GET(new Request(`http://localhost:3000/api/sync/${id}`, { headers: headers(token) }), { params: Promise.resolve({ run: id }) });
  return { status: res.status, json: (await res.json()) as Json };
}

async function tokenUser(prefix: string, tz = "UTC") {
  const userId = await newUser(t.db, prefix);
  await t.db.update(users).set({ timeZone: tz }).where(eq(users.id, userId));
  const token = (await createApiKey(t.db, userId, "PHR app", "fhir")).key;
  return { userId, token };
}

const until = async (check: () => Promise<boolean>, ms = 100_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("POST /api/sync → GET /api/sync/{run}", () => {
  it("queues a one-day run in the user's zone, answers 202, and the run's result is readable once it ran", async () => {
    const u = await tokenUser("api-sync", "Europe/Berlin");
    const conn = await connectAs(t.db, sim, u.userId, "oura", "api-sync-oura");
    const date = addDays(new Date().toISOString().slice(0, 10), -3);
    const res = await postSync({ provider: "oura", date }, u.token);
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const run = res.json.run;
    expect(run).toMatchObject({ provider: "oura", status: "queued", trigger: "manual", counts: { fetched: 0, inserted: 0 } });
    expect(run.window).toEqual({ from: new Date(dayStart(date, "Europe/Berlin")).toISOString(), to: new Date(dayStart(addDays(date, 1), "Europe/Berlin")).toISOString() });
    expect(res.headers.get("location")).toBe(`http://localhost:3000/api/sync/${run.id}`);
    const [row] = await t.db.select().from(syncRuns).where(eq(syncRuns.id, run.id));
    expect(row).toMatchObject({ connectionId: conn.id, userId: u.userId, status: "queued" });

    // Asking again while it waits is the same run, not a second one.
    expect((await postSync({ provider: "oura", date }, u.token)).json.run.id).toBe(run.id);
    expect((await getRun(run.id, u.token)).json.run.status).toBe("queued");

    const runner = startSyncRunner(async () => t.db, { rateLimits: false, baseDelayMs: 1, maxDelayMs: 5, pollMs: 50, schedule: false });
    try {
      await until(async () => ["succeeded", "failed"].includes((await getRun(run.id, u.token)).json.run.status));
    } finally {
      await runner.stop();
    }
    const done = (await getRun(run.id, u.token)).json.run;
    expect(done.status, done.error).toBe("succeeded");
    const [finished] = await t.db.select().from(syncRuns).where(eq(syncRuns.id, run.id));
    expect(done.counts).toEqual({ fetched: finished.fetched, inserted: finished.inserted, updated: finished.updated, unchanged: finished.unchanged });
    expect(done.counts.inserted).toBeGreaterThan(0);
    expect(done.finished_at).toBe(finished.finishedAt!.toISOString());
  });

  it("without a date it is a full run (no window)", async () => {
    const u = await tokenUser("api-sync-full");
    await connectAs(t.db, sim, u.userId, "whoop", "api-sync-whoop");
    const res = await postSync({ provider: "whoop" }, u.token);
    expect(res.status).toBe(202);
    expect(res.json.run.window).toBeNull();
  });

  it("400, 404 and 409 say what is wrong", async () => {
    const u = await tokenUser("api-sync-bad");
    await connectAs(t.db, sim, u.userId, "google_health", "api-sync-gh");
    const cases: Array<[unknown, number, RegExp]> = [
      ["{not json", 400, /must be JSON/],
      [{}, 400, /provider must be one of/],
      [{ provider: "myspace" }, 400, /provider must be one of strava/],
      [{ provider: "google_health", date: "2024-02-30" }, 400, /date must be a calendar date/],
      [{ provider: "google_health", date: "yesterday" }, 400, /date must be a calendar date/],
      [{ provider: "google_health", since: "2024-01-01" }, 400, /since.*provider and an optional date/],
      [{ provider: "oura" }, 404, /Oura is not connected/i],
      [{ provider: "garmin" }, 409, /sends its data by itself/],
      [{ provider: "fitbit" }, 409, /^Fitbit's old Web API was switched off on 2026-11-02\. Fitbit can no longer sync; connect Fitbit & Pixel — Google Health instead$/],
    ];
    for (const [body, status, why] of cases) {
      const res = await postSync(body, u.token);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.json.error, JSON.stringify(body)).toMatch(why);
    }
    // A date after today in the user's zone, on an injected clock.
    const now = () => new Date("2024-06-10T22:30:00Z");
    const ask = (date: string) =>
      syncNowRequest(t.db, new Request("http://localhost:3000/api/sync", { method: "POST", headers: headers(u.token), body: JSON.stringify({ provider: "google_health", date }) }), { sessionUserId: async () => null, limiter: null, now });
    const tomorrow = await ask("2024-06-11");
    expect(tomorrow.status).toBe(400);
    expect(((await tomorrow.json()) as Json).error).toMatch(/2024-06-11 is in the future \(today is 2024-06-10 in UTC\)/);
    expect((await ask("2024-06-10")).status).toBe(202);
    // A connection that needs reconnecting.
    await t.db.update(providerConnections).set({ status: "error" }).where(eq(providerConnections.userId, u.userId));
    const broken = await postSync({ provider: "google_health" }, u.token);
    expect(broken.status).toBe(409);
    expect(broken.json.error).toMatch(/reconnected/);
  });

  it("only a bearer FHIR token, and only the owner's runs", async () => {
    const a = await tokenUser("api-sync-a");
    const b = await tokenUser("api-sync-b");
    await connectAs(t.db, sim, a.userId, "polar", "api-sync-polar");
    const { json } = await postSync({ provider: "polar" }, a.token);
    expect((await getRun(json.run.id, a.token)).status).toBe(200);
    expect((await getRun(json.run.id, b.token)).status).toBe(404);
    expect((await getRun("not-a-uuid", a.token)).status).toBe(404);
    expect((await getRun(crypto.randomUUID(), a.token)).status).toBe(404);
    // The signed-in session is not enough (no cross-site "sync now"), nor a bad token.
    state.session = { id: a.userId, email: "a@example.com" };
    try {
      const none = await postSync({ provider: "polar" });
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await getRun(json.run.id)).status).toBe(401);
    } finally {
      state.session = null;
    }
    expect((await postSync({ provider: "polar" }, "hb_fhir_nope")).status).toBe(401);
  });
});
