import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoEnv } from "@sim/clients";
import { garminUserId } from "@sim/providers/garmin/oauth";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { parseConsentForm } from "@sim/testing";
import { providerConnections, users } from "@/lib/db/schema";
import { testDb, type TestDb } from "@/test/db";

/**
 * Garmin OAuth 1.0a through the two route handlers (only the session lookup is replaced): the
 * connect route sets the signed cookie, the callback route needs it, and clears it every time.
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

async function newUser() {
  const [u] = await t.db.insert(users).values({ email: `oauth1-${randomBytes(3).toString("hex")}@example.test` }).returning();
  return { id: u.id, email: u.email };
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  Object.assign(process.env, demoEnv(sim.url), {
    APP_URL: "http://localhost:3000",
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
  });
  // Only the OAuth 1.0a consumer: the routes must take the 1.0a path.
  delete process.env.GARMIN_CLIENT_ID;
  delete process.env.GARMIN_CLIENT_SECRET;
  t = await testDb();
  session.db = t.db;
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await t?.close();
  await sim?.close();
});

const get = (handler: (req: NextRequest) => Promise<Response>, path: string, cookie?: string) =>
  handler(new NextRequest(new URL(path, "http://localhost:3000"), { headers: cookie ? { cookie } : {} }));
const location = (res: Response) => res.headers.get("location") ?? "";

/** connect → consent page (Approve as `account`) → the callback path, plus the cookie the browser kept. */
async function start(account: string) {
  const res = await get(connectGET, "/api/oauth/connect?provider=garmin");
  expect(res.status).toBe(302);
  expect(location(res)).toMatch(new RegExp(`^${sim.url}/connect\\.garmin\\.com/oauthConfirm\\?oauth_token=`));
  const setCookie = res.headers.get("set-cookie") ?? "";
  expect(setCookie).toMatch(/^hb_oauth1=[\w-]+\.[\w-]+; Max-Age=600; Path=\/api\/oauth; HttpOnly; SameSite=Lax$/);
  const page = await fetch(location(res));
  const { action, fields } = parseConsentForm(await page.text());
  fields.set("account", account);
  fields.set("decision", "approve");
  const back = new URL(location(await fetch(`${sim.url}${action}`, { method: "POST", body: fields, redirect: "manual" })));
  return { callback: `${back.pathname}${back.search}`, cookie: setCookie.split(";")[0] };
}

describe("Garmin OAuth 1.0a through the routes", () => {
  it("connects with the cookie and clears it", async () => {
    session.user = await newUser();
    const { callback, cookie } = await start("route-g1");
    expect(callback).toMatch(/^\/api\/oauth\/callback\?oauth_token=[^&]+&oauth_verifier=/);

    const res = await get(callbackGET, callback, cookie);
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/dashboard/settings?provider=garmin&connected=1");
    expect(res.headers.get("set-cookie")).toMatch(/^hb_oauth1=; Max-Age=0; Path=\/api\/oauth/);
    const [row] = await t.db.select().from(providerConnections).where(eq(providerConnections.userId, session.user.id));
    expect(row).toMatchObject({ provider: "garmin", authKind: "oauth1", providerUserId: garminUserId("route-g1") });
  });

  it("answers 400 without the cookie or for another signed-in user, storing nothing", async () => {
    const owner = await newUser();
    session.user = owner;
    const { callback, cookie } = await start("route-g2");

    const noCookie = await get(callbackGET, callback);
    expect(noCookie.status).toBe(400);
    expect(await noCookie.text()).toContain("cookie is missing");

    const other = await newUser();
    session.user = other;
    const wrongUser = await get(callbackGET, callback, cookie);
    expect(wrongUser.status).toBe(400);
    expect(await wrongUser.text()).toContain("started by a different account");
    expect(wrongUser.headers.get("set-cookie")).toMatch(/Max-Age=0/);

    for (const u of [owner, other]) {
      expect(await t.db.select().from(providerConnections).where(eq(providerConnections.userId, u.id))).toHaveLength(0);
    }
  });
});
