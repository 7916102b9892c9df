import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_CLIENTS } from "./clients";
import { corosOpenId } from "./providers/coros/oauth";
import { ouraUserId } from "./providers/oura/oauth";
import { polarUserId } from "./providers/polar/oauth";
import { stravaAthleteId } from "./providers/strava/oauth";
import { whoopUserId } from "./providers/whoop/oauth";
import { withingsSignature, withingsUserId } from "./providers/withings/oauth";
import { startSimulator, type RunningSimulator } from "./server";
import { authorize, basicAuth, call, postForm } from "./testing";

/** A full authorization-code flow per provider, over real HTTP, in each provider's own protocol. */

let sim: RunningSimulator;
let base: string;
const CALLBACK = "http://localhost:3000/api/oauth/callback";

beforeAll(async () => {
  // A frozen clock (moved only by advanceClock) keeps expiry arithmetic exact.
  const frozen = Date.now();
  sim = await startSimulator({ port: 0, now: () => frozen });
  base = sim.url;
});
afterAll(() => sim.close());
beforeEach(() => sim.state.reset());

function authUrl(real: string, params: Record<string, string | undefined>): string {
  const u = new URL(real);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

describe("Strava", () => {
  const c = DEMO_CLIENTS.strava;
  const TOKEN = "https://www.strava.com/oauth/token";
  const start = (scope = "read,activity:read_all,profile:read_all", untick: string[] = []) =>
    authorize(
      base,
      authUrl("https://www.strava.com/oauth/authorize", {
        client_id: c.clientId,
        redirect_uri: CALLBACK,
        response_type: "code",
        approval_prompt: "force",
        scope,
        state: "st-strava",
      }),
      { untick },
    );

  it("runs the code flow with body credentials, echoes granted scopes and returns the athlete", async () => {
    const { location } = await start(undefined, ["profile:read_all"]);
    expect(location?.origin + location!.pathname).toBe(CALLBACK);
    expect(location!.searchParams.get("state")).toBe("st-strava");
    expect(location!.searchParams.get("scope")).toBe("read,activity:read_all");
    const code = location!.searchParams.get("code")!;

    const tok = await postForm(base, TOKEN, { client_id: c.clientId, client_secret: c.clientSecret, code, grant_type: "authorization_code" });
    expect(tok.status).toBe(200);
    expect(tok.json).toMatchObject({ token_type: "Bearer", expires_in: 21600, athlete: { id: Number(stravaAthleteId("athlete-1")) } });
    expect(tok.json.expires_at).toBe(Math.floor(sim.state.now() / 1000) + 21600);
    expect(typeof tok.json.refresh_token).toBe("string");

    const me = await call(base, "https://www.strava.com/api/v3/athlete", { token: tok.json.access_token });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ id: Number(stravaAthleteId("athlete-1")), resource_state: 2 });
    expect(me.json.weight).toBeUndefined(); // profile:read_all was unticked
  });

  it("rejects HTTP Basic client auth (Strava wants the secret in the body)", async () => {
    const code = (await start()).location!.searchParams.get("code")!;
    const tok = await postForm(base, TOKEN, { code, grant_type: "authorization_code" }, { authorization: basicAuth(c.clientId, c.clientSecret) });
    expect(tok.status).toBe(400);
    expect(tok.json).toEqual({ message: "Bad Request", errors: [{ resource: "Application", field: "client_id", code: "invalid" }] });
    const wrong = await postForm(base, TOKEN, { client_id: c.clientId, client_secret: "nope", code, grant_type: "authorization_code" });
    expect(wrong.json.errors[0]).toMatchObject({ resource: "Application", field: "client_secret" });
  });

  it("keeps the pair while fresh, rotates near expiry, and deauthorize kills everything", async () => {
    const code = (await start()).location!.searchParams.get("code")!;
    const first = (await postForm(base, TOKEN, { client_id: c.clientId, client_secret: c.clientSecret, code, grant_type: "authorization_code" })).json;
    const refresh = (rt: string) => postForm(base, TOKEN, { client_id: c.clientId, client_secret: c.clientSecret, grant_type: "refresh_token", refresh_token: rt });

    const same = await refresh(first.refresh_token);
    expect(same.json).toMatchObject({ access_token: first.access_token, refresh_token: first.refresh_token });
    expect(same.json.athlete).toBeUndefined();

    sim.state.advanceClock(5.5 * 3600_000);
    const rotated = await refresh(first.refresh_token);
    expect(rotated.status).toBe(200);
    expect(rotated.json.access_token).not.toBe(first.access_token);
    expect(rotated.json.refresh_token).not.toBe(first.refresh_token);
    expect(rotated.json.expires_in).toBe(21600);

    const spent = await refresh(first.refresh_token);
    expect(spent.status).toBe(400);
    expect(spent.json.errors[0]).toEqual({ resource: "RefreshToken", field: "refresh_token", code: "invalid" });

    const de = await postForm(base, "https://www.strava.com/oauth/deauthorize", { access_token: rotated.json.access_token });
    expect(de.status).toBe(200);
    const me = await call(base, "https://www.strava.com/api/v3/athlete", { token: rotated.json.access_token });
    expect(me.status).toBe(401);
    expect(me.json).toEqual({ message: "Authorization Error", errors: [{ resource: "Athlete", field: "access_token", code: "invalid" }] });
    expect((await refresh(rotated.json.refresh_token)).status).toBe(400);
  });
});

describe("Oura", () => {
  const c = DEMO_CLIENTS.oura;
  const TOKEN = "https://api.ouraring.com/oauth/token";
  const start = (account = "athlete-1", untick: string[] = []) =>
    authorize(
      base,
      authUrl("https://cloud.ouraring.com/oauth/authorize", {
        response_type: "code",
        client_id: c.clientId,
        redirect_uri: CALLBACK,
        scope: "email personal daily workout",
        state: "st-oura",
      }),
      { account, untick },
    );
  const exchange = (code: string) =>
    postForm(base, TOKEN, { grant_type: "authorization_code", code, redirect_uri: CALLBACK, client_id: c.clientId, client_secret: c.clientSecret });

  it("runs the code flow, rotates single-use refresh tokens and revokes", async () => {
    const { location } = await start("sleeper", ["email"]);
    const tok = await exchange(location!.searchParams.get("code")!);
    expect(tok.status).toBe(200);
    expect(tok.json).toMatchObject({ token_type: "bearer", expires_in: 86400, scope: "personal daily workout" });

    const info = await call(base, "https://api.ouraring.com/v2/usercollection/personal_info", { token: tok.json.access_token });
    expect(info.status).toBe(200);
    expect(info.json.id).toBe(ouraUserId("sleeper"));
    expect(info.json.email).toBeUndefined();
    expect(typeof info.json.weight).toBe("number");

    const refresh = (rt: string) => postForm(base, TOKEN, { grant_type: "refresh_token", refresh_token: rt, client_id: c.clientId, client_secret: c.clientSecret });
    const r1 = await refresh(tok.json.refresh_token);
    expect(r1.status).toBe(200);
    expect(r1.json.refresh_token).not.toBe(tok.json.refresh_token);
    const reused = await refresh(tok.json.refresh_token);
    expect(reused.status).toBe(400);
    expect(reused.json.error).toBe("invalid_grant");
    expect(reused.json.error_description).toMatch(/only be used once/);

    const rv = await call(base, `https://api.ouraring.com/oauth/revoke?access_token=${r1.json.access_token}`, { method: "POST" });
    expect(rv.status).toBe(200);
    const after = await call(base, "https://api.ouraring.com/v2/usercollection/personal_info", { token: r1.json.access_token });
    expect(after.status).toBe(401);
    expect(after.json).toMatchObject({ status: 401, title: "Unauthorized" });
    expect((await refresh(r1.json.refresh_token)).json.error).toBe("invalid_grant");
  });

  it("rejects HTTP Basic client auth and a wrong secret with invalid_client", async () => {
    const code = (await start()).location!.searchParams.get("code")!;
    const basic = await postForm(base, TOKEN, { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, { authorization: basicAuth(c.clientId, c.clientSecret) });
    expect(basic.status).toBe(401);
    expect(basic.json.error).toBe("invalid_client");
    const wrong = await postForm(base, TOKEN, { grant_type: "authorization_code", code, redirect_uri: CALLBACK, client_id: c.clientId, client_secret: "x" });
    expect(wrong.status).toBe(401);
    // The failed attempts did not burn the code.
    expect((await exchange(code)).status).toBe(200);
  });
});

describe("WHOOP", () => {
  const c = DEMO_CLIENTS.whoop;
  const TOKEN = "https://api.prod.whoop.com/oauth/oauth2/token";
  const start = (scope: string, state = "whoop-state-123") =>
    authorize(
      base,
      authUrl("https://api.prod.whoop.com/oauth/oauth2/auth", { response_type: "code", client_id: c.clientId, redirect_uri: CALLBACK, scope, state }),
    );
  const exchange = (code: string) =>
    postForm(base, TOKEN, { grant_type: "authorization_code", code, redirect_uri: CALLBACK, client_id: c.clientId, client_secret: c.clientSecret });

  it("requires a state of 8+ characters", async () => {
    const out = await start("read:profile offline", "short");
    expect(out.pageStatus).toBe(400);
    expect(out.html).toMatch(/state is required/);
  });

  it("issues a refresh token only with offline; a replayed refresh token kills the grant", async () => {
    const noOffline = await exchange((await start("read:profile")).location!.searchParams.get("code")!);
    expect(noOffline.json.refresh_token).toBeUndefined();

    const { location } = await start("read:profile read:sleep offline");
    expect(location!.searchParams.get("scope")).toBe("read:profile read:sleep offline");
    const tok = await exchange(location!.searchParams.get("code")!);
    expect(tok.json).toMatchObject({ token_type: "bearer", expires_in: 3600, scope: "read:profile read:sleep offline" });

    const profile = await call(base, "https://api.prod.whoop.com/developer/v2/user/profile/basic", { token: tok.json.access_token });
    expect(profile.status).toBe(200);
    expect(profile.json.user_id).toBe(Number(whoopUserId("athlete-1")));

    const refresh = (rt: string) =>
      postForm(base, TOKEN, { grant_type: "refresh_token", refresh_token: rt, client_id: c.clientId, client_secret: c.clientSecret, scope: "offline" });
    const r1 = await refresh(tok.json.refresh_token);
    expect(r1.status).toBe(200);
    expect(r1.json.refresh_token).not.toBe(tok.json.refresh_token);
    const replay = await refresh(tok.json.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe("invalid_grant");
    // Reuse detection revoked the newer tokens too.
    expect((await refresh(r1.json.refresh_token)).status).toBe(400);
    expect((await call(base, "https://api.prod.whoop.com/developer/v2/user/profile/basic", { token: r1.json.access_token })).status).toBe(401);
  });

  it("rejects Basic auth, enforces read:profile, and DELETE /user/access revokes", async () => {
    const code = (await start("read:sleep offline")).location!.searchParams.get("code")!;
    const basic = await postForm(base, TOKEN, { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, { authorization: basicAuth(c.clientId, c.clientSecret) });
    expect(basic.status).toBe(401);
    expect(basic.json.error_description).toMatch(/client_secret_post/);
    const tok = await exchange(code);
    expect((await call(base, "https://api.prod.whoop.com/developer/v2/user/profile/basic", { token: tok.json.access_token })).status).toBe(403);
    const del = await call(base, "https://api.prod.whoop.com/developer/v2/user/access", { method: "DELETE", token: tok.json.access_token });
    expect(del.status).toBe(204);
    const again = await call(base, "https://api.prod.whoop.com/developer/v2/user/access", { method: "DELETE", token: tok.json.access_token });
    expect(again.status).toBe(401);
  });
});

describe("legacy Fitbit (switched off 2026-11-02)", () => {
  it("answers 410 Gone on every legacy host and path: Google's error envelope for the API and token, a page for the browser", async () => {
    const apiCalls = [
      call(base, "https://api.fitbit.com/oauth2/token", { method: "POST" }),
      postForm(base, "https://api.fitbit.com/oauth2/token", { grant_type: "refresh_token", refresh_token: "old" }, { authorization: basicAuth("old-fitbit-app", "s") }),
      postForm(base, "https://api.fitbit.com/oauth2/revoke", { token: "old" }),
      call(base, "https://api.fitbit.com/1/user/-/profile.json", { token: "old-access-token" }),
      call(base, "https://api.fitbit.com/1/user/-/activities/list.json?afterDate=2024-01-01&sort=asc&limit=100&offset=0"),
      call(base, "https://api.fitbit.com/1.2/user/-/sleep/date/2024-01-01/2024-01-31.json"),
      call(base, "https://api.fitbit.com/1/user/-/apiSubscriptions/sub-1.json", { method: "DELETE" }),
    ];
    for (const res of await Promise.all(apiCalls)) {
      expect(res.status).toBe(410);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.json.error).toMatchObject({ code: 410, message: expect.stringMatching(/turned off on 2026-11-02.*Google Health API/) });
      const info = res.json.error.details.find((d: { "@type": string }) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
      expect(info.reason).toBe("API_TURNED_DOWN");
    }

    const consent = await call(base, "https://www.fitbit.com/oauth2/authorize?client_id=x&response_type=code&scope=activity&redirect_uri=" + encodeURIComponent(CALLBACK));
    expect(consent.status).toBe(410);
    expect(consent.headers.get("content-type")).toMatch(/^text\/html/);
    expect(consent.text).toContain("410 Gone");
    expect(consent.text).not.toContain("<form");
    // Nothing was granted on the way.
    expect(sim.state.grants.size).toBe(0);
  });
});

describe("Polar", () => {
  const c = DEMO_CLIENTS.polar;
  const TOKEN = "https://polarremote.com/v2/oauth2/token";
  const basic = { authorization: basicAuth(c.clientId, c.clientSecret) };
  const connect = async (account: string) => {
    // No redirect_uri: Polar uses the app's registered callback.
    const { location } = await authorize(
      base,
      authUrl("https://flow.polar.com/oauth2/authorization", { response_type: "code", client_id: c.clientId, scope: "accesslink.read_all", state: "st-polar" }),
      { account },
    );
    expect(location!.origin + location!.pathname).toBe(sim.state.defaultRedirectUri);
    return postForm(base, TOKEN, { grant_type: "authorization_code", code: location!.searchParams.get("code")! }, basic);
  };

  it("exchanges with Basic, registers the user once, and deregistering revokes the token", async () => {
    const tok = await connect("runner");
    expect(tok.status).toBe(200);
    expect(tok.json).toMatchObject({ token_type: "bearer", x_user_id: Number(polarUserId("runner")) });
    expect(tok.json.refresh_token).toBeUndefined();
    const token = tok.json.access_token;

    const reg = await call(base, "https://www.polaraccesslink.com/v3/users", { method: "POST", token, json: { "member-id": "hb-user-1" } });
    expect(reg.status).toBe(200);
    expect(reg.json).toMatchObject({ "polar-user-id": Number(polarUserId("runner")), "member-id": "hb-user-1" });
    const again = await call(base, "https://www.polaraccesslink.com/v3/users", { method: "POST", token, json: { "member-id": "hb-user-1" } });
    expect(again.status).toBe(409);

    const user = await call(base, `https://www.polaraccesslink.com/v3/users/${polarUserId("runner")}`, { token });
    expect(user.status).toBe(200);
    const del = await call(base, `https://www.polaraccesslink.com/v3/users/${polarUserId("runner")}`, { method: "DELETE", token });
    expect(del.status).toBe(204);
    expect((await call(base, `https://www.polaraccesslink.com/v3/users/${polarUserId("runner")}`, { token })).status).toBe(401);
  });

  it("rejects body credentials, has no refresh grant, and refuses registration without consents", async () => {
    const { location } = await authorize(base, authUrl("https://flow.polar.com/oauth2/authorization", { response_type: "code", client_id: c.clientId, redirect_uri: CALLBACK }));
    const code = location!.searchParams.get("code")!;
    const body = await postForm(base, TOKEN, { grant_type: "authorization_code", code, redirect_uri: CALLBACK, client_id: c.clientId, client_secret: c.clientSecret });
    expect(body.status).toBe(401);
    expect(body.json.error).toBe("invalid_client");
    // redirect_uri was sent at authorize, so it must be repeated.
    const noRedirect = await postForm(base, TOKEN, { grant_type: "authorization_code", code }, basic);
    expect(noRedirect.json.error).toBe("invalid_grant");
    const ok = await postForm(base, TOKEN, { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, basic);
    expect(ok.status).toBe(200);
    const refresh = await postForm(base, TOKEN, { grant_type: "refresh_token", refresh_token: "anything" }, basic);
    expect(refresh.json.error).toBe("unsupported_grant_type");

    const nc = await connect("no-consent-1");
    const reg = await call(base, "https://www.polaraccesslink.com/v3/users", { method: "POST", token: nc.json.access_token, json: { "member-id": "x" } });
    expect(reg.status).toBe(403);
  });
});

describe("COROS", () => {
  const c = DEMO_CLIENTS.coros;
  const start = () =>
    authorize(base, authUrl("https://open.coros.com/oauth2/authorize", { client_id: c.clientId, redirect_uri: CALLBACK, response_type: "code", state: "st-coros" }));

  it("exchanges in the body, refresh extends the same access token, deauthorize revokes", async () => {
    const code = (await start()).location!.searchParams.get("code")!;
    const form = { code, grant_type: "authorization_code", redirect_uri: CALLBACK, client_id: c.clientId };
    const wrong = await postForm(base, "https://open.coros.com/oauth2/accesstoken", { ...form, client_secret: "nope" });
    expect(wrong.status).toBe(200);
    expect(wrong.json).toMatchObject({ result: "5001" });
    const basic = await postForm(base, "https://open.coros.com/oauth2/accesstoken", form, { authorization: basicAuth(c.clientId, c.clientSecret) });
    expect(basic.json.result).toBe("5001");

    const tok = await postForm(base, "https://open.coros.com/oauth2/accesstoken", { ...form, client_secret: c.clientSecret });
    expect(tok.status).toBe(200);
    expect(Object.keys(tok.json).sort()).toEqual(["access_token", "openId", "refresh_token"]);
    expect(tok.json.openId).toBe(corosOpenId("athlete-1"));

    const before = sim.state.connections({ provider: "coros" })[0].accessTokenExpiresAt!;
    sim.state.advanceClock(20 * 86_400_000);
    const refreshForm = { grant_type: "refresh_token", refresh_token: tok.json.refresh_token, client_id: c.clientId, client_secret: c.clientSecret };
    const r = await postForm(base, "https://open.coros.com/oauth2/refresh-token", refreshForm);
    expect(r.json).toEqual({ result: "0000", message: "OK" });
    const conn = sim.state.connections({ provider: "coros" })[0];
    expect(conn.accessToken).toBe(tok.json.access_token);
    expect(Date.parse(conn.accessTokenExpiresAt!) - Date.parse(before)).toBe(20 * 86_400_000);
    // Not single-use.
    expect((await postForm(base, "https://open.coros.com/oauth2/refresh-token", refreshForm)).json.result).toBe("0000");

    const de = await postForm(base, "https://open.coros.com/oauth2/deauthorize", { token: tok.json.access_token });
    expect(de.json).toEqual({ result: "0000", message: "OK" });
    expect((await postForm(base, "https://open.coros.com/oauth2/deauthorize", { token: tok.json.access_token })).json.result).toBe("5003");
    expect((await postForm(base, "https://open.coros.com/oauth2/refresh-token", refreshForm)).json.result).toBe("5002");
  });
});

describe("Withings", () => {
  const c = DEMO_CLIENTS.withings;
  const OAUTH2 = "https://wbsapi.withings.net/v2/oauth2";
  const start = (scope = "user.info,user.metrics,user.activity") =>
    authorize(
      base,
      authUrl("https://account.withings.com/oauth2_user/authorize2", { response_type: "code", client_id: c.clientId, state: "st-withings", scope, redirect_uri: CALLBACK }),
    );
  const nonce = async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = withingsSignature(c.clientSecret, { action: "getnonce", client_id: c.clientId, timestamp });
    const res = await postForm(base, "https://wbsapi.withings.net/v2/signature", { action: "getnonce", client_id: c.clientId, timestamp, signature });
    expect(res.json.status).toBe(0);
    return res.json.body.nonce as string;
  };
  const signed = (action: string, n: string) => ({
    action,
    client_id: c.clientId,
    nonce: n,
    signature: withingsSignature(c.clientSecret, { action, client_id: c.clientId, nonce: n }),
  });

  it("rejects space-separated scopes and a missing state", async () => {
    expect((await start("user.info user.metrics")).pageStatus).toBe(400);
    const noState = await authorize(base, authUrl("https://account.withings.com/oauth2_user/authorize2", { response_type: "code", client_id: c.clientId, scope: "user.info", redirect_uri: CALLBACK }));
    expect(noState.pageStatus).toBe(400);
  });

  it("exchanges with client_secret inside {status, body}; codes die after 30 s", async () => {
    const code = (await start()).location!.searchParams.get("code")!;
    const form = { action: "requesttoken", grant_type: "authorization_code", client_id: c.clientId, client_secret: c.clientSecret, code, redirect_uri: CALLBACK };
    const late = (await start()).location!.searchParams.get("code")!;
    const tok = await postForm(base, OAUTH2, form);
    expect(tok.status).toBe(200);
    expect(tok.json.status).toBe(0);
    expect(tok.json.body).toMatchObject({ userid: Number(withingsUserId("athlete-1")), expires_in: 10800, scope: "user.info,user.metrics,user.activity", token_type: "Bearer" });
    expect(typeof tok.json.body.csrf_token).toBe("string");

    sim.state.advanceClock(31_000);
    const expired = await postForm(base, OAUTH2, { ...form, code: late });
    expect(expired.status).toBe(200);
    expect(expired.json).toMatchObject({ status: 503, body: {} });
    const badSecret = await postForm(base, OAUTH2, { ...form, client_secret: "nope" });
    expect(badSecret.json.status).toBe(401);
  });

  it("refreshes with nonce + signature, rotates, rejects nonce reuse, and revokes by userid", async () => {
    const code = (await start()).location!.searchParams.get("code")!;
    const tok = (await postForm(base, OAUTH2, { action: "requesttoken", grant_type: "authorization_code", client_id: c.clientId, client_secret: c.clientSecret, code, redirect_uri: CALLBACK })).json.body;

    const n = await nonce();
    const r1 = await postForm(base, OAUTH2, { ...signed("requesttoken", n), grant_type: "refresh_token", refresh_token: tok.refresh_token });
    expect(r1.json.status).toBe(0);
    expect(r1.json.body.refresh_token).not.toBe(tok.refresh_token);
    const reusedNonce = await postForm(base, OAUTH2, { ...signed("requesttoken", n), grant_type: "refresh_token", refresh_token: r1.json.body.refresh_token });
    expect(reusedNonce.json.status).toBe(401);
    const badSig = await postForm(base, OAUTH2, { ...signed("requesttoken", await nonce()), signature: "0".repeat(64), grant_type: "refresh_token", refresh_token: r1.json.body.refresh_token });
    expect(badSig.json.status).toBe(401);
    const spent = await postForm(base, OAUTH2, { ...signed("requesttoken", await nonce()), grant_type: "refresh_token", refresh_token: tok.refresh_token });
    expect(spent.json.status).toBe(503);

    const rv = await postForm(base, OAUTH2, { ...signed("revoke", await nonce()), userid: String(tok.userid) });
    expect(rv.json).toEqual({ status: 0, body: {} });
    const after = await postForm(base, OAUTH2, { ...signed("requesttoken", await nonce()), grant_type: "refresh_token", refresh_token: r1.json.body.refresh_token });
    expect(after.json.status).toBe(503);
  });
});
