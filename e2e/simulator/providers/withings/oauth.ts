import { createHmac, timingSafeEqual } from "node:crypto";
import { randomHex, seededInt } from "../../ids";
import {
  authenticateClient,
  authorizeRoutes,
  exchangeCode,
  expiresIn,
  refreshGrant,
  tokenParams,
  type BearerFailure,
  type OAuth2Style,
  type OAuthError,
  type TokenResult,
} from "../../oauth2";
import { json, type RequestContext, type SimProvider, type SimResponse } from "../../router";

/**
 * Withings Public Health Data API (providers.md §8): authorize on account.withings.com/oauth2_user/
 * authorize2 (comma-separated scopes, state required, optional mode=demo); every other call is a
 * POST with an `action` on wbsapi.withings.net and answers HTTP 200 with `{status, body}`:
 * - /v2/oauth2 action=requesttoken: authorization_code | refresh_token, authenticated by
 *   client_secret OR nonce + signature → `{status:0, body:{userid, access_token, refresh_token,
 *   expires_in:10800, scope, csrf_token, token_type:"Bearer"}}`; refresh tokens rotate, single use.
 * - /v2/oauth2 action=revoke (nonce + signature, userid) revokes the user's tokens.
 * - /v2/signature action=getnonce (signed `getnonce,<client_id>,<timestamp>`) → `{body:{nonce}}`.
 * Signature = hex HMAC-SHA256(client_secret, values of the signed params sorted by key, joined by ",").
 * Codes are valid 30 s (vendor spec). Rate limiting is HTTP 200 with status 601.
 *
 * Choices where providers.md is silent (UNCONFIRMED):
 * - Status codes used: WITHINGS_STATUS below (401 auth failed, 503 invalid params, 601 rate limit).
 * - `userid` is an integer (vendor spec type). Nonces are single use and valid 30 min; the
 *   getnonce timestamp is not checked against the clock.
 * - The user can untick scopes; the token's `scope` lists what was granted.
 * - PKCE: not documented; S256 accepted and verified when sent.
 */

const AUTH_HOST = "account.withings.com";
const API_HOST = "wbsapi.withings.net";
export const WITHINGS_SCOPES = ["user.info", "user.metrics", "user.activity", "user.sleepevents"];
export const WITHINGS_ACCESS_TOKEN_TTL_SECONDS = 10_800;
const NONCE_TTL_MS = 30 * 60_000;
export const WITHINGS_STATUS = { ok: 0, authFailed: 401, invalidParams: 503, tooManyRequests: 601 } as const;

export function withingsUserId(account: string): string {
  return String(seededInt(`withings:${account}`, 1_000_000, 99_999_999));
}

function status(code: number, error?: string, body: Record<string, unknown> = {}): SimResponse {
  return json(200, error ? { status: code, body, error } : { status: code, body });
}

function tokenError(err: OAuthError): SimResponse {
  return err.kind === "invalid_client"
    ? status(WITHINGS_STATUS.authFailed, `Authentication failed: ${err.description}`)
    : status(WITHINGS_STATUS.invalidParams, `Invalid Params: ${err.description}`);
}

function bearerError(failure: BearerFailure): SimResponse {
  return status(
    WITHINGS_STATUS.authFailed,
    failure === "expired"
      ? "XRequestID: Not provided invalid_token: The access token provided has expired"
      : "XRequestID: Not provided invalid_token: The access token provided is invalid",
  );
}

function tokenBody({ grant, access, refresh }: TokenResult, ctx: RequestContext) {
  return {
    status: WITHINGS_STATUS.ok,
    body: {
      userid: Number(grant.userId),
      access_token: access.token,
      refresh_token: refresh?.token,
      expires_in: expiresIn(ctx.state, access),
      scope: grant.scopes.join(","),
      csrf_token: randomHex(16),
      token_type: "Bearer",
    },
  };
}

const style: OAuth2Style = {
  provider: "withings",
  displayName: "Withings",
  authorize: { host: AUTH_HOST, path: "/oauth2_user/authorize2" },
  clientAuth: "body",
  lenientTokenParams: true,
  scopes: { known: WITHINGS_SCOPES, separator: ",", required: true, defaults: [], userCanDeselect: true },
  pkce: "optional",
  redirectUriRequired: true,
  stateMinLength: 1,
  enumParams: { mode: ["demo"] },
  codeTtlSeconds: 30,
  accessTokenTtlSeconds: WITHINGS_ACCESS_TOKEN_TTL_SECONDS,
  refresh: "rotate",
  userId: withingsUserId,
  tokenBody,
  tokenError,
  bearerError,
};

// ───────────────────────── signatures and nonces ─────────────────────────

export function withingsSignature(secret: string, params: Record<string, string>): string {
  const values = Object.keys(params)
    .sort()
    .map((k) => params[k]);
  return createHmac("sha256", secret).update(values.join(",")).digest("hex");
}

function signatureOk(ctx: RequestContext, params: URLSearchParams, signed: string[]): boolean {
  const client = ctx.state.clients.withings;
  const given = params.get("signature") ?? "";
  if (!client || params.get("client_id") !== client.clientId) return false;
  const values: Record<string, string> = {};
  for (const k of signed) values[k] = params.get(k) ?? "";
  const expected = withingsSignature(client.clientSecret, values);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** Consumes a nonce issued by getnonce (single use, 30 min). */
function takeNonce(ctx: RequestContext, nonce: string | null): boolean {
  const nonces = ctx.state.bag<number>("withings-nonces");
  const issuedAt = nonce ? nonces.get(nonce) : undefined;
  if (issuedAt === undefined) return false;
  nonces.delete(nonce!);
  return ctx.state.now() - issuedAt < NONCE_TTL_MS;
}

/** client_secret, or nonce + signature over action, client_id, nonce. */
function authenticate(ctx: RequestContext, params: URLSearchParams): { ok: true; clientId: string } | { ok: false; error: OAuthError } {
  if (params.get("client_secret") !== null || params.get("signature") === null) return authenticateClient(ctx, style, params);
  const fail = (description: string) => ({ ok: false as const, error: { kind: "invalid_client" as const, description } });
  if (!signatureOk(ctx, params, ["action", "client_id", "nonce"])) return fail("invalid signature");
  if (!takeNonce(ctx, params.get("nonce"))) return fail("invalid or expired nonce");
  return { ok: true, clientId: params.get("client_id")! };
}

function oauth2(ctx: RequestContext): SimResponse {
  const params = tokenParams(ctx, style);
  const action = params.get("action");
  if (action === "requesttoken") {
    const grantType = params.get("grant_type");
    ctx.count(`token:${grantType ?? "missing"}`);
    const auth = authenticate(ctx, params);
    if (!auth.ok) return tokenError(auth.error);
    const out =
      grantType === "authorization_code"
        ? exchangeCode(ctx, style, params, auth.clientId)
        : grantType === "refresh_token"
          ? refreshGrant(ctx, style, params, auth.clientId)
          : ({ ok: false, error: { kind: "unsupported_grant_type", description: "invalid grant_type" } } as const);
    return out.ok ? json(200, tokenBody(out.result, ctx)) : tokenError(out.error);
  }
  if (action === "revoke") {
    ctx.count("revoke");
    if (!signatureOk(ctx, params, ["action", "client_id", "nonce"])) return tokenError({ kind: "invalid_client", description: "invalid signature" });
    if (!takeNonce(ctx, params.get("nonce"))) return tokenError({ kind: "invalid_client", description: "invalid or expired nonce" });
    const userid = params.get("userid");
    if (!userid) return tokenError({ kind: "invalid_request", description: "userid is missing" });
    for (const g of ctx.state.grants.values()) {
      if (g.provider === "withings" && g.clientId === params.get("client_id") && g.userId === userid) ctx.state.revokeGrant(g.id);
    }
    return status(WITHINGS_STATUS.ok);
  }
  return status(WITHINGS_STATUS.invalidParams, `Invalid Params: unknown action ${JSON.stringify(action)}`);
}

function signature(ctx: RequestContext): SimResponse {
  const params = tokenParams(ctx, style);
  if (params.get("action") !== "getnonce") {
    return status(WITHINGS_STATUS.invalidParams, `Invalid Params: unknown action ${JSON.stringify(params.get("action"))}`);
  }
  if (!params.get("timestamp")) return status(WITHINGS_STATUS.invalidParams, "Invalid Params: timestamp is missing");
  if (!signatureOk(ctx, params, ["action", "client_id", "timestamp"])) {
    return status(WITHINGS_STATUS.authFailed, "Authentication failed: invalid signature");
  }
  const nonce = randomHex(20);
  ctx.state.bag<number>("withings-nonces").set(nonce, ctx.state.now());
  return status(WITHINGS_STATUS.ok, undefined, { nonce });
}

export const withingsAuth: SimProvider = {
  id: "withings",
  name: "Withings",
  hosts: [AUTH_HOST, API_HOST],
  rateLimited: () => status(WITHINGS_STATUS.tooManyRequests, "Too Many Requests"),
  routes: [
    ...authorizeRoutes(style),
    { method: "POST", host: API_HOST, path: "/v2/oauth2", name: "oauth2", handler: oauth2 },
    { method: "POST", host: API_HOST, path: "/v2/signature", name: "signature", handler: signature },
  ],
};

export const withingsStyle = style;
