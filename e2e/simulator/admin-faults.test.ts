import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DEMO_CLIENTS, demoEnv } from "./clients";
import { startSimulator, type RunningSimulator } from "./server";
import { authorize, call, postForm, simUrl, type LooseJson } from "./testing";

/** The admin API (over HTTP) and fault injection. */

let sim: RunningSimulator;
let base: string;
const CALLBACK = "http://localhost:3000/api/oauth/callback";
const strava = DEMO_CLIENTS.strava;
const ATHLETE = "https://www.strava.com/api/v3/athlete";
const STRAVA_TOKEN = "https://www.strava.com/oauth/token";

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  base = sim.url;
});
afterAll(() => sim.close());
beforeEach(() => sim.state.reset());

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as LooseJson };
}

async function connectStrava(account = "athlete-1") {
  const u = new URL("https://www.strava.com/oauth/authorize");
  u.search = new URLSearchParams({ client_id: strava.clientId, redirect_uri: CALLBACK, response_type: "code", scope: "read,activity:read_all" }).toString();
  const code = (await authorize(base, u.toString(), { account })).location!.searchParams.get("code")!;
  const tok = await postForm(base, STRAVA_TOKEN, { client_id: strava.clientId, client_secret: strava.clientSecret, code, grant_type: "authorization_code" });
  return tok.json as { access_token: string; refresh_token: string };
}

const refreshStrava = (rt: string) =>
  postForm(base, STRAVA_TOKEN, { client_id: strava.clientId, client_secret: strava.clientSecret, grant_type: "refresh_token", refresh_token: rt });

describe("demo clients", () => {
  it("demoEnv gives the app the override origin and each provider's credential pair", () => {
    const env = demoEnv(`${base}/`);
    expect(env.PROVIDER_ORIGIN_OVERRIDE).toBe(base);
    expect(env.STRAVA_CLIENT_ID).toBe(strava.clientId);
    expect(env.WITHINGS_CLIENT_SECRET).toBe(DEMO_CLIENTS.withings.clientSecret);
    for (const id of ["OURA", "WHOOP", "GOOGLE_HEALTH", "POLAR", "COROS"]) {
      expect(env[`${id}_CLIENT_ID`]).toBeTruthy();
      expect(env[`${id}_CLIENT_SECRET`]).toBeTruthy();
    }
  });
});

describe("admin API", () => {
  it("reports health, stats per provider and route, and connections", async () => {
    expect((await admin("GET", "")).json).toMatchObject({ ok: true, providers: expect.arrayContaining(["strava", "withings"]) });
    const tok = await connectStrava();
    await refreshStrava(tok.refresh_token);
    await call(base, ATHLETE, { token: tok.access_token });

    const stats = (await admin("GET", "/stats")).json;
    expect(stats.strava).toMatchObject({
      authorize: 1,
      "authorize:submit": 1,
      "authorize:approve": 1,
      token: 2,
      "token:authorization_code": 1,
      "token:refresh_token": 1,
      athlete: 1,
    });

    const { connections } = (await admin("GET", "/connections?provider=strava")).json;
    expect(connections).toHaveLength(1);
    expect(connections[0]).toMatchObject({ provider: "strava", account: "athlete-1", status: "active", accessToken: tok.access_token, scopes: ["read", "activity:read_all"] });

    expect((await admin("POST", "/reset")).json).toEqual({ ok: true });
    expect((await admin("GET", "/stats")).json).toEqual({});
    expect((await admin("GET", "/connections")).json.connections).toEqual([]);
  });

  it("expires access tokens by token or by provider+account; the refresh token still works", async () => {
    const a = await connectStrava("a");
    const b = await connectStrava("b");
    expect((await admin("POST", "/tokens/expire", { accessToken: a.access_token })).json).toEqual({ expired: 1 });
    expect((await call(base, ATHLETE, { token: a.access_token })).status).toBe(401);
    expect((await call(base, ATHLETE, { token: b.access_token })).status).toBe(200);

    // An expired Strava token is replaced on refresh.
    const r = await refreshStrava(a.refresh_token);
    expect(r.status).toBe(200);
    expect(r.json.access_token).not.toBe(a.access_token);
    expect((await call(base, ATHLETE, { token: r.json.access_token })).status).toBe(200);

    expect((await admin("POST", "/tokens/expire", { provider: "strava", account: "b" })).json).toEqual({ expired: 1 });
    expect((await call(base, ATHLETE, { token: b.access_token })).status).toBe(401);
  });

  it("revokes access AND refresh tokens by provider+account", async () => {
    const a = await connectStrava("a");
    const b = await connectStrava("b");
    expect((await admin("POST", "/tokens/revoke", { provider: "strava", account: "a" })).json).toEqual({ revoked: 1 });
    expect((await call(base, ATHLETE, { token: a.access_token })).status).toBe(401);
    expect((await refreshStrava(a.refresh_token)).status).toBe(400);
    expect((await call(base, ATHLETE, { token: b.access_token })).status).toBe(200);
    expect(sim.state.connections({ account: "a" })[0].status).toBe("revoked");
    expect(sim.state.revokeTokens({ accessToken: b.access_token })).toBe(1);
    expect((await call(base, ATHLETE, { token: b.access_token })).status).toBe(401);
  });

  it("moves the clock and validates its input", async () => {
    const before = Date.parse((await admin("GET", "/clock")).json.now);
    const after = Date.parse((await admin("POST", "/clock", { advanceSeconds: 3600 })).json.now);
    expect(after - before).toBeGreaterThanOrEqual(3600_000);
    expect((await admin("POST", "/clock", { advanceSeconds: -5 })).status).toBe(400);
    expect((await admin("POST", "/tokens/revoke", {})).status).toBe(400);
    expect((await admin("POST", "/faults", { kind: "418" })).status).toBe(400);
    expect((await admin("POST", "/faults", { kind: "500", provider: "myspace" })).status).toBe(400);
    expect((await admin("GET", "/nope")).status).toBe(404);
  });
});

describe("faults", () => {
  it("429 uses the provider's headers and body, for exactly N matching requests", async () => {
    const tok = await connectStrava();
    const added = await admin("POST", "/faults", { provider: "strava", pathPrefix: "/api/v3", kind: "429", count: 2, retryAfterSeconds: 7 });
    expect(added.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const r = await call(base, ATHLETE, { token: tok.access_token });
      expect(r.status).toBe(429);
      expect(r.headers.get("retry-after")).toBe("7");
      expect(r.headers.get("x-ratelimit-limit")).toBe("200,2000");
      expect(r.headers.get("x-readratelimit-usage")).toMatch(/^\d+,\d+$/);
      expect(r.json.message).toBe("Rate Limit Exceeded");
    }
    expect((await call(base, ATHLETE, { token: tok.access_token })).status).toBe(200);
    expect((await admin("GET", "/faults")).json.faults).toEqual([]);
    expect(sim.state.stats().strava["fault:429"]).toBe(2);
  });

  it("429 at Withings is HTTP 200 with status 601; other providers get 429 + Retry-After", async () => {
    sim.state.addFault({ provider: "withings", kind: "429" });
    const w = await postForm(base, "https://wbsapi.withings.net/v2/oauth2", { action: "requesttoken" });
    expect(w.status).toBe(200);
    expect(w.json).toMatchObject({ status: 601 });

    sim.state.addFault({ pathPrefix: "/api.ouraring.com/v2/", kind: "429", retryAfterSeconds: 120 });
    const o = await call(base, "https://api.ouraring.com/v2/usercollection/personal_info");
    expect(o.status).toBe(429);
    expect(o.headers.get("retry-after")).toBe("120");
    expect(o.headers.get("x-ratelimit-reset")).toBe("120");

    sim.state.addFault({ provider: "coros", kind: "429" });
    const c = await postForm(base, "https://open.coros.com/oauth2/accesstoken", {});
    expect(c.status).toBe(429);
    expect(c.headers.get("retry-after")).toBe("60");
  });

  it("500 fails the matching request only; a provider filter leaves others alone", async () => {
    sim.state.addFault({ provider: "oura", kind: "500" });
    expect((await postForm(base, STRAVA_TOKEN, {})).status).toBe(400);
    const r = await call(base, "https://api.ouraring.com/v2/usercollection/personal_info");
    expect(r.status).toBe(500);
    expect((await call(base, "https://api.ouraring.com/v2/usercollection/personal_info")).status).toBe(401);
  });

  it("timeout holds the response, then closes the connection without one", async () => {
    sim.state.addFault({ provider: "strava", kind: "timeout", delayMs: 150 });
    const started = Date.now();
    await expect(fetch(simUrl(base, ATHLETE))).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await call(base, ATHLETE)).status).toBe(401);
  });

  it("truncated sends half the real body, then drops the connection", async () => {
    const tok = await connectStrava();
    sim.state.addFault({ provider: "strava", pathPrefix: "/www.strava.com/oauth/token", kind: "truncated" });
    const res = await fetch(simUrl(base, STRAVA_TOKEN), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: strava.clientId, client_secret: strava.clientSecret, grant_type: "refresh_token", refresh_token: tok.refresh_token }).toString(),
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    // The refresh happened server-side even though the client never saw it (as with a real network cut).
    expect(sim.state.stats().strava["token:refresh_token"]).toBe(1);
  });

  it("close() does not wait for a held (timeout) response", async () => {
    const other = await startSimulator({ port: 0 });
    other.state.addFault({ kind: "timeout", delayMs: 60_000 });
    const pending = fetch(`${other.url}/www.strava.com/api/v3/athlete`).catch((e: unknown) => e);
    // Once the simulator holds the request (not after a guessed delay, which a loaded box outlasts).
    await vi.waitFor(() => expect(other.state.stats().strava?.["fault:timeout"]).toBe(1), { timeout: 30_000, interval: 10 });
    const t = Date.now();
    await other.close();
    expect(Date.now() - t).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });
});
