import { seededHex } from "../../ids";
import {
  authenticateClient,
  authorizeRoutes,
  exchangeCode,
  refreshGrant,
  requireToken,
  type BearerFailure,
  type OAuth2Style,
  type OAuthError,
} from "../../oauth2";
import { json, type RequestContext, type SimProvider, type SimResponse } from "../../router";

/**
 * COROS Open API (providers.md §7; docs are private, facts from C2C's client): everything on
 * open.coros.com. Authorize without scopes; `POST /oauth2/accesstoken` (secret in the form body)
 * → `{access_token, refresh_token, openId}`; `POST /oauth2/refresh-token` keeps the same access
 * token and extends its expiry; `POST /oauth2/deauthorize` with `token=<access token>`.
 *
 * Choices where providers.md is silent (UNCONFIRMED — COROS's documentation is private):
 * - Access tokens live COROS_ACCESS_TOKEN_TTL_SECONDS (30 days); the refresh token is reusable.
 * - Errors are HTTP 200 with COROS's envelope `{result, message}` (result "0000" = OK), using
 *   the COROS_RESULT codes below; the refresh and deauthorize calls answer `{result:"0000",message:"OK"}`.
 * - A `scope` parameter is ignored. PKCE: S256 accepted and verified when sent. Code lifetime 10 min.
 * - Data calls (added later) take the token as `?token=`; a bad one gets result COROS_RESULT.invalidToken.
 */

const HOST = "open.coros.com";
export const COROS_ACCESS_TOKEN_TTL_SECONDS = 30 * 86_400;
export const COROS_RESULT = {
  ok: "0000",
  invalidRequest: "5000",
  invalidClient: "5001",
  invalidGrant: "5002",
  invalidToken: "5003",
} as const;

export function corosOpenId(account: string): string {
  return seededHex(`coros:${account}`, 32);
}

function envelope(result: string, message: string, extra: Record<string, unknown> = {}): SimResponse {
  return json(200, { result, message, ...extra });
}

function tokenError(err: OAuthError): SimResponse {
  const result =
    err.kind === "invalid_client" ? COROS_RESULT.invalidClient : err.kind === "invalid_grant" ? COROS_RESULT.invalidGrant : COROS_RESULT.invalidRequest;
  return envelope(result, err.description);
}

function bearerError(failure: BearerFailure): SimResponse {
  return envelope(COROS_RESULT.invalidToken, failure === "expired" ? "access token expired" : "access token is invalid");
}

const style: OAuth2Style = {
  provider: "coros",
  displayName: "COROS",
  authorize: { host: HOST, path: "/oauth2/authorize" },
  clientAuth: "body",
  scopes: null,
  pkce: "optional",
  redirectUriRequired: true,
  codeTtlSeconds: 600,
  accessTokenTtlSeconds: COROS_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "extend",
  userId: corosOpenId,
  tokenBody: ({ grant, access, refresh }) => ({ access_token: access.token, refresh_token: refresh?.token, openId: grant.userId }),
  tokenError,
  bearerError,
};

function grantEndpoint(expected: "authorization_code" | "refresh_token") {
  return (ctx: RequestContext): SimResponse => {
    const grantType = ctx.form.get("grant_type");
    ctx.count(`token:${grantType ?? "missing"}`);
    const auth = authenticateClient(ctx, style, ctx.form);
    if (!auth.ok) return tokenError(auth.error);
    if (grantType !== expected) {
      return tokenError({ kind: "unsupported_grant_type", description: `grant_type must be ${expected}`, field: "grant_type" });
    }
    if (expected === "authorization_code") {
      const out = exchangeCode(ctx, style, ctx.form, auth.clientId);
      return out.ok ? json(200, style.tokenBody(out.result, ctx)) : tokenError(out.error);
    }
    const out = refreshGrant(ctx, style, ctx.form, auth.clientId);
    return out.ok ? envelope(COROS_RESULT.ok, "OK") : tokenError(out.error);
  };
}

export const corosAuth: SimProvider = {
  id: "coros",
  name: "COROS",
  hosts: [HOST],
  routes: [
    ...authorizeRoutes(style),
    { method: "POST", host: HOST, path: "/oauth2/accesstoken", name: "token", handler: grantEndpoint("authorization_code") },
    { method: "POST", host: HOST, path: "/oauth2/refresh-token", name: "refresh-token", handler: grantEndpoint("refresh_token") },
    {
      method: "POST",
      host: HOST,
      path: "/oauth2/deauthorize",
      name: "deauthorize",
      handler: (ctx) => {
        const auth = requireToken(ctx, style, { token: ctx.form.get("token") ?? ctx.query.get("token") });
        if (!auth.ok) return auth.response;
        ctx.state.revokeGrant(auth.grant.id);
        return envelope(COROS_RESULT.ok, "OK");
      },
    },
  ],
};

export const corosStyle = style;
