import { randomUUID } from "node:crypto";
import { DEMO_APP_NAME, GARMIN_OAUTH1_CLIENT } from "../../clients";
import { errorPage, escapeHtml, page } from "../../html";
import { randomHex, seededHex } from "../../ids";
import { NonceStore, verifyOAuth1, type OAuth1Result } from "../../oauth1-verify";
import { authorizeRoutes, expiresIn, requireToken, rfc6749Error, tokenRoute, type OAuth2Style, type TokenResult } from "../../oauth2";
import { empty, html, json, redirect, type RequestContext, type RouteSpec, type SimProvider, type SimResponse } from "../../router";
import type { Grant, SimulatorState } from "../../state";

/**
 * Garmin Connect Developer Program (providers.md §2): OAuth 2.0 PKCE (current) and classic OAuth
 * 1.0a (retiring 2026-12-31), the wellness API's user id / deregistration, and the 1.0a → 2.0 token
 * exchange. Every OAuth 1.0a request is verified with the simulator's own RFC 5849 code
 * (oauth1-verify.ts): consumer key, token, signature, timestamp window and nonce reuse → 401.
 *
 * Choices where providers.md is silent (UNCONFIRMED):
 * - Request tokens live 15 min; a request token is single-use; `oauth_callback` may come with the
 *   request token call or on oauthConfirm (the latter wins).
 * - Deny on oauthConfirm redirects back with `oauth_token` and `oauth_problem=user_refused`, no verifier.
 * - OAuth 1.0a errors: 401 text/plain naming the problem. Bearer errors: 401 `{"errorMessage": …}`.
 * - Token endpoint errors: RFC 6749 JSON. Token exchange host apis.garmin.com (as the app assumes);
 *   it answers the OAuth 2.0 token body and retires the 1.0a token.
 */

const CONNECT = "connect.garmin.com";
const CONNECTAPI = "connectapi.garmin.com";
const DIAUTH = "diauth.garmin.com";
const APIS = "apis.garmin.com";

export const GARMIN_ACCESS_TOKEN_TTL_SECONDS = 86_400;
const REFRESH_TOKEN_TTL_SECONDS = 7_776_000; // ≈ 90 days
const REQUEST_TOKEN_TTL_MS = 15 * 60_000;
const TIMESTAMP_WINDOW_SECONDS = 300;

/** Garmin user ids are 32 hex characters, stable across tokens and protocols. */
export function garminUserId(account: string): string {
  return seededHex(`garmin:${account}`, 32);
}

type RequestTokenRec = {
  token: string;
  secret: string;
  consumerKey: string;
  callback: string | null;
  expiresAt: number;
  verifier: string | null;
  account: string | null;
  used: boolean;
};

const requestTokens = (s: SimulatorState) => s.bag<RequestTokenRec>("garmin:request-tokens");
/** OAuth 1.0a access token → its secret (the token itself is an AccessTokenRecord of a grant). */
const tokenSecrets = (s: SimulatorState) => s.bag<string>("garmin:token-secrets");
function nonces(s: SimulatorState): NonceStore {
  const bag = s.bag<NonceStore>("garmin:nonces");
  let store = bag.get("store");
  if (!store) bag.set("store", (store = new NonceStore()));
  return store;
}

const unauthorized = (reason: string): SimResponse => ({
  status: 401,
  headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'OAuth realm="garmin"' },
  body: `OAuth 1.0a verification failed: ${reason}`,
});

/** The real url the app signed: https://<host><path>?<query>. */
function realUrl(ctx: RequestContext): string {
  const q = ctx.query.toString();
  return `https://${ctx.host}${ctx.path}${q ? `?${q}` : ""}`;
}

function verify(ctx: RequestContext, kind: "none" | "request" | "access"): OAuth1Result {
  const { state } = ctx;
  const consumer = state.clients[GARMIN_OAUTH1_CLIENT];
  return verifyOAuth1({
    method: ctx.method,
    url: realUrl(ctx),
    authorization: ctx.headers.authorization,
    formBody: /application\/x-www-form-urlencoded/i.test(ctx.headers["content-type"] ?? "") ? ctx.rawBody.toString("utf8") : undefined,
    consumerSecret: (key) => (consumer && key === consumer.clientId ? consumer.clientSecret : undefined),
    tokenSecret: (token) => {
      if (kind === "request") {
        const rec = requestTokens(state).get(token);
        return rec && !rec.used && rec.expiresAt > state.now() ? rec.secret : undefined;
      }
      if (kind === "access" && state.checkAccessToken("garmin", token).ok) return tokenSecrets(state).get(token);
      return undefined;
    },
    requireToken: kind !== "none",
    nonces: nonces(state),
    nowSeconds: Math.floor(state.now() / 1000),
    windowSeconds: TIMESTAMP_WINDOW_SECONDS,
  });
}

const form = (params: Record<string, string>): SimResponse => ({
  status: 200,
  headers: { "content-type": "text/plain; charset=utf-8" },
  body: new URLSearchParams(params).toString(),
});

// ───────────────────────── OAuth 2.0 PKCE ─────────────────────────

function tokenBody({ access, refresh }: TokenResult, state: SimulatorState) {
  return {
    access_token: access.token,
    token_type: "bearer",
    refresh_token: refresh?.token,
    expires_in: expiresIn(state, access),
    scope: "PARTNER_WRITE PARTNER_READ CONNECT_READ CONNECT_WRITE",
    jti: randomUUID(),
    refresh_token_expires_in: REFRESH_TOKEN_TTL_SECONDS,
  };
}

const style: OAuth2Style = {
  provider: "garmin",
  displayName: "Garmin Connect",
  authorize: { host: CONNECT, path: "/oauth2Confirm" },
  token: { host: DIAUTH, path: "/di-oauth2-service/oauth/token" },
  clientAuth: "body",
  scopes: null, // set per app in the portal
  pkce: "required",
  redirectUriRequired: true,
  codeTtlSeconds: 600,
  accessTokenTtlSeconds: GARMIN_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "rotate",
  userId: garminUserId,
  tokenBody: (result, ctx) => tokenBody(result, ctx.state),
  tokenError: rfc6749Error,
  bearerError: (failure) => json(401, { errorMessage: `Unauthorized: access token ${failure}` }),
};

// ───────────────────────── OAuth 1.0a ─────────────────────────

function requestTokenRoute(ctx: RequestContext): SimResponse {
  const v = verify(ctx, "none");
  if (!v.ok) {
    ctx.count("oauth1:rejected");
    return unauthorized(v.reason);
  }
  const callback = v.params.get("oauth_callback") ?? null;
  if (callback !== null && callback !== "oob" && !ctx.state.isRedirectUriAllowed(callback)) {
    return unauthorized(`oauth_callback "${callback}" is not registered for this application`);
  }
  const rec: RequestTokenRec = {
    token: randomUUID(),
    secret: randomHex(18),
    consumerKey: v.consumerKey,
    callback: callback === "oob" ? null : callback,
    expiresAt: ctx.state.now() + REQUEST_TOKEN_TTL_MS,
    verifier: null,
    account: null,
    used: false,
  };
  requestTokens(ctx.state).set(rec.token, rec);
  return form({ oauth_token: rec.token, oauth_token_secret: rec.secret, oauth_callback_confirmed: "true" });
}

function confirmPage(rec: RequestTokenRec, callback: string, error?: string): string {
  return page(
    `Authorize ${DEMO_APP_NAME} — Garmin Connect`,
    `<h1>Garmin Connect</h1>
<p><strong>${escapeHtml(DEMO_APP_NAME)}</strong> (consumer <code>${escapeHtml(rec.consumerKey)}</code>) wants to access your Garmin Connect data.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/${CONNECT}/oauthConfirm">
<input type="hidden" name="oauth_token" value="${escapeHtml(rec.token)}">
<input type="hidden" name="oauth_callback" value="${escapeHtml(callback)}">
<label for="account">Account</label>
<input type="text" id="account" name="account" value="athlete-1" required autocomplete="off">
<p>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</p>
</form>`,
  );
}

/** Validates oauthConfirm parameters (GET query or POSTed form). */
function confirmRequest(ctx: RequestContext, params: URLSearchParams): { rec: RequestTokenRec; callback: string } | SimResponse {
  const token = params.get("oauth_token");
  const rec = token ? requestTokens(ctx.state).get(token) : undefined;
  if (!rec || rec.used || rec.verifier !== null) return html(400, errorPage("Garmin Connect", "unknown or already used oauth_token"));
  if (rec.expiresAt <= ctx.state.now()) return html(400, errorPage("Garmin Connect", "oauth_token has expired"));
  const callback = params.get("oauth_callback") || rec.callback;
  if (!callback) return html(400, errorPage("Garmin Connect", "no oauth_callback was given"));
  if (!ctx.state.isRedirectUriAllowed(callback)) return html(400, errorPage("Garmin Connect", `oauth_callback "${callback}" is not registered`));
  return { rec, callback };
}

const ACCOUNT_PATTERN = /^[A-Za-z0-9._@+-]{1,64}$/;

function withParams(uri: string, params: Record<string, string>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

function confirmSubmit(ctx: RequestContext): SimResponse {
  const r = confirmRequest(ctx, ctx.form);
  if (!("rec" in r)) return r;
  const { rec, callback } = r;
  const decision = ctx.form.get("decision");
  if (decision === "deny") {
    ctx.count("authorize:deny");
    rec.used = true;
    return redirect(withParams(callback, { oauth_token: rec.token, oauth_problem: "user_refused" }));
  }
  if (decision !== "approve") return html(400, errorPage("Garmin Connect", "decision must be approve or deny"));
  const account = (ctx.form.get("account") ?? "").trim();
  if (!ACCOUNT_PATTERN.test(account)) return html(400, confirmPage(rec, callback, "Account must be 1–64 letters, digits or . _ @ + -"));
  rec.account = account;
  rec.verifier = randomHex(16);
  ctx.count("authorize:approve");
  return redirect(withParams(callback, { oauth_token: rec.token, oauth_verifier: rec.verifier }));
}

/** A 1.0a grant: the access token is an AccessTokenRecord (never expires); its secret sits beside it. */
function issueOAuth1Token(state: SimulatorState, grant: Grant): { token: string; secret: string } {
  const token = randomUUID();
  const secret = randomHex(18);
  state.issueAccessToken(grant, null, token);
  tokenSecrets(state).set(token, secret);
  return { token, secret };
}

function accessTokenRoute(ctx: RequestContext): SimResponse {
  const v = verify(ctx, "request");
  if (!v.ok) {
    ctx.count("oauth1:rejected");
    return unauthorized(v.reason);
  }
  const rec = requestTokens(ctx.state).get(v.token!)!;
  if (rec.consumerKey !== v.consumerKey) return unauthorized("request token was issued to another consumer");
  if (rec.verifier === null || v.params.get("oauth_verifier") !== rec.verifier) return unauthorized("invalid oauth_verifier");
  rec.used = true;
  const grant = ctx.state.createGrant({
    provider: "garmin",
    clientId: v.consumerKey,
    account: rec.account!,
    userId: garminUserId(rec.account!),
    scopes: [],
    extra: { protocol: "oauth1" },
  });
  const { token, secret } = issueOAuth1Token(ctx.state, grant);
  return form({ oauth_token: token, oauth_token_secret: secret });
}

/** Either kind of token: `Authorization: OAuth …` (1.0a, verified) or `Bearer` (2.0). */
export function authenticate(ctx: RequestContext): { ok: true; grant: Grant; token: string } | { ok: false; response: SimResponse } {
  if (/^OAuth\s/i.test(ctx.headers.authorization ?? "")) {
    const v = verify(ctx, "access");
    if (!v.ok) {
      ctx.count("oauth1:rejected");
      return { ok: false, response: unauthorized(v.reason) };
    }
    const check = ctx.state.checkAccessToken("garmin", v.token);
    if (!check.ok) return { ok: false, response: unauthorized(`token ${check.reason}`) };
    return { ok: true, grant: check.grant, token: v.token! };
  }
  const auth = requireToken(ctx, style);
  return auth.ok ? { ok: true, grant: auth.grant, token: auth.token.token } : auth;
}

function tokenExchange(ctx: RequestContext): SimResponse {
  const v = verify(ctx, "access");
  if (!v.ok) {
    ctx.count("oauth1:rejected");
    return unauthorized(v.reason);
  }
  const check = ctx.state.checkAccessToken("garmin", v.token);
  if (!check.ok) return unauthorized(`token ${check.reason}`);
  const oauth2Client = ctx.state.clients.garmin;
  if (!oauth2Client) return json(400, { errorMessage: "no OAuth 2.0 client is registered for this consumer" });
  // The 1.0a token is retired; the same Garmin user gets an OAuth 2.0 grant.
  ctx.state.revokeGrant(check.grant.id);
  const grant = ctx.state.createGrant({
    provider: "garmin",
    clientId: oauth2Client.clientId,
    account: check.grant.account,
    userId: check.grant.userId,
    scopes: [],
    extra: { protocol: "oauth2", migratedFrom: check.grant.id },
  });
  const access = ctx.state.issueAccessToken(grant, GARMIN_ACCESS_TOKEN_TTL_SECONDS);
  const refresh = ctx.state.issueRefreshToken(grant);
  return json(200, tokenBody({ grant, access, refresh, grantType: "authorization_code" }, ctx.state), { "cache-control": "no-store" });
}

const routes: RouteSpec[] = [
  ...authorizeRoutes(style),
  tokenRoute(style),
  { method: "POST", host: CONNECTAPI, path: "/oauth-service/oauth/request_token", name: "oauth1:request_token", handler: requestTokenRoute },
  {
    method: "GET",
    host: CONNECT,
    path: "/oauthConfirm",
    name: "oauth1:authorize",
    handler: (ctx) => {
      const r = confirmRequest(ctx, ctx.query);
      return "rec" in r ? html(200, confirmPage(r.rec, r.callback)) : r;
    },
  },
  { method: "POST", host: CONNECT, path: "/oauthConfirm", name: "oauth1:authorize:submit", handler: confirmSubmit },
  { method: "POST", host: CONNECTAPI, path: "/oauth-service/oauth/access_token", name: "oauth1:access_token", handler: accessTokenRoute },
  {
    method: "GET",
    host: APIS,
    path: "/wellness-api/rest/user/id",
    name: "user/id",
    handler: (ctx) => {
      const auth = authenticate(ctx);
      return auth.ok ? json(200, { userId: auth.grant.userId }) : auth.response;
    },
  },
  {
    method: "DELETE",
    host: APIS,
    path: "/wellness-api/rest/user/registration",
    name: "user/registration:delete",
    handler: (ctx) => {
      const auth = authenticate(ctx);
      if (!auth.ok) return auth.response;
      ctx.state.revokeGrant(auth.grant.id);
      return empty(204);
    },
  },
  { method: "POST", host: APIS, path: "/partner-gateway/rest/user/token-exchange", name: "token-exchange", handler: tokenExchange },
];

export const garminAuth: SimProvider = {
  id: "garmin",
  name: "Garmin",
  hosts: [CONNECT, CONNECTAPI, DIAUTH, APIS],
  routes,
};

export const garminStyle = style;
