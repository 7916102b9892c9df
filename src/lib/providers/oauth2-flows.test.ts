import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { coros } from "./coros";
import { COROS_ASSUMED_TOKEN_LIFETIME_S } from "./coros/auth";
import { InvalidGrantError, ProviderRequestError, TransientProviderError } from "./shared/errors";
import { googleHealth } from "./google_health";
import { basicAuthHeader } from "./shared/oauth2";
import { oura } from "./oura";
import { polar } from "./polar";
import { strava } from "./strava";
import type { OAuth2Flow, ProviderContext, ProviderDefinition } from "./types";
import { whoop } from "./whoop";
import { withings } from "./withings";
import { withingsSignature } from "./withings/auth";

const GH_SCOPE = "https://www.googleapis.com/auth/googlehealth.";

/**
 * Each provider's flow against the facts in shared/providers.md: the exact authorize parameters, the
 * token request (endpoint, client-auth style, parameters) and parsing of each real response shape.
 * The HTTP exchange itself is covered against the simulator in src/lib/connections/*.test.ts.
 */

type Call = { url: string; method: string; headers: Record<string, string>; form: URLSearchParams; body: string };

function harness(provider: string, responses: Array<{ status?: number; body: unknown }>) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: string | URL, init: RequestInit = {}) => {
    const body = typeof init.body === "string" ? init.body : "";
    calls.push({
      url: String(input),
      method: init.method ?? "GET",
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      form: new URLSearchParams(body),
      body,
    });
    const next = responses.shift() ?? { status: 500, body: { error: "no scripted response" } };
    const text = next.body === undefined ? null : typeof next.body === "string" ? next.body : JSON.stringify(next.body);
    return new Response(text, { status: next.status ?? 200, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  const ctx: ProviderContext = {
    fetch: fetchImpl,
    clientId: "cid-1",
    clientSecret: "csecret-1",
    redirectUri: "http://localhost:3000/api/oauth/callback",
    appUrl: "http://localhost:3000",
    providerId: provider,
    userId: "6f0c2d5e-0000-4000-8000-000000000001",
  };
  return { ctx, calls };
}

const flowOf = (def: ProviderDefinition): OAuth2Flow => {
  if (def.authKind !== "oauth2") throw new Error(`${def.id} has no oauth2 flow`);
  return def.oauth2;
};

function authorize(def: ProviderDefinition, codeChallenge?: string) {
  const { ctx } = harness(def.id, []);
  const url = new URL(flowOf(def).authorizeUrl(ctx, { state: "st4te-value", codeChallenge }));
  return { base: `${url.origin}${url.pathname}`, params: Object.fromEntries(url.searchParams), keys: [...url.searchParams.keys()] };
}

const REDIRECT = "http://localhost:3000/api/oauth/callback";
const formOf = (c: Call) => Object.fromEntries(c.form);

describe("authorize URLs (providers.md: endpoint, exactly the documented parameters)", () => {
  it("Strava: comma scopes, approval_prompt=auto, no PKCE", () => {
    const a = authorize(strava);
    expect(a.base).toBe("https://www.strava.com/oauth/authorize");
    expect(a.params).toEqual({
      client_id: "cid-1",
      redirect_uri: REDIRECT,
      response_type: "code",
      approval_prompt: "auto",
      scope: "read,activity:read_all,profile:read_all",
      state: "st4te-value",
    });
  });

  it("Oura: space scopes on cloud.ouraring.com", () => {
    const a = authorize(oura);
    expect(a.base).toBe("https://cloud.ouraring.com/oauth/authorize");
    expect(a.params).toEqual({
      response_type: "code",
      client_id: "cid-1",
      redirect_uri: REDIRECT,
      scope: "email personal daily heartrate workout session spo2Daily",
      state: "st4te-value",
    });
  });

  it("WHOOP: space scopes including offline (for a refresh token)", () => {
    const a = authorize(whoop);
    expect(a.base).toBe("https://api.prod.whoop.com/oauth/oauth2/auth");
    expect(a.params.scope.split(" ")).toContain("offline");
    expect(a.params.scope).toBe("read:recovery read:cycles read:workout read:sleep read:profile read:body_measurement offline");
    expect(a.keys.sort()).toEqual(["client_id", "redirect_uri", "response_type", "scope", "state"]);
  });

  it("Google Health: PKCE S256 with the given challenge, offline access with consent, space scopes", () => {
    expect(flowOf(googleHealth).pkce).toBe(true);
    const a = authorize(googleHealth, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    expect(a.base).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    expect(a.params).toEqual({
      client_id: "cid-1",
      response_type: "code",
      scope: ["activity_and_fitness", "health_metrics_and_measurements", "sleep", "settings"].map((s) => `${GH_SCOPE}${s}.readonly`).join(" "),
      redirect_uri: REDIRECT,
      state: "st4te-value",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
      access_type: "offline",
      prompt: "consent",
    });
  });

  it("Polar: accesslink.read_all on flow.polar.com", () => {
    const a = authorize(polar);
    expect(a.base).toBe("https://flow.polar.com/oauth2/authorization");
    expect(a.params).toEqual({
      response_type: "code",
      client_id: "cid-1",
      redirect_uri: REDIRECT,
      scope: "accesslink.read_all",
      state: "st4te-value",
    });
  });

  it("COROS: no scope parameter", () => {
    const a = authorize(coros);
    expect(a.base).toBe("https://open.coros.com/oauth2/authorize");
    expect(a.params).toEqual({ client_id: "cid-1", redirect_uri: REDIRECT, response_type: "code", state: "st4te-value" });
  });

  it("Withings: authorize2 with comma scopes", () => {
    const a = authorize(withings);
    expect(a.base).toBe("https://account.withings.com/oauth2_user/authorize2");
    expect(a.params).toEqual({
      response_type: "code",
      client_id: "cid-1",
      state: "st4te-value",
      scope: "user.info,user.metrics,user.activity,user.sleepevents",
      redirect_uri: REDIRECT,
    });
  });

  it("only Google Health asks for PKCE (the others don't document it)", () => {
    for (const def of [strava, oura, whoop, polar, coros, withings]) expect(flowOf(def).pkce).toBe(false);
  });
});

describe("code exchange and refresh: request style and response shapes", () => {
  it("Strava: secret in body; expires_at + athlete; granted scope from the callback; Strava's invalid refresh → InvalidGrantError", async () => {
    const { ctx, calls } = harness("strava", [
      {
        body: {
          token_type: "Bearer",
          expires_at: 1768500000,
          expires_in: 21600,
          refresh_token: "rt-1",
          access_token: "at-1",
          athlete: { id: 134815, username: "runner", firstname: "Ada", lastname: "Lovelace" },
        },
      },
      { status: 400, body: { message: "Bad Request", errors: [{ resource: "RefreshToken", field: "refresh_token", code: "invalid" }] } },
    ]);
    const t = await flowOf(strava).exchangeCode(ctx, { code: "c-1", query: { state: "s", code: "c-1", scope: "read,activity:read_all" } });
    expect(calls[0].url).toBe("https://www.strava.com/oauth/token");
    expect(formOf(calls[0])).toEqual({ code: "c-1", grant_type: "authorization_code", client_id: "cid-1", client_secret: "csecret-1" });
    expect(calls[0].headers.authorization).toBeUndefined();
    expect(t).toMatchObject({
      accessToken: "at-1",
      refreshToken: "rt-1",
      expiresAt: new Date(1768500000 * 1000),
      providerUserId: "134815",
      displayName: "Ada Lovelace",
      scopes: ["read", "activity:read_all"],
    });
    const err = await flowOf(strava).refresh!(ctx, { accessToken: "at-1", refreshToken: "rt-1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidGrantError);
    expect(formOf(calls[1])).toEqual({ grant_type: "refresh_token", refresh_token: "rt-1", client_id: "cid-1", client_secret: "csecret-1" });
  });

  it("Oura: body auth with redirect_uri; rotating refresh keeps scopes", async () => {
    const { ctx, calls } = harness("oura", [
      { body: { token_type: "bearer", access_token: "at", expires_in: 86400, refresh_token: "rt", scope: "daily heartrate" } },
      { body: { token_type: "bearer", access_token: "at2", expires_in: 86400, refresh_token: "rt2" } },
    ]);
    const t = await flowOf(oura).exchangeCode(ctx, { code: "c" });
    expect(calls[0].url).toBe("https://api.ouraring.com/oauth/token");
    expect(formOf(calls[0])).toEqual({
      grant_type: "authorization_code",
      code: "c",
      redirect_uri: REDIRECT,
      client_id: "cid-1",
      client_secret: "csecret-1",
    });
    expect(t.scopes).toEqual(["daily", "heartrate"]);
    const r = await flowOf(oura).refresh!(ctx, t);
    expect(r).toMatchObject({ accessToken: "at2", refreshToken: "rt2", scopes: ["daily", "heartrate"] });
  });

  it("WHOOP: refresh sends scope=offline and takes the new refresh token", async () => {
    const { ctx, calls } = harness("whoop", [
      { body: { access_token: "at2", expires_in: 3600, refresh_token: "rt2", scope: "offline read:sleep", token_type: "bearer" } },
    ]);
    const r = await flowOf(whoop).refresh!(ctx, { accessToken: "at1", refreshToken: "rt1" });
    expect(calls[0].url).toBe("https://api.prod.whoop.com/oauth/oauth2/token");
    expect(formOf(calls[0])).toEqual({
      grant_type: "refresh_token",
      scope: "offline",
      refresh_token: "rt1",
      client_id: "cid-1",
      client_secret: "csecret-1",
    });
    expect(r).toMatchObject({ accessToken: "at2", refreshToken: "rt2", scopes: ["offline", "read:sleep"] });
  });

  it("Google Health: credentials in the body + code_verifier; the granted scopes; 1 h expiry", async () => {
    const before = Date.now();
    const granted = `${GH_SCOPE}sleep.readonly ${GH_SCOPE}activity_and_fitness.readonly`;
    const { ctx, calls } = harness("google_health", [
      { body: { access_token: "at", expires_in: 3599, refresh_token: "rt", scope: granted, token_type: "Bearer" } },
    ]);
    const t = await flowOf(googleHealth).exchangeCode(ctx, { code: "c", codeVerifier: "v".repeat(43) });
    expect(calls[0].url).toBe("https://oauth2.googleapis.com/token");
    expect(calls[0].headers.authorization).toBeUndefined();
    expect(formOf(calls[0])).toEqual({
      grant_type: "authorization_code",
      code: "c",
      redirect_uri: REDIRECT,
      code_verifier: "v".repeat(43),
      client_id: "cid-1",
      client_secret: "csecret-1",
    });
    expect(t.scopes).toEqual([`${GH_SCOPE}sleep.readonly`, `${GH_SCOPE}activity_and_fitness.readonly`]);
    expect(t.refreshToken).toBe("rt");
    expect(t.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 3599_000);
  });

  it("Polar: HTTP Basic; x_user_id; no refresh; registration with member-id, 409 verified with GET", async () => {
    const { ctx, calls } = harness("polar", [
      { body: { access_token: "at", token_type: "bearer", expires_in: 315359999, x_user_id: 475 } },
      { status: 409, body: undefined },
      { body: { "polar-user-id": 475, "member-id": "x", "first-name": "Ada", "last-name": "L" } },
    ]);
    const t = await flowOf(polar).exchangeCode(ctx, { code: "c" });
    expect(calls[0].url).toBe("https://polarremote.com/v2/oauth2/token");
    expect(calls[0].headers.authorization).toBe(basicAuthHeader("cid-1", "csecret-1"));
    expect(formOf(calls[0])).toEqual({ grant_type: "authorization_code", code: "c", redirect_uri: REDIRECT });
    expect(t).toMatchObject({ accessToken: "at", refreshToken: null, providerUserId: "475", scopes: ["accesslink.read_all"] });
    expect(flowOf(polar).refresh).toBeUndefined();

    const done = await flowOf(polar).onConnected!(ctx, t);
    expect(calls[1].url).toBe("https://www.polaraccesslink.com/v3/users");
    expect(calls[1].method).toBe("POST");
    expect(JSON.parse(calls[1].body)).toEqual({ "member-id": ctx.userId });
    expect(calls[2].url).toBe("https://www.polaraccesslink.com/v3/users/475");
    expect(done).toMatchObject({ providerUserId: "475", displayName: "Ada L", meta: { memberId: ctx.userId } });
  });

  it("Polar: 403 on registration → a clear ProviderRequestError about consents", async () => {
    const { ctx } = harness("polar", [{ status: 403, body: undefined }]);
    const err = await flowOf(polar).onConnected!(ctx, { accessToken: "at", providerUserId: "1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect((err as Error).message).toMatch(/consent/);
  });

  it("COROS: openId; expiry assumed; refresh keeps the access token and extends it", async () => {
    const { ctx, calls } = harness("coros", [
      { body: { access_token: "at-coros", refresh_token: "rt-coros", openId: "407419767966679040" } },
      { body: { result: "0000", message: "OK" } },
      { body: { result: "5001", message: "refresh token invalid" } },
    ]);
    const start = Date.now();
    const t = await flowOf(coros).exchangeCode(ctx, { code: "c" });
    expect(calls[0].url).toBe("https://open.coros.com/oauth2/accesstoken");
    expect(formOf(calls[0])).toEqual({
      code: "c",
      grant_type: "authorization_code",
      redirect_uri: REDIRECT,
      client_id: "cid-1",
      client_secret: "csecret-1",
    });
    expect(t.providerUserId).toBe("407419767966679040");
    expect(t.expiresAt!.getTime()).toBeGreaterThanOrEqual(start + COROS_ASSUMED_TOKEN_LIFETIME_S * 1000);
    const r = await flowOf(coros).refresh!(ctx, { ...t, expiresAt: new Date() });
    expect(calls[1].url).toBe("https://open.coros.com/oauth2/refresh-token");
    expect(formOf(calls[1])).toEqual({ grant_type: "refresh_token", refresh_token: "rt-coros", client_id: "cid-1", client_secret: "csecret-1" });
    expect(r.accessToken).toBe("at-coros");
    expect(r.refreshToken).toBe("rt-coros");
    expect(r.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 28 * 86400_000);
    await expect(flowOf(coros).refresh!(ctx, t)).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it("Withings: action=requesttoken; {status, body} unwrapped; auth statuses → InvalidGrantError; 601 → transient", async () => {
    const { ctx, calls } = harness("withings", [
      {
        body: {
          status: 0,
          body: {
            userid: 363,
            access_token: "at-w",
            refresh_token: "rt-w",
            expires_in: 10800,
            scope: "user.info,user.metrics",
            csrf_token: "x",
            token_type: "Bearer",
          },
        },
      },
      { body: { status: 401, body: {}, error: "Invalid refresh_token rt-w-0123456789abcdef01234567" } },
      { body: { status: 601, body: {}, error: "Too many requests" } },
      { body: { status: 503, body: {}, error: "Invalid Params: invalid code" } },
    ]);
    const t = await flowOf(withings).exchangeCode(ctx, { code: "c" });
    expect(calls[0].url).toBe("https://wbsapi.withings.net/v2/oauth2");
    expect(formOf(calls[0])).toEqual({
      action: "requesttoken",
      grant_type: "authorization_code",
      client_id: "cid-1",
      client_secret: "csecret-1",
      code: "c",
      redirect_uri: REDIRECT,
    });
    expect(t).toMatchObject({ accessToken: "at-w", refreshToken: "rt-w", providerUserId: "363", scopes: ["user.info", "user.metrics"] });
    const dead = await flowOf(withings).refresh!(ctx, t).catch((e: unknown) => e);
    expect(dead).toBeInstanceOf(InvalidGrantError);
    expect((dead as Error).message).not.toContain("rt-w-0123456789abcdef01234567");
    expect(formOf(calls[1])).toMatchObject({ action: "requesttoken", grant_type: "refresh_token", refresh_token: "rt-w" });
    expect(await flowOf(withings).refresh!(ctx, t).catch((e: unknown) => e)).toBeInstanceOf(TransientProviderError);
    expect(await flowOf(withings).exchangeCode(ctx, { code: "old" }).catch((e: unknown) => e)).toBeInstanceOf(InvalidGrantError);
  });

  it("Withings signature: HMAC-SHA256 over values sorted by key, joined by commas", () => {
    // action < client_id < nonce alphabetically → "revoke,<client_id>,<nonce>"
    const expected = createHmac("sha256", "secret").update("revoke,cid,n0nce").digest("hex");
    expect(withingsSignature("secret", { nonce: "n0nce", client_id: "cid", action: "revoke" })).toBe(expected);
  });
});
