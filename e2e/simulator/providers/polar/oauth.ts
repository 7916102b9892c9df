import { displayFirstName, seededInt } from "../../ids";
import { authorizeRoutes, expiresIn, requireToken, rfc6749Error, tokenRoute, type BearerFailure, type OAuth2Style } from "../../oauth2";
import { empty, json, type RequestContext, type SimProvider, type SimResponse } from "../../router";

/**
 * Polar AccessLink v3 (providers.md §6): authorize on flow.polar.com (redirect_uri optional, the
 * registered one is used), token on polarremote.com with HTTP Basic, response with `x_user_id`, no
 * refresh. Mandatory registration `POST /v3/users {"member-id"}` → 200 user, 409 when already
 * registered (or member-id taken); `DELETE /v3/users/{user-id}` → 204 and, per Polar's spec,
 * revokes the access token.
 *
 * Choices where providers.md is silent (UNCONFIRMED):
 * - `expires_in` = POLAR_ACCESS_TOKEN_TTL_SECONDS (~10 years) is sent and enforced.
 * - Token-endpoint errors use the RFC 6749 body; API auth errors are 401 with an empty body.
 * - PKCE: not documented; S256 accepted and verified when sent. Code lifetime 10 min.
 * - GET /v3/users/{id} of an unregistered user → 204 (the spec's "not found"); another user's id → 403.
 * - DELETE of a user that is not registered → 404.
 * Test hook: accounts named `no-consent…` get 403 on registration ("mandatory consents missing").
 */

const AUTH_HOST = "flow.polar.com";
const TOKEN_HOST = "polarremote.com";
const API_HOST = "www.polaraccesslink.com";
export const POLAR_SCOPES = ["accesslink.read_all"];
export const POLAR_ACCESS_TOKEN_TTL_SECONDS = 315_359_999;

export function polarUserId(account: string): string {
  return String(seededInt(`polar:${account}`, 10_000_000, 99_999_999));
}

type Registration = { memberId: string; registeredAt: number; clientId: string };

function bearerError(failure: BearerFailure): SimResponse {
  return failure === "insufficient_scope" ? empty(403) : empty(401, { "www-authenticate": 'Bearer realm="AccessLink"' });
}

const style: OAuth2Style = {
  provider: "polar",
  displayName: "Polar Flow",
  authorize: { host: AUTH_HOST, path: "/oauth2/authorization" },
  token: { host: TOKEN_HOST, path: "/v2/oauth2/token" },
  clientAuth: "basic",
  scopes: { known: POLAR_SCOPES, separator: " ", required: false, defaults: POLAR_SCOPES, userCanDeselect: false },
  pkce: "optional",
  redirectUriRequired: false,
  codeTtlSeconds: 600,
  accessTokenTtlSeconds: POLAR_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "none",
  userId: polarUserId,
  tokenBody: ({ grant, access }, ctx) => ({
    access_token: access.token,
    token_type: "bearer",
    expires_in: expiresIn(ctx.state, access),
    x_user_id: Number(grant.userId),
  }),
  tokenError: rfc6749Error,
  bearerError,
};

function userJson(account: string, userId: string, reg: Registration): Record<string, unknown> {
  return {
    "polar-user-id": Number(userId),
    "member-id": reg.memberId,
    "registration-date": new Date(reg.registeredAt).toISOString(),
    "first-name": displayFirstName(account),
    "last-name": "Simulated",
    birthdate: "1988-04-12",
    gender: seededInt(`polar-sex:${account}`, 0, 1) ? "FEMALE" : "MALE",
    weight: seededInt(`polar-weight:${account}`, 55, 95),
    height: seededInt(`polar-height:${account}`, 155, 195),
    "extra-info": [],
  };
}

/** Registrations are per (client, Polar user). */
function regKey(clientId: string, userId: string): string {
  return `${clientId}:${userId}`;
}

function register(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, style);
  if (!auth.ok) return auth.response;
  const body = ctx.json as Record<string, unknown> | undefined;
  const memberId = body && typeof body["member-id"] === "string" ? body["member-id"].trim() : "";
  if (!memberId) return json(400, { status: 400, message: 'JSON body with a non-empty "member-id" is required' });
  const { grant } = auth;
  if (grant.account.startsWith("no-consent")) return empty(403);
  const regs = ctx.state.bag<Registration>("polar");
  if (regs.has(regKey(grant.clientId, grant.userId))) return empty(409);
  for (const [key, r] of regs) if (r.clientId === grant.clientId && r.memberId === memberId && key !== regKey(grant.clientId, grant.userId)) return empty(409);
  const reg: Registration = { memberId, registeredAt: ctx.state.now(), clientId: grant.clientId };
  regs.set(regKey(grant.clientId, grant.userId), reg);
  grant.extra.registered = true;
  grant.extra.memberId = memberId;
  return json(200, userJson(grant.account, grant.userId, reg));
}

function getUser(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, style);
  if (!auth.ok) return auth.response;
  const { grant } = auth;
  if (ctx.params.userId !== grant.userId) return empty(403);
  const reg = ctx.state.bag<Registration>("polar").get(regKey(grant.clientId, grant.userId));
  return reg ? json(200, userJson(grant.account, grant.userId, reg)) : empty(204);
}

function deleteUser(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, style);
  if (!auth.ok) return auth.response;
  const { grant } = auth;
  if (ctx.params.userId !== grant.userId) return empty(403);
  const regs = ctx.state.bag<Registration>("polar");
  if (!regs.delete(regKey(grant.clientId, grant.userId))) return empty(404);
  // Polar: "This will revoke the access token authorized by user."
  for (const g of ctx.state.grants.values()) {
    if (g.provider === "polar" && g.clientId === grant.clientId && g.userId === grant.userId) {
      g.extra.registered = false;
      ctx.state.revokeGrant(g.id);
    }
  }
  return empty(204);
}

function rateLimited(retryAfterSeconds: number): SimResponse {
  return json(
    429,
    { status: 429, message: "Too Many Requests" },
    {
      "retry-after": String(retryAfterSeconds),
      "ratelimit-usage": "520, 5100",
      "ratelimit-limit": "520, 5100",
      "ratelimit-reset": String(retryAfterSeconds),
    },
  );
}

export const polarAuth: SimProvider = {
  id: "polar",
  name: "Polar",
  hosts: [AUTH_HOST, TOKEN_HOST, API_HOST],
  rateLimited,
  routes: [
    ...authorizeRoutes(style),
    tokenRoute(style),
    { method: "POST", host: API_HOST, path: "/v3/users", name: "register", handler: register },
    { method: "GET", host: API_HOST, path: "/v3/users/:userId", name: "user", handler: getUser },
    { method: "DELETE", host: API_HOST, path: "/v3/users/:userId", name: "deregister", handler: deleteUser },
  ],
};

export const polarStyle = style;
