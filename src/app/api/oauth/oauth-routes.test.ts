import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoEnv } from "@sim/clients";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { parseConsentForm } from "@sim/testing";
import { oauthStates, providerConnections, users } from "@/lib/db/schema";
import { testDb, type TestDb } from "@/test/db";

/**
 * The two route handlers, called as Next would call them, against the simulator and a real
 * database. Only the session lookup is replaced (next-auth needs a request scope); the browser's
 * redirects are followed by hand.
 */

const session = vi.hoisted(() => ({ user: null as { id: string; email: string } | null, db: null as unknown }));
vi.mock("@/lib/auth/session", () => ({
  getSessionUser: async () => session.user,
  signInUrl: (returnTo: string) => `/signin?callbackUrl=${encodeURIComponent(returnTo)}`,
}));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: async () => session.db,
}));

const { GET: connectGET } = await import("./connect/route");
const { GET: callbackGET } = await import("./callback/route");

let sim: RunningSimulator;
let t: TestDb;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  Object.assign(process.env, demoEnv(sim.url), {
    APP_URL: "http://localhost:3000",
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
  });
  delete process.env.COROS_CLIENT_SECRET; // one provider left unconfigured
  t = await testDb();
  session.db = t.db;
  const [u] = await t.db.insert(users).values({ email: `route-${randomBytes(3).toString("hex")}@example.test` }).returning();
  session.user = { id: u.id, email: u.email };
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await t?.close();
  await sim?.close();
});

const get = (handler: (req: NextRequest) => Promise<Response>, path: string) =>
  handler(new NextRequest(new URL(path, "http://localhost:3000")));
const location = (res: Response) => res.headers.get("location") ?? "";

/** Browser part: open the consent page, press Approve/Deny, return the callback path it redirects to. */
async function consent(providerUrl: string, decision: "approve" | "deny") {
  const page = await fetch(providerUrl);
  expect(page.status).toBe(200);
  const { action, fields } = parseConsentForm(await page.text());
  fields.set("account", `route-${randomBytes(3).toString("hex")}`);
  fields.set("decision", decision);
  const res = await fetch(`${sim.url}${action}`, { method: "POST", body: fields, redirect: "manual" });
  const back = new URL(location(res));
  return `${back.pathname}${back.search}`;
}

describe("GET /api/oauth/connect", () => {
  it("signed out → sign-in, coming back here", async () => {
    const user = session.user;
    session.user = null;
    try {
      const res = await get(connectGET, "/api/oauth/connect?provider=strava");
      expect(res.status).toBe(302);
      expect(location(res)).toBe(`/signin?callbackUrl=${encodeURIComponent("/api/oauth/connect?provider=strava")}`);
    } finally {
      session.user = user;
    }
  });

  it("unknown provider → 404; missing provider → 400", async () => {
    expect((await get(connectGET, "/api/oauth/connect?provider=myspace")).status).toBe(404);
    expect((await get(connectGET, "/api/oauth/connect")).status).toBe(400);
  });

  it("not configured / not OAuth → back to settings with a clear error", async () => {
    const res = await get(connectGET, "/api/oauth/connect?provider=coros");
    const url = new URL(location(res), "http://x");
    expect(url.pathname).toBe("/dashboard/settings");
    expect(url.searchParams.get("provider")).toBe("coros");
    expect(url.searchParams.get("error")).toMatch(/COROS_CLIENT_SECRET/);
    const hevy = new URL(location(await get(connectGET, "/api/oauth/connect?provider=hevy")), "http://x");
    expect(hevy.searchParams.get("error")).toMatch(/not connected through an OAuth sign-in/);
    // The legacy Fitbit API is gone: no state is stored and nothing goes to www.fitbit.com.
    const fitbit = new URL(location(await get(connectGET, "/api/oauth/connect?provider=fitbit")), "http://x");
    expect(fitbit.pathname).toBe("/dashboard/settings");
    expect(fitbit.searchParams.get("error")).toBe(
      "Fitbit's old Web API was switched off on 2026-11-02. Connect Fitbit & Pixel — Google Health instead; what was synced before stays.",
    );
    expect(await t.db.select().from(oauthStates).where(eq(oauthStates.provider, "fitbit"))).toEqual([]);
  });

  it("approve → callback → connected=1, one active connection", async () => {
    const res = await get(connectGET, "/api/oauth/connect?provider=google_health");
    expect(res.status).toBe(302);
    expect(location(res).startsWith(`${sim.url}/accounts.google.com/o/oauth2/v2/auth?`)).toBe(true);
    const back = await callbackGET(new NextRequest(new URL(await consent(location(res), "approve"), "http://localhost:3000")));
    expect(back.status).toBe(302);
    expect(location(back)).toBe("/dashboard/settings?provider=google_health&connected=1");
    const rows = await t.db.select().from(providerConnections).where(eq(providerConnections.userId, session.user!.id));
    expect(rows.map((r) => [r.provider, r.status])).toEqual([["google_health", "active"]]);
  });

  it("deny → settings with the provider's reason", async () => {
    const res = await get(connectGET, "/api/oauth/connect?provider=oura");
    const back = await callbackGET(new NextRequest(new URL(await consent(location(res), "deny"), "http://localhost:3000")));
    const url = new URL(location(back), "http://x");
    expect(url.searchParams.get("provider")).toBe("oura");
    expect(url.searchParams.get("error")).toMatch(/access_denied/);
  });
});

describe("GET /api/oauth/callback", () => {
  it("forged or missing state → 400 HTML page, nothing stored", async () => {
    const before = await t.db.select().from(providerConnections);
    for (const path of ["/api/oauth/callback?code=abc&state=forged-state", "/api/oauth/callback?code=abc"]) {
      const res = await get(callbackGET, path);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      expect(await res.text()).toMatch(/not valid/);
    }
    expect(await t.db.select().from(providerConnections)).toHaveLength(before.length);
  });
});
