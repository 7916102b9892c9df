import { seededInt, seededUuid } from "../../ids";
import { authorizeRoutes, expiresIn, requireToken, rfc6749Error, tokenRoute, type BearerFailure, type OAuth2Style } from "../../oauth2";
import { json, type SimProvider, type SimResponse } from "../../router";

/**
 * Oura API v2 (providers.md §3): authorize on cloud.ouraring.com, token/revoke/data on
 * api.ouraring.com, space-separated scopes the user can deselect, client secret in the body,
 * single-use rotating refresh tokens, RFC 6749 errors on the token endpoint.
 *
 * Choices where providers.md is silent or conflicting (UNCONFIRMED):
 * - Access-token lifetime: 86400 s (OURA_ACCESS_TOKEN_TTL_SECONDS; what the PyPI client saw).
 * - No `scope` parameter → every known scope is requested.
 * - The token response carries the granted `scope` (space-separated).
 * - Bad/expired token on the API → 401 RFC 7807 `{status, title, detail}`.
 * - /oauth/revoke answers 200 with an empty body, also for unknown tokens (RFC 7009).
 * - personal_info: `email` only with the email scope, age/weight/height/sex only with personal.
 * - PKCE: not documented; S256 accepted and verified when sent. Code lifetime 10 min.
 */

const AUTH_HOST = "cloud.ouraring.com";
const API_HOST = "api.ouraring.com";
export const OURA_SCOPES = ["email", "personal", "daily", "heartrate", "workout", "tag", "session", "spo2Daily"];
export const OURA_ACCESS_TOKEN_TTL_SECONDS = 86_400;

export function ouraUserId(account: string): string {
  return seededUuid(`oura:${account}`);
}

function problem(status: number, title: string, detail: string, headers: Record<string, string> = {}): SimResponse {
  return json(status, { status, title, detail }, headers);
}

function bearerError(failure: BearerFailure): SimResponse {
  if (failure === "insufficient_scope") return problem(403, "Forbidden", "The access token does not grant the required scope.");
  const detail = failure === "expired" ? "The access token has expired." : "The access token is invalid or revoked.";
  return problem(401, "Unauthorized", detail, { "www-authenticate": 'Bearer error="invalid_token"' });
}

const style: OAuth2Style = {
  provider: "oura",
  displayName: "Oura",
  authorize: { host: AUTH_HOST, path: "/oauth/authorize" },
  token: { host: API_HOST, path: "/oauth/token" },
  clientAuth: "body",
  scopes: { known: OURA_SCOPES, separator: " ", required: false, defaults: OURA_SCOPES, userCanDeselect: true },
  pkce: "optional",
  redirectUriRequired: true,
  codeTtlSeconds: 600,
  accessTokenTtlSeconds: OURA_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "rotate",
  userId: ouraUserId,
  tokenBody: ({ grant, access, refresh }, ctx) => ({
    token_type: "bearer",
    access_token: access.token,
    expires_in: expiresIn(ctx.state, access),
    refresh_token: refresh?.token,
    scope: grant.scopes.join(" "),
  }),
  tokenError: (err) =>
    rfc6749Error(
      err.kind === "invalid_grant" && err.field === "refresh_token" && /used/.test(err.description)
        ? { ...err, description: "Token already used or revoked. A refresh token can only be used once." }
        : err,
    ),
  bearerError,
};

function rateLimited(retryAfterSeconds: number): SimResponse {
  return problem(429, "Too Many Requests", "Rate limit exceeded.", {
    "retry-after": String(retryAfterSeconds),
    "x-ratelimit-limit": "5000",
    "x-ratelimit-window": "300",
    "x-ratelimit-reset": String(retryAfterSeconds),
    "x-ratelimit-tier": "application",
  });
}

export const ouraAuth: SimProvider = {
  id: "oura",
  name: "Oura",
  hosts: [AUTH_HOST, API_HOST],
  rateLimited,
  routes: [
    ...authorizeRoutes(style),
    tokenRoute(style),
    {
      method: "POST",
      host: API_HOST,
      path: "/oauth/revoke",
      name: "revoke",
      handler: (ctx) => {
        const token = ctx.query.get("access_token") ?? ctx.form.get("access_token");
        const rec = token ? ctx.state.accessTokens.get(token) : undefined;
        if (rec && rec.provider === "oura") ctx.state.revokeGrant(rec.grantId);
        return { status: 200 };
      },
    },
    {
      method: "GET",
      host: API_HOST,
      path: "/v2/usercollection/personal_info",
      name: "personal_info",
      handler: (ctx) => {
        const auth = requireToken(ctx, style);
        if (!auth.ok) return auth.response;
        const { grant } = auth;
        const body: Record<string, unknown> = { id: grant.userId };
        if (grant.scopes.includes("personal")) {
          body.age = seededInt(`oura-age:${grant.account}`, 20, 70);
          body.weight = seededInt(`oura-weight:${grant.account}`, 550, 950) / 10;
          body.height = seededInt(`oura-height:${grant.account}`, 155, 195) / 100;
          body.biological_sex = seededInt(`oura-sex:${grant.account}`, 0, 1) ? "female" : "male";
        }
        if (grant.scopes.includes("email")) body.email = `${grant.account}@example.com`;
        return json(200, body);
      },
    },
  ],
};

export const ouraStyle = style;
