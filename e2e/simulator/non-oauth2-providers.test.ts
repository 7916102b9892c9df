import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_CLIENTS, DEMO_EIGHTSLEEP_PASSWORD, DEMO_HEVY_API_KEYS } from "./clients";
import { formPairs, hmacSha1Signature, rfc3986, signatureBaseString } from "./oauth1-verify";
import { eightSleepUserId } from "./providers/eightsleep/oauth";
import { garminUserId } from "./providers/garmin/oauth";
import { simData } from "./data/generator";
import { startSimulator, type RunningSimulator } from "./server";
import { authorize, call, simUrl } from "./testing";

/**
 * Garmin OAuth 1.0a, Hevy and Eight Sleep simulator modules on their own, over HTTP. Requests are
 * signed here by hand (RFC 5849) so the simulator is checked without the app's signer.
 */

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.state.reset());

const consumer = DEMO_CLIENTS.garmin_oauth1;
let nonce = 0;

/** A hand-built `Authorization: OAuth` header (HMAC-SHA1 over the real url). */
function sign(method: string, url: string, extra: Record<string, string> = {}, token?: { key: string; secret: string }): string {
  const oauth: Record<string, string> = {
    oauth_consumer_key: consumer.clientId,
    oauth_nonce: `n${++nonce}${Date.now()}`,
    oauth_signature_method: "HMAC-SHA1",
    oauth_timestamp: String(Math.floor(Date.now() / 1000)),
    oauth_version: "1.0",
    ...(token ? { oauth_token: token.key } : {}),
    ...extra,
  };
  const u = new URL(url);
  const base = signatureBaseString(method, url, [...formPairs(u.search.slice(1)), ...Object.entries(oauth)]);
  oauth.oauth_signature = hmacSha1Signature(base, consumer.clientSecret, token?.secret);
  return `OAuth ${Object.entries(oauth)
    .map(([k, v]) => `${rfc3986(k)}="${rfc3986(v)}"`)
    .join(", ")}`;
}

const REQUEST_TOKEN = "https://connectapi.garmin.com/oauth-service/oauth/request_token";
const ACCESS_TOKEN = "https://connectapi.garmin.com/oauth-service/oauth/access_token";
const CALLBACK = "http://localhost:3000/api/oauth/callback";

describe("Garmin OAuth 1.0a", () => {
  it("runs request token → oauthConfirm → access token → user id, then deregisters", async () => {
    const rt = await call(sim.url, REQUEST_TOKEN, { method: "POST", headers: { authorization: sign("POST", REQUEST_TOKEN, { oauth_callback: CALLBACK }) } });
    expect(rt.status).toBe(200);
    const temp = new URLSearchParams(rt.text);
    const requestToken = { key: temp.get("oauth_token")!, secret: temp.get("oauth_token_secret")! };

    const { location } = await authorize(sim.url, `https://connect.garmin.com/oauthConfirm?oauth_token=${requestToken.key}`, { account: "sim-g" });
    expect(`${location!.origin}${location!.pathname}`).toBe(CALLBACK);
    const verifier = location!.searchParams.get("oauth_verifier")!;

    // A wrong verifier is refused; the right one works once.
    const wrong = await call(sim.url, ACCESS_TOKEN, {
      method: "POST",
      headers: { authorization: sign("POST", ACCESS_TOKEN, { oauth_verifier: `${verifier}0` }, requestToken) },
    });
    expect(wrong.status).toBe(401);
    const at = await call(sim.url, ACCESS_TOKEN, { method: "POST", headers: { authorization: sign("POST", ACCESS_TOKEN, { oauth_verifier: verifier }, requestToken) } });
    expect(at.status).toBe(200);
    const access = new URLSearchParams(at.text);
    const token = { key: access.get("oauth_token")!, secret: access.get("oauth_token_secret")! };
    const again = await call(sim.url, ACCESS_TOKEN, { method: "POST", headers: { authorization: sign("POST", ACCESS_TOKEN, { oauth_verifier: verifier }, requestToken) } });
    expect(again.status).toBe(401);

    const ID = "https://apis.garmin.com/wellness-api/rest/user/id";
    const id = await call(sim.url, ID, { headers: { authorization: sign("GET", ID, {}, token) } });
    expect(id.json).toEqual({ userId: garminUserId("sim-g") });

    const REG = "https://apis.garmin.com/wellness-api/rest/user/registration";
    expect((await call(sim.url, REG, { method: "DELETE", headers: { authorization: sign("DELETE", REG, {}, token) } })).status).toBe(204);
    expect((await call(sim.url, ID, { headers: { authorization: sign("GET", ID, {}, token) } })).status).toBe(401);
  });

  it("refuses unsigned, unknown-consumer and unregistered-callback requests", async () => {
    expect((await call(sim.url, REQUEST_TOKEN, { method: "POST" })).status).toBe(401);
    const other = sign("POST", REQUEST_TOKEN).replace(consumer.clientId, "someone-else");
    expect((await call(sim.url, REQUEST_TOKEN, { method: "POST", headers: { authorization: other } })).text).toMatch(/unknown consumer key/);
    const evil = await call(sim.url, REQUEST_TOKEN, {
      method: "POST",
      headers: { authorization: sign("POST", REQUEST_TOKEN, { oauth_callback: "https://evil.example/cb" }) },
    });
    expect(evil.status).toBe(401);
    expect((await fetch(simUrl(sim.url, "https://connect.garmin.com/oauthConfirm?oauth_token=nope"))).status).toBe(400);
  });
});

describe("Hevy", () => {
  const [key] = Object.keys(DEMO_HEVY_API_KEYS);
  const WORKOUTS = "https://api.hevyapp.com/v1/workouts";

  it("answers 401 text/plain to a bad key and pages workouts for a good one", async () => {
    const bad = await call(sim.url, `${WORKOUTS}/count`, { headers: { "api-key": "nope" } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("content-type")).toMatch(/^text\/plain/);

    // Workouts are served from the generated data (./data).
    const total = simData(sim.state).list("hevy", DEMO_HEVY_API_KEYS[key], "workouts").length;
    expect((await call(sim.url, `${WORKOUTS}/count`, { headers: { "api-key": key } })).json).toEqual({ workout_count: total });
    const p1 = await call(sim.url, `${WORKOUTS}?page=1&pageSize=10`, { headers: { "api-key": key } });
    expect(p1.json).toMatchObject({ page: 1, page_count: Math.ceil(total / 10) });
    expect(p1.json.workouts).toHaveLength(10);
    expect(p1.json.workouts[0]).toMatchObject({ id: expect.any(String), exercises: expect.any(Array) });
    expect(p1.json.workouts[0].start_time > p1.json.workouts[1].start_time).toBe(true); // newest first
    expect((await call(sim.url, `${WORKOUTS}?page=1&pageSize=11`, { headers: { "api-key": key } })).status).toBe(400);
  });
});

describe("Eight Sleep", () => {
  const TOKENS = "https://auth-api.8slp.net/v1/tokens";
  const c = DEMO_CLIENTS.eightsleep;
  const login = (password: string) =>
    call(sim.url, TOKENS, {
      method: "POST",
      json: { client_id: c.clientId, client_secret: c.clientSecret, grant_type: "password", username: "a@example.test", password },
    });

  it("signs in with the right password only, serves users/me and rotates refresh tokens", async () => {
    const bad = await login("nope");
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ error: "invalid_grant" });

    const ok = await login(DEMO_EIGHTSLEEP_PASSWORD);
    expect(ok.json).toMatchObject({ token_type: "bearer", expires_in: 3600, userId: eightSleepUserId("a@example.test") });
    const me = await call(sim.url, "https://client-api.8slp.net/v1/users/me", { token: ok.json.access_token });
    expect(me.json.user).toMatchObject({ userId: eightSleepUserId("a@example.test"), currentDevice: { side: "left" } });

    const refresh = (token: string) =>
      call(sim.url, TOKENS, { method: "POST", json: { client_id: c.clientId, client_secret: c.clientSecret, grant_type: "refresh_token", refresh_token: token } });
    const r1 = await refresh(ok.json.refresh_token);
    expect(r1.status).toBe(200);
    expect(r1.json.refresh_token).not.toBe(ok.json.refresh_token);
    expect((await refresh(ok.json.refresh_token)).status).toBe(401);
  });
});
