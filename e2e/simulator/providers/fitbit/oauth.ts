import { displayFirstName, seededAlnum, seededInt } from "../../ids";
import {
  authenticateClient,
  authorizeRoutes,
  requireToken,
  tokenRoute,
  type BearerFailure,
  type OAuth2Style,
  type OAuthError,
} from "../../oauth2";
import { json, type RequestContext, type SimProvider, type SimResponse } from "../../router";
import { tzOffset } from "../../data/core";
import { simData } from "../../data/generator";

/**
 * Fitbit Web API (providers.md §5): authorize on www.fitbit.com, token/revoke/data on
 * api.fitbit.com, HTTP Basic client auth ("server" app type), PKCE, space-separated scopes,
 * codes valid 10 min, access tokens 8 h, single-use rotating refresh tokens,
 * errors as `{"errors":[{"errorType","message"}],"success":false}`.
 *
 * Choices where providers.md is silent (UNCONFIRMED):
 * - PKCE: optional and S256 only; `code_challenge_method=plain` (Fitbit's default) is rejected so
 *   the app cannot silently fall back to it.
 * - A denial carries error_description "The user denied the request."; every redirect ends in `#_=_`.
 * - The user can untick scopes; the token response's `scope` lists what was granted.
 * - API auth errors: 401 errorType `expired_token` / `invalid_token`; a missing scope → 403
 *   `insufficient_scope`. Rate-limit body errorType `system`.
 * - /oauth2/revoke (Basic) takes `token` = an access or refresh token, revokes the whole grant and
 *   answers 200 `{}` (also for unknown tokens, RFC 7009).
 */

const AUTH_HOST = "www.fitbit.com";
const API_HOST = "api.fitbit.com";
export const FITBIT_SCOPES = [
  "activity",
  "cardio_fitness",
  "electrocardiogram",
  "heartrate",
  "irregular_rhythm_notifications",
  "location",
  "nutrition",
  "oxygen_saturation",
  "profile",
  "respiratory_rate",
  "settings",
  "sleep",
  "social",
  "temperature",
  "weight",
];
export const FITBIT_ACCESS_TOKEN_TTL_SECONDS = 28_800;

export function fitbitUserId(account: string): string {
  return seededAlnum(`fitbit:${account}`, 6);
}

function fitbitErrors(status: number, errorType: string, message: string, headers: Record<string, string> = {}): SimResponse {
  return json(status, { errors: [{ errorType, message }], success: false }, headers);
}

const DOCS_HINT = "Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process.";

function tokenError(err: OAuthError): SimResponse {
  const what = err.kind === "invalid_grant" && err.field === "refresh_token" ? `Refresh token invalid: ${err.description}` : err.description;
  return fitbitErrors(err.kind === "invalid_client" ? 401 : 400, err.kind, `${what}. ${DOCS_HINT}`);
}

function bearerError(failure: BearerFailure): SimResponse {
  if (failure === "insufficient_scope") {
    return fitbitErrors(403, "insufficient_scope", "This application does not have permission to access this data.");
  }
  const www = { "www-authenticate": 'Bearer realm="api.fitbit.com"' };
  if (failure === "expired") return fitbitErrors(401, "expired_token", `Access token expired. ${DOCS_HINT}`, www);
  return fitbitErrors(401, "invalid_token", `Access token invalid. ${DOCS_HINT}`, www);
}

const style: OAuth2Style = {
  provider: "fitbit",
  displayName: "Fitbit",
  authorize: { host: AUTH_HOST, path: "/oauth2/authorize" },
  token: { host: API_HOST, path: "/oauth2/token" },
  clientAuth: "basic",
  scopes: { known: FITBIT_SCOPES, separator: " ", required: true, defaults: [], userCanDeselect: true },
  pkce: "optional",
  redirectUriRequired: true,
  enumParams: { prompt: ["none", "consent", "login", "login consent"] },
  codeTtlSeconds: 600,
  accessTokenTtlSeconds: FITBIT_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "rotate",
  userId: fitbitUserId,
  denyDescription: "The user denied the request.",
  redirectFragment: "#_=_",
  tokenBody: ({ grant, access, refresh }) => ({
    access_token: access.token,
    expires_in: FITBIT_ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refresh?.token,
    scope: grant.scopes.join(" "),
    token_type: "Bearer",
    user_id: grant.userId,
  }),
  tokenError,
  bearerError,
};

function profile(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, style, { scope: "profile" });
  if (!auth.ok) return auth.response;
  const { grant } = auth;
  // "-" is the token's user; another user's id is not visible to this token.
  if (ctx.params.userId !== "-" && ctx.params.userId !== grant.userId) {
    return fitbitErrors(403, "insufficient_permissions", "Access to this user's data is not allowed.");
  }
  const first = displayFirstName(grant.account);
  // The zone the generated data (data/generator.ts) lives in, so local sleep/body-log times line up.
  const timezone = simData(ctx.state).timezone("fitbit", grant.account);
  return json(200, {
    user: {
      encodedId: grant.userId,
      displayName: `${first} S.`,
      fullName: `${first} Simulated`,
      firstName: first,
      lastName: "Simulated",
      avatar: "https://static0.fitbit.com/images/profile/defaultProfile_100.png",
      avatar150: "https://static0.fitbit.com/images/profile/defaultProfile_150.png",
      timezone,
      offsetFromUTCMillis: tzOffset(timezone, ctx.state.now()) * 60_000,
      locale: "en_US",
      memberSince: "2019-03-01",
      weightUnit: "METRIC",
      heightUnit: "METRIC",
      height: seededInt(`fitbit-height:${grant.account}`, 1550, 1950) / 10,
      weight: seededInt(`fitbit-weight:${grant.account}`, 550, 950) / 10,
      gender: seededInt(`fitbit-sex:${grant.account}`, 0, 1) ? "FEMALE" : "MALE",
    },
  });
}

function rateLimited(retryAfterSeconds: number): SimResponse {
  return fitbitErrors(429, "system", "Too Many Requests", {
    "retry-after": String(retryAfterSeconds),
    "fitbit-rate-limit-limit": "150",
    "fitbit-rate-limit-remaining": "0",
    "fitbit-rate-limit-reset": String(retryAfterSeconds),
  });
}

export const fitbitAuth: SimProvider = {
  id: "fitbit",
  name: "Fitbit",
  hosts: [AUTH_HOST, API_HOST],
  rateLimited,
  routes: [
    ...authorizeRoutes(style),
    tokenRoute(style),
    {
      method: "POST",
      host: API_HOST,
      path: "/oauth2/revoke",
      name: "revoke",
      handler: (ctx) => {
        const auth = authenticateClient(ctx, style, ctx.form);
        if (!auth.ok) return tokenError(auth.error);
        const token = ctx.form.get("token");
        if (!token) return tokenError({ kind: "invalid_request", description: "Missing parameters: token", field: "token" });
        const rec = ctx.state.accessTokens.get(token) ?? ctx.state.refreshTokens.get(token);
        const grant = rec ? ctx.state.grants.get(rec.grantId) : undefined;
        if (grant && grant.provider === "fitbit" && grant.clientId === auth.clientId) ctx.state.revokeGrant(grant.id);
        return json(200, {});
      },
    },
    { method: "GET", host: API_HOST, path: "/1/user/:userId/profile.json", name: "profile", handler: profile },
  ],
};

export const fitbitStyle = style;
