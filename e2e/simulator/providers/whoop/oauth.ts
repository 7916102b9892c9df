import { displayFirstName, seededInt } from "../../ids";
import { authorizeRoutes, expiresIn, requireToken, rfc6749Error, tokenRoute, type BearerFailure, type OAuth2Style } from "../../oauth2";
import { empty, json, type SimProvider, type SimResponse } from "../../router";

/**
 * WHOOP API v2 (providers.md §4): OAuth on api.prod.whoop.com/oauth/oauth2/*, space-separated
 * scopes, a refresh token only with `offline`, client secret in the body, rotating single-use
 * refresh tokens, `DELETE /developer/v2/user/access` → 204.
 *
 * Choices where providers.md is silent (UNCONFIRMED):
 * - state must be at least WHOOP_MIN_STATE_LENGTH (8) characters.
 * - Access-token lifetime 3600 s (WHOOP_ACCESS_TOKEN_TTL_SECONDS); code lifetime 10 min.
 * - Replaying a spent refresh token revokes the whole grant (reuse detection, as Ory Hydra does),
 *   which is how concurrent refreshes "kill the connection".
 * - The redirect echoes the granted `scope`; a denial carries an error_description.
 * - A client sending HTTP Basic instead of the body gets invalid_client (client_secret_post only).
 * - API auth errors: 401 `{"error":"invalid_token",...}` + WWW-Authenticate; a missing scope → 403.
 * - PKCE: not documented; S256 accepted and verified when sent. Users cannot untick scopes.
 */

const HOST = "api.prod.whoop.com";
export const WHOOP_SCOPES = ["read:recovery", "read:cycles", "read:workout", "read:sleep", "read:profile", "read:body_measurement", "offline"];
export const WHOOP_ACCESS_TOKEN_TTL_SECONDS = 3600;
export const WHOOP_MIN_STATE_LENGTH = 8;

export function whoopUserId(account: string): string {
  return String(seededInt(`whoop:${account}`, 10_000, 9_999_999));
}

function bearerError(failure: BearerFailure): SimResponse {
  if (failure === "insufficient_scope") {
    return json(403, { error: "insufficient_scope", error_description: "The access token lacks a required scope." });
  }
  return json(
    401,
    { error: "invalid_token", error_description: failure === "expired" ? "The access token has expired." : "The access token is invalid." },
    { "www-authenticate": 'Bearer error="invalid_token"' },
  );
}

const style: OAuth2Style = {
  provider: "whoop",
  displayName: "WHOOP",
  authorize: { host: HOST, path: "/oauth/oauth2/auth" },
  token: { host: HOST, path: "/oauth/oauth2/token" },
  clientAuth: "body",
  scopes: { known: WHOOP_SCOPES, separator: " ", required: false, defaults: [], userCanDeselect: false },
  pkce: "optional",
  redirectUriRequired: true,
  stateMinLength: WHOOP_MIN_STATE_LENGTH,
  codeTtlSeconds: 600,
  accessTokenTtlSeconds: WHOOP_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "rotate",
  refreshRequiresScope: "offline",
  reuseRevokesGrant: true,
  userId: whoopUserId,
  approveParams: (granted) => ({ scope: granted.join(" ") }),
  denyDescription: "The resource owner denied the request.",
  tokenBody: ({ grant, access, refresh }, ctx) => ({
    access_token: access.token,
    expires_in: expiresIn(ctx.state, access),
    ...(refresh ? { refresh_token: refresh.token } : {}),
    scope: grant.scopes.join(" "),
    token_type: "bearer",
  }),
  tokenError: rfc6749Error,
  bearerError,
};

function rateLimited(retryAfterSeconds: number): SimResponse {
  return json(
    429,
    { error: "too_many_requests", error_description: "Rate limit exceeded." },
    {
      "retry-after": String(retryAfterSeconds),
      "x-ratelimit-limit": "100;window=60, 10000;window=86400",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(retryAfterSeconds),
    },
  );
}

export const whoopAuth: SimProvider = {
  id: "whoop",
  name: "WHOOP",
  hosts: [HOST],
  rateLimited,
  routes: [
    ...authorizeRoutes(style),
    tokenRoute(style),
    {
      method: "GET",
      host: HOST,
      path: "/developer/v2/user/profile/basic",
      name: "profile",
      handler: (ctx) => {
        const auth = requireToken(ctx, style, { scope: "read:profile" });
        if (!auth.ok) return auth.response;
        const { grant } = auth;
        return json(200, {
          user_id: Number(grant.userId),
          email: `${grant.account}@example.com`,
          first_name: displayFirstName(grant.account),
          last_name: "Simulated",
        });
      },
    },
    {
      method: "DELETE",
      host: HOST,
      path: "/developer/v2/user/access",
      name: "revoke",
      handler: (ctx) => {
        const auth = requireToken(ctx, style);
        if (!auth.ok) return auth.response;
        ctx.state.revokeGrant(auth.grant.id);
        return empty(204);
      },
    },
  ],
};

export const whoopStyle = style;
