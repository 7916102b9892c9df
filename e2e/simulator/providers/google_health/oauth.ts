import { seededAlnum } from "../../ids";
import { authorizeRoutes, requireToken, rfc6749Error, tokenRoute, type BearerFailure, type OAuth2Style } from "../../oauth2";
import { json, type RequestContext, type SimProvider, type SimResponse } from "../../router";
import { tzOffset } from "../../data/core";
import { simData } from "../../data/generator";

/**
 * Google OAuth 2.0 and the Health API's user endpoints (google-health.md A.2, A.3, A.9, A.12):
 * authorize on accounts.google.com (granular consent: every scope can be unticked), token and
 * revoke on oauth2.googleapis.com, client credentials in the body (Basic is accepted by Google
 * too, but the style checks one), PKCE S256 only ("plain" is refused so the app cannot fall back).
 * A refresh token only with `access_type=offline`, and again after the first consent only with
 * `prompt=consent` (Google's rule); refresh tokens are not rotated. Access tokens live 3599 s
 * (INFERRED: Google's usual `expires_in`). API errors are google.rpc.Status envelopes.
 */

const AUTH_HOST = "accounts.google.com";
const TOKEN_HOST = "oauth2.googleapis.com";
export const GH_HOST = "health.googleapis.com";
const PREFIX = "https://www.googleapis.com/auth/googlehealth.";
export const GH_SCOPES = [
  "activity_and_fitness.readonly",
  "activity_and_fitness.writeonly",
  "health_metrics_and_measurements.readonly",
  "health_metrics_and_measurements.writeonly",
  "sleep.readonly",
  "sleep.writeonly",
  "nutrition.readonly",
  "location.readonly",
  "profile.readonly",
  "settings.readonly",
  "ecg.readonly",
  "irn.readonly",
].map((s) => PREFIX + s);
export const GH_SCOPE = (suffix: string) => PREFIX + suffix;
export const GH_ACCESS_TOKEN_TTL_SECONDS = 3599;

/** `healthUserId`: 1–63 characters `[A-Za-z0-9-]`, stable per account. */
export const googleHealthUserId = (account: string): string => `gh-${seededAlnum(`google_health:${account}`, 20)}`;

/** `legacyUserId`: the account's old Fitbit user id (Fitbit's 6-character encoded ids), kept for migration mapping. */
export const legacyFitbitUserId = (account: string): string => seededAlnum(`fitbit:${account}`, 6);

export function rpcError(code: number, status: string, message: string, reason?: string, extra: unknown[] = []): SimResponse {
  const details = [...(reason ? [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: "googleapis.com" }] : []), ...extra];
  return json(code, { error: { code, message, status, ...(details.length ? { details } : {}) } });
}

function bearerError(failure: BearerFailure): SimResponse {
  if (failure === "insufficient_scope") return rpcError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
  if (failure === "missing") return rpcError(401, "UNAUTHENTICATED", "Request is missing required authentication credential. Expected OAuth 2 access token.", "CREDENTIALS_MISSING");
  return rpcError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token.", "ACCESS_TOKEN_EXPIRED");
}

const style: OAuth2Style = {
  provider: "google_health",
  displayName: "Google",
  authorize: { host: AUTH_HOST, path: "/o/oauth2/v2/auth" },
  token: { host: TOKEN_HOST, path: "/token" },
  clientAuth: "body",
  scopes: { known: GH_SCOPES, separator: " ", required: true, defaults: [], userCanDeselect: true },
  pkce: "optional",
  redirectUriRequired: true,
  enumParams: { access_type: ["online", "offline"], prompt: ["none", "consent", "select_account", "consent select_account", "select_account consent"], include_granted_scopes: ["true", "false"] },
  codeTtlSeconds: 600,
  accessTokenTtlSeconds: GH_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "keep",
  issuesRefreshToken(params, { state, clientId, account }) {
    if (params.get("access_type") !== "offline") return false;
    const before = [...state.grants.values()].some((g) => g.provider === "google_health" && g.clientId === clientId && g.account === account);
    return !before || (params.get("prompt") ?? "").split(" ").includes("consent");
  },
  userId: googleHealthUserId,
  tokenBody: ({ grant, access, refresh }) => ({
    access_token: access.token,
    expires_in: GH_ACCESS_TOKEN_TTL_SECONDS,
    ...(refresh ? { refresh_token: refresh.token } : {}),
    scope: grant.scopes.join(" "),
    token_type: "Bearer",
  }),
  tokenError: rfc6749Error,
  bearerError,
};
export const googleHealthStyle = style;

/** Any read scope lets the user's own identity be read. */
const READ = GH_SCOPES.filter((s) => s.endsWith(".readonly"));

function identity(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, style);
  if (!auth.ok) return auth.response;
  if (!auth.grant.scopes.some((s) => READ.includes(s))) return bearerError("insufficient_scope");
  return json(200, { name: "users/me/identity", healthUserId: auth.grant.userId, legacyUserId: legacyFitbitUserId(auth.grant.account) });
}

function settings(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, style, { scope: GH_SCOPE("settings.readonly") });
  if (!auth.ok) return auth.response;
  const timeZone = simData(ctx.state).timezone("google_health", auth.grant.account);
  return json(200, {
    name: "users/me/settings",
    timeZone,
    utcOffset: `${tzOffset(timeZone, ctx.state.now()) * 60}s`,
    distanceUnit: "KILOMETERS",
    weightUnit: "KILOGRAMS",
  });
}

/** 429 as Google sends it: RESOURCE_EXHAUSTED with ErrorInfo and QuotaFailure. */
function rateLimited(): SimResponse {
  return rpcError(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests per user per minute' of service 'health.googleapis.com'.", "RATE_LIMIT_EXCEEDED", [
    { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ subject: "user", description: "Quota exceeded" }] },
  ]);
}

export const googleHealthAuth: SimProvider = {
  id: "google_health",
  name: "Google Health",
  hosts: [AUTH_HOST, TOKEN_HOST, GH_HOST, "www.gstatic.com"],
  rateLimited,
  routes: [
    ...authorizeRoutes(style),
    tokenRoute(style),
    {
      method: "POST",
      host: TOKEN_HOST,
      path: "/revoke",
      name: "revoke",
      handler: (ctx) => {
        const token = ctx.query.get("token") ?? ctx.form.get("token");
        const rec = token ? (ctx.state.accessTokens.get(token) ?? ctx.state.refreshTokens.get(token)) : undefined;
        const grant = rec ? ctx.state.grants.get(rec.grantId) : undefined;
        if (!grant || grant.provider !== "google_health" || grant.revokedAt !== null) return json(400, { error: "invalid_token", error_description: "Token expired or revoked" });
        ctx.state.revokeGrant(grant.id);
        return json(200, {});
      },
    },
    { method: "GET", host: GH_HOST, path: "/v4/users/me/identity", name: "identity", handler: identity },
    { method: "GET", host: GH_HOST, path: "/v4/users/me/settings", name: "settings", handler: settings },
  ],
};
