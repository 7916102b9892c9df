import { randomBytes } from "node:crypto";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunningSimulator } from "@sim/server";
import { parseConsentForm } from "@sim/testing";
import { createUser, simulatorWithAppEnv } from "@/lib/connections/test-support";
import { getBeeminderConnection } from "@/lib/destinations/beeminder/connection";
import { testDb, type TestDb } from "@/test/db";

/**
 * The Beeminder route handlers as Next calls them, against the simulator and a real database: the
 * state cookie set on connect, the callback that needs it, and the de-authorization callback.
 * Only the session lookup is replaced (next-auth needs a request scope).
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
const { POST: deauthorizePOST } = await import("./deauthorize/route");

let sim: RunningSimulator;
let t: TestDb;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await simulatorWithAppEnv();
  t = await testDb();
  session.db = t.db;
  session.user = { id: await createUser(t.db, "bm-route"), email: "bm-route@example.test" };
}, 120_000);
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await t?.close();
  await sim?.close();
});

const location = (res: Response) => res.headers.get("location") ?? "";

/** Connect → Beeminder's page → Authorize; returns the callback URL and the state cookie. */
async function startAndApprove() {
  const res = await connectGET(new NextRequest("http://localhost:3000/api/beeminder/connect"));
  expect(res.status).toBe(302);
  const cookie = /hb_beeminder_state=([^;]+); Path=\/api\/beeminder; HttpOnly; SameSite=Lax; Max-Age=600/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  expect(cookie).toBeTruthy();
  expect(location(res).startsWith(`${sim.url}/www.beeminder.com/apps/authorize?`)).toBe(true);
  const page = await fetch(location(res));
  const { action, fields } = parseConsentForm(await page.text());
  fields.set("account", `route_${randomBytes(3).toString("hex")}`);
  fields.set("decision", "approve");
  const back = await fetch(`${sim.url}${action}`, { method: "POST", body: fields, redirect: "manual" });
  return { callback: new URL(location(back)), cookie: cookie! };
}

const callback = (url: URL, cookie?: string) =>
  callbackGET(new NextRequest(url, { headers: cookie ? { cookie: `hb_beeminder_state=${cookie}` } : {} }));

describe("Beeminder routes", () => {
  it("completes only with the state cookie of this flow, once", async () => {
    const { callback: url, cookie } = await startAndApprove();
    expect(url.pathname).toBe("/api/beeminder/callback");
    expect(url.searchParams.get("access_token")).toBeTruthy();

    const noCookie = await callback(url);
    expect(noCookie.status).toBe(400);
    expect(await getBeeminderConnection(t.db, session.user!.id)).toBeNull();

    const ok = await callback(url, cookie);
    expect(ok.status).toBe(302);
    expect(location(ok)).toBe("/dashboard/settings/goals?connected=1");
    expect(ok.headers.get("set-cookie")).toMatch(/hb_beeminder_state=; .*Max-Age=0/);
    expect((await getBeeminderConnection(t.db, session.user!.id))?.username).toBe(url.searchParams.get("username"));

    expect((await callback(url, cookie)).status).toBe(400); // replayed
  });

  it("takes Beeminder's de-authorization callback: the named token's connection is marked, a wrong one changes nothing", async () => {
    const { callback: url, cookie } = await startAndApprove();
    await callback(url, cookie);
    const post = (body: string, type = "application/x-www-form-urlencoded") =>
      deauthorizePOST(new Request("http://localhost:3000/api/beeminder/deauthorize", { method: "POST", headers: { "content-type": type }, body }));
    expect((await post("")).status).toBe(400);
    expect((await post(`access_token=${"a".repeat(40)}`)).status).toBe(204);
    expect((await getBeeminderConnection(t.db, session.user!.id))?.status).toBe("active");
    expect((await post(`access_token=${url.searchParams.get("access_token")}`)).status).toBe(204);
    const conn = await getBeeminderConnection(t.db, session.user!.id);
    expect(conn?.status).toBe("revoked");
    expect(conn?.lastError).toMatch(/removed Healthbridge on Beeminder/);
  });
});
