import { displayFirstName, seededInt } from "../../ids";
import { authorizeRoutes, expiresIn, requireToken, tokenParams, tokenRoute, type OAuth2Style, type OAuthError } from "../../oauth2";
import { bearerToken, json, type RequestContext, type SimProvider, type SimResponse } from "../../router";
import type { Grant, SimulatorState } from "../../state";

/**
 * Strava API v3 (providers.md §1): OAuth on www.strava.com, comma-separated scopes the user may
 * untick (granted list echoed as `scope=` on the redirect), client secret in the body, 6 h access
 * tokens, `expires_at` + `athlete` in the token response, POST /oauth/deauthorize.
 *
 * Choices where providers.md is silent (UNCONFIRMED):
 * - Code lifetime: 10 min (STRAVA_CODE_TTL_SECONDS).
 * - Refresh: while the access token has more than an hour left the same pair comes back; after
 *   that a new pair, and the old refresh token stops working (treat as rotating, as providers.md says).
 * - Token-endpoint errors: HTTP 400 `{"message":"Bad Request","errors":[{resource,field,code}]}` for
 *   every failure, resource Application (client_id/client_secret), RequestToken (code) or RefreshToken.
 * - PKCE: not documented by Strava; S256 is accepted and verified if the app sends it.
 * - `approval_prompt=auto` still shows the consent page (no browser session is simulated).
 * - Also answers the deauthorize alias C2C uses, /api/v3/oauth/deauthorize.
 */

const HOST = "www.strava.com";
export const STRAVA_SCOPES = ["read", "read_all", "profile:read_all", "profile:write", "activity:read", "activity:read_all", "activity:write"];
export const STRAVA_ACCESS_TOKEN_TTL_SECONDS = 21_600;
const STRAVA_CODE_TTL_SECONDS = 600;

export function stravaAthleteId(account: string): string {
  return String(seededInt(`strava:${account}`, 10_000_000, 99_999_999));
}

function athlete(grant: Grant, state: SimulatorState, detailed: boolean): Record<string, unknown> {
  const created = new Date(Date.UTC(2018, 0, 1) + seededInt(`strava-created:${grant.account}`, 0, 1500) * 86_400_000);
  const summary: Record<string, unknown> = {
    id: Number(grant.userId),
    username: grant.account,
    resource_state: detailed ? 3 : 2,
    firstname: displayFirstName(grant.account),
    lastname: "Simulated",
    bio: null,
    city: "Grenoble",
    state: "Auvergne-Rhône-Alpes",
    country: "France",
    sex: seededInt(`strava-sex:${grant.account}`, 0, 1) ? "F" : "M",
    premium: false,
    summit: false,
    created_at: created.toISOString().replace(/\.\d{3}Z$/, "Z"),
    updated_at: new Date(state.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    badge_type_id: 0,
    profile_medium: "avatar/athlete/medium.png",
    profile: "avatar/athlete/large.png",
    friend: null,
    follower: null,
  };
  if (detailed) {
    Object.assign(summary, {
      follower_count: 0,
      friend_count: 0,
      measurement_preference: "meters",
      ftp: null,
      weight: seededInt(`strava-weight:${grant.account}`, 550, 950) / 10,
      clubs: [],
      bikes: [],
      shoes: [],
    });
  }
  return summary;
}

const RESOURCE_BY_FIELD: Record<string, string> = {
  client_id: "Application",
  client_secret: "Application",
  refresh_token: "RefreshToken",
};

function tokenError(err: OAuthError): SimResponse {
  const field = err.field ?? "";
  return json(400, {
    message: "Bad Request",
    errors: [{ resource: RESOURCE_BY_FIELD[field] ?? "RequestToken", field, code: err.kind === "invalid_request" ? "missing" : "invalid" }],
  });
}

function authorizationError(): SimResponse {
  return json(401, {
    message: "Authorization Error",
    errors: [{ resource: "Athlete", field: "access_token", code: "invalid" }],
  });
}

const style: OAuth2Style = {
  provider: "strava",
  displayName: "Strava",
  authorize: { host: HOST, path: "/oauth/authorize" },
  token: { host: HOST, path: "/oauth/token" },
  clientAuth: "body",
  lenientTokenParams: true,
  scopes: { known: STRAVA_SCOPES, separator: ",", required: false, defaults: ["read"], userCanDeselect: true },
  pkce: "optional",
  redirectUriRequired: true,
  tokenChecksRedirectUri: false,
  enumParams: { approval_prompt: ["auto", "force"] },
  codeTtlSeconds: STRAVA_CODE_TTL_SECONDS,
  accessTokenTtlSeconds: STRAVA_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "strava",
  userId: stravaAthleteId,
  approveParams: (granted) => ({ scope: granted.join(",") }),
  tokenBody: ({ grant, access, refresh, grantType }, ctx) => ({
    token_type: "Bearer",
    expires_at: Math.floor((access.expiresAt ?? 0) / 1000),
    expires_in: expiresIn(ctx.state, access),
    refresh_token: refresh?.token,
    access_token: access.token,
    ...(grantType === "authorization_code" ? { athlete: athlete(grant, ctx.state, false) } : {}),
  }),
  tokenError,
  bearerError: () => authorizationError(),
};

/** Strava takes the token as Bearer or as `access_token` in the query. */
function accessTokenOf(ctx: RequestContext): string | null {
  return bearerToken(ctx) ?? ctx.query.get("access_token");
}

function deauthorize(ctx: RequestContext): SimResponse {
  const token = tokenParams(ctx, { lenientTokenParams: true }).get("access_token") ?? bearerToken(ctx);
  const auth = requireToken(ctx, style, { token });
  if (!auth.ok) return auth.response;
  // Kills every token of this athlete for this app, not just this grant.
  const { grant } = auth;
  for (const g of ctx.state.grants.values()) {
    if (g.provider === "strava" && g.clientId === grant.clientId && g.userId === grant.userId) ctx.state.revokeGrant(g.id);
  }
  return json(200, { access_token: auth.token.token });
}

function rateLimited(retryAfterSeconds: number): SimResponse {
  return json(
    429,
    { message: "Rate Limit Exceeded", errors: [{ resource: "Application", field: "rate limit", code: "exceeded" }] },
    {
      "retry-after": String(retryAfterSeconds),
      "x-ratelimit-limit": "200,2000",
      "x-ratelimit-usage": "200,812",
      "x-readratelimit-limit": "100,1000",
      "x-readratelimit-usage": "100,406",
    },
  );
}

export const stravaAuth: SimProvider = {
  id: "strava",
  name: "Strava",
  hosts: [HOST],
  rateLimited,
  routes: [
    ...authorizeRoutes(style),
    tokenRoute(style),
    { method: "POST", host: HOST, path: "/oauth/deauthorize", name: "deauthorize", handler: deauthorize },
    { method: "POST", host: HOST, path: "/api/v3/oauth/deauthorize", name: "deauthorize", handler: deauthorize },
    {
      method: "GET",
      host: HOST,
      path: "/api/v3/athlete",
      name: "athlete",
      handler: (ctx) => {
        const auth = requireToken(ctx, style, { token: accessTokenOf(ctx) });
        if (!auth.ok) return auth.response;
        // profile:read_all gets the detailed representation (with weight), others the summary.
        return json(200, athlete(auth.grant, ctx.state, auth.grant.scopes.includes("profile:read_all")));
      },
    },
  ],
};

export const stravaStyle = style;
