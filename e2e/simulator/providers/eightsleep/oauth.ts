import { DEMO_EIGHTSLEEP_PASSWORD } from "../../clients";
import { displayFirstName, seededHex } from "../../ids";
import { authenticateClient, expiresIn, refreshGrant, requireToken, type OAuth2Style, type OAuthError, type TokenResult } from "../../oauth2";
import { json, type RequestContext, type SimProvider, type SimResponse } from "../../router";
import type { SimulatorState } from "../../state";

/**
 * Eight Sleep's app endpoints (providers.md §10; no public API): `POST auth-api.8slp.net/v1/tokens`
 * with a JSON body `{client_id, client_secret, grant_type:"password", username, password}` →
 * `{access_token, expires_in, refresh_token, userId}`; `GET client-api.8slp.net/v1/users/me` (Bearer).
 * Any e-mail address is an account; DEMO_EIGHTSLEEP_PASSWORD is the password that works.
 *
 * Choices where providers.md is silent (UNCONFIRMED): access tokens live 1 h; `grant_type=
 * refresh_token` rotates single-use refresh tokens; errors are `{error, error_description}` with
 * 401 (bad password, bad client, dead refresh token) or 400 (malformed request); the users/me shape
 * `{user:{userId, email, firstName, lastName, devices:[id], currentDevice:{id, side}}}`.
 */

const AUTH = "auth-api.8slp.net";
const CLIENT_API = "client-api.8slp.net";
export const EIGHTSLEEP_ACCESS_TOKEN_TTL_SECONDS = 3600;

export function eightSleepUserId(email: string): string {
  return seededHex(`eightsleep:${email.toLowerCase()}`, 32);
}
const deviceId = (userId: string) => seededHex(`eightsleep-device:${userId}`, 24);

function tokenError(err: OAuthError): SimResponse {
  return json(err.kind === "invalid_request" || err.kind === "unsupported_grant_type" ? 400 : 401, {
    error: err.kind,
    error_description: err.description,
  });
}

const tokenBody = ({ grant, access, refresh }: TokenResult, state: SimulatorState) => ({
  access_token: access.token,
  token_type: "bearer",
  expires_in: expiresIn(state, access),
  refresh_token: refresh?.token,
  userId: grant.userId,
});

/** Only what the shared refresh machinery reads; there is no authorize page. */
const style: OAuth2Style = {
  provider: "eightsleep",
  displayName: "Eight Sleep",
  authorize: { host: AUTH, path: "/" },
  clientAuth: "body",
  scopes: null,
  pkce: "optional",
  redirectUriRequired: false,
  codeTtlSeconds: 0,
  accessTokenTtlSeconds: EIGHTSLEEP_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "rotate",
  userId: eightSleepUserId,
  tokenBody: (r, ctx) => tokenBody(r, ctx.state),
  tokenError,
  bearerError: (failure) => json(401, { error: "unauthorized", error_description: `access token ${failure}` }),
};

/** The JSON body as parameters (strings only). */
function jsonParams(ctx: RequestContext): URLSearchParams | null {
  if (!ctx.json || typeof ctx.json !== "object" || Array.isArray(ctx.json)) return null;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(ctx.json as Record<string, unknown>)) if (typeof v === "string") params.set(k, v);
  return params;
}

function tokens(ctx: RequestContext): SimResponse {
  const params = jsonParams(ctx);
  if (!params) return tokenError({ kind: "invalid_request", description: "expected a JSON body" });
  const grantType = params.get("grant_type");
  ctx.count(`token:${grantType ?? "missing"}`);
  const auth = authenticateClient(ctx, style, params);
  if (!auth.ok) return tokenError(auth.error);

  if (grantType === "refresh_token") {
    const out = refreshGrant(ctx, style, params, auth.clientId);
    return out.ok ? json(200, tokenBody(out.result, ctx.state)) : tokenError(out.error);
  }
  if (grantType !== "password") {
    return tokenError({ kind: "unsupported_grant_type", description: `grant_type "${grantType ?? ""}" is not supported` });
  }
  const email = (params.get("username") ?? "").trim();
  const password = params.get("password") ?? "";
  if (!email || !password) return tokenError({ kind: "invalid_request", description: "username and password are required" });
  if (password !== DEMO_EIGHTSLEEP_PASSWORD) {
    ctx.count("login:rejected");
    return tokenError({ kind: "invalid_grant", description: "Invalid username or password" });
  }
  const grant = ctx.state.createGrant({ provider: "eightsleep", clientId: auth.clientId, account: email, userId: eightSleepUserId(email), scopes: [] });
  const access = ctx.state.issueAccessToken(grant, EIGHTSLEEP_ACCESS_TOKEN_TTL_SECONDS);
  const refresh = ctx.state.issueRefreshToken(grant);
  return json(200, tokenBody({ grant, access, refresh, grantType: "authorization_code" }, ctx.state));
}

export const eightsleepAuth: SimProvider = {
  id: "eightsleep",
  name: "Eight Sleep",
  hosts: [AUTH, CLIENT_API, "app-api.8slp.net"],
  routes: [
    { method: "POST", host: AUTH, path: "/v1/tokens", name: "tokens", handler: tokens },
    {
      method: "GET",
      host: CLIENT_API,
      path: "/v1/users/me",
      name: "users/me",
      handler: (ctx) => {
        const auth = requireToken(ctx, style);
        if (!auth.ok) return auth.response;
        const { userId, account } = auth.grant;
        const device = deviceId(userId);
        return json(200, {
          user: {
            userId,
            email: account,
            firstName: displayFirstName(account.split("@")[0]),
            lastName: "Simulated",
            devices: [device],
            currentDevice: { id: device, side: "left" },
          },
        });
      },
    },
  ],
};
