import { createHmac } from "node:crypto";
import { InvalidGrantError, ProviderRequestError, TransientProviderError, safeReason } from "../shared/errors";
import { buildAuthorizeUrl, isObject, isTransientStatus, parseTokenFields, readJson, stringField } from "../shared/oauth2";
import type { OAuth2Flow, ProviderContext, TokenSet } from "../types";
import { revokeWithingsNotify, subscribeWithingsNotify } from "./webhook";

// providers.md §8 (Withings Public Health Data API).
const AUTHORIZE_URL = "https://account.withings.com/oauth2_user/authorize2";
const OAUTH2_URL = "https://wbsapi.withings.net/v2/oauth2";
const SIGNATURE_URL = "https://wbsapi.withings.net/v2/signature";
/** Comma-separated (`user.sleep` is deprecated in favour of `user.activity`). */
const SCOPES = ["user.info", "user.metrics", "user.activity", "user.sleepevents"];

/** Withings answers HTTP 200 with `status`; these mean the grant/credentials are dead. */
const AUTH_FAILED = new Set([100, 101, 102, 200, 401]);
/** 601 = too many requests; 522 = timeout. */
const RETRYABLE = new Set([522, 601]);
/**
 * Not in providers.md: a dead code or refresh token comes back as "invalid params" (501–511, seen as
 * 503) with e.g. `error: "Invalid Params: invalid code"` (public client reports such as
 * home-assistant.io#34285). On a token call, invalid params that name the code/refresh token = dead grant.
 */
const DEAD_GRANT_TEXT = /\bcode\b|refresh[ _]?token/i;

type WithingsBody = Record<string, unknown>;

/**
 * One Withings call: POST form, then unwrap `{status, body}`. status 0 → body; auth statuses →
 * InvalidGrantError; 601/522 and HTTP 429/5xx → TransientProviderError; the rest → ProviderRequestError.
 * Sign (nonce/signature) before calling: the signature covers parameters, not the url.
 */
export async function withingsCall(
  ctx: ProviderContext,
  url: string,
  params: Record<string, string | undefined>,
  opts: { what: string; secrets?: Array<string | null | undefined>; bearer?: string; grantCall?: boolean },
): Promise<WithingsBody> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) form.set(k, v);
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" };
  if (opts.bearer) headers.Authorization = `Bearer ${opts.bearer}`;
  const secrets = [ctx.clientSecret, opts.bearer, ...(opts.secrets ?? []), ...Object.values(params)];

  const res = await ctx.fetch(url, { method: "POST", headers, body: form.toString() });
  const r = await readJson("withings", res, opts.what);
  if (!res.ok) {
    if (isTransientStatus(res.status)) throw new TransientProviderError("withings", `withings: ${opts.what}: HTTP ${res.status}`, res.status);
    throw new ProviderRequestError("withings", `withings: ${opts.what} was refused: HTTP ${res.status}`, res.status);
  }
  const json = r.json;
  if (!isObject(json) || typeof json.status !== "number") {
    throw new TransientProviderError("withings", `withings: ${opts.what}: unexpected response shape`);
  }
  const status = json.status;
  if (status === 0) return isObject(json.body) ? json.body : {};
  const reason = safeReason(typeof json.error === "string" ? `status ${status}: ${json.error}` : `status ${status}`, secrets);
  if (AUTH_FAILED.has(status) || (opts.grantCall && status >= 501 && status <= 511 && DEAD_GRANT_TEXT.test(String(json.error ?? "")))) {
    throw new InvalidGrantError("withings", reason);
  }
  if (RETRYABLE.has(status)) throw new TransientProviderError("withings", `withings: ${opts.what}: ${reason}`);
  throw new ProviderRequestError("withings", `withings: ${opts.what} was refused (${reason})`);
}

/** Token body: `{userid, access_token, refresh_token, expires_in, scope (comma), csrf_token, token_type}`. */
export function parseWithingsToken(body: Record<string, unknown>, now?: Date): TokenSet {
  const tokens = parseTokenFields("withings", body, { scopeSeparator: ",", now });
  tokens.providerUserId = stringField(body.userid) ?? null;
  return tokens;
}

/**
 * HMAC-SHA256 (key = client secret, hex) over the values of the signed parameters, sorted by key
 * and joined with commas.
 */
export function withingsSignature(clientSecret: string, signed: Record<string, string>): string {
  const data = Object.keys(signed)
    .sort()
    .map((k) => signed[k])
    .join(",");
  return createHmac("sha256", clientSecret).update(data).digest("hex");
}

/** A single-use nonce (valid 30 min) for signed calls. */
export async function withingsNonce(ctx: ProviderContext, now = new Date()): Promise<string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = withingsSignature(ctx.clientSecret, { action: "getnonce", client_id: ctx.clientId, timestamp });
  const body = await withingsCall(
    ctx,
    SIGNATURE_URL,
    { action: "getnonce", client_id: ctx.clientId, timestamp, signature },
    { what: "getnonce" },
  );
  const nonce = stringField(body.nonce);
  if (!nonce) throw new TransientProviderError("withings", "withings: getnonce: no nonce in the response");
  return nonce;
}

export const oauth2: OAuth2Flow = {
  kind: "oauth2",
  scopes: SCOPES,
  pkce: false, // not documented (UNCONFIRMED)
  authorizeUrl(ctx, { state }) {
    return buildAuthorizeUrl(AUTHORIZE_URL, {
      response_type: "code",
      client_id: ctx.clientId,
      state,
      scope: SCOPES.join(","),
      redirect_uri: ctx.redirectUri,
    });
  },
  async exchangeCode(ctx, { code }) {
    // The client_secret variant of requesttoken (the nonce+signature variant is equivalent).
    const body = await withingsCall(
      ctx,
      OAUTH2_URL,
      {
        action: "requesttoken",
        grant_type: "authorization_code",
        client_id: ctx.clientId,
        client_secret: ctx.clientSecret,
        code,
        redirect_uri: ctx.redirectUri,
      },
      { what: "code exchange", grantCall: true },
    );
    return parseWithingsToken(body);
  },
  async refresh(ctx, current) {
    // Returns a new refresh token: treat as rotating.
    const body = await withingsCall(
      ctx,
      OAUTH2_URL,
      {
        action: "requesttoken",
        grant_type: "refresh_token",
        client_id: ctx.clientId,
        client_secret: ctx.clientSecret,
        refresh_token: current.refreshToken ?? undefined,
      },
      { what: "token refresh", grantCall: true },
    );
    const tokens = parseWithingsToken(body);
    return {
      ...tokens,
      refreshToken: tokens.refreshToken ?? current.refreshToken,
      scopes: tokens.scopes ?? current.scopes,
      providerUserId: tokens.providerUserId ?? current.providerUserId,
    };
  },
  async revoke(ctx, tokens) {
    await revokeWithingsNotify(ctx, tokens, withingsCall); // while the access token still works
    if (!tokens.providerUserId) return;
    const nonce = await withingsNonce(ctx);
    const signature = withingsSignature(ctx.clientSecret, { action: "revoke", client_id: ctx.clientId, nonce });
    await withingsCall(
      ctx,
      OAUTH2_URL,
      { action: "revoke", client_id: ctx.clientId, nonce, signature, userid: tokens.providerUserId },
      { what: "revoke" },
    );
  },
  // Data-update notifications (appli 1, 4, 16, 44) to <APP_URL>/api/webhooks/withings.
  onConnected: (ctx, tokens) => subscribeWithingsNotify(ctx, tokens, withingsCall),
};
