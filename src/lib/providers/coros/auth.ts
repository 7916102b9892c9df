import { InvalidGrantError, ProviderRequestError, safeReason } from "../shared/errors";
import { buildAuthorizeUrl, isObject, parseTokenFields, requestJson, stringField, tokenRequest } from "../shared/oauth2";
import type { OAuth2Flow, TokenSet } from "../types";

// providers.md §7 (COROS Open API; its docs are private, facts come from public client code).
const AUTHORIZE_URL = "https://open.coros.com/oauth2/authorize";
const TOKEN_URL = "https://open.coros.com/oauth2/accesstoken";
const REFRESH_URL = "https://open.coros.com/oauth2/refresh-token";
const DEAUTHORIZE_URL = "https://open.coros.com/oauth2/deauthorize";
/**
 * UNCONFIRMED: COROS documents no lifetime we can see; tokens last ~30 days and the reference client
 * assumes 29 "because we aren't sure of the exact time". Used when the response has no expires_in.
 */
export const COROS_ASSUMED_TOKEN_LIFETIME_S = 29 * 24 * 3600;
/** COROS bodies carry `result`; "0000" is success. */
const COROS_OK = "0000";

/** `{access_token, refresh_token, openId}`; expiry assumed when absent. */
export function parseCorosToken(json: Record<string, unknown>, now = new Date()): TokenSet {
  const tokens = parseTokenFields("coros", json, { scopeSeparator: " ", now });
  tokens.expiresAt ??= new Date(now.getTime() + COROS_ASSUMED_TOKEN_LIFETIME_S * 1000);
  tokens.providerUserId = stringField(json.openId) ?? null;
  tokens.scopes ??= [];
  return tokens;
}

/**
 * A COROS `{result, message}` other than "0000" on a 200 is a refusal. Result codes are UNCONFIRMED;
 * on the refresh call the refresh token is the only thing that can be wrong, so it counts as a dead grant.
 */
function assertCorosOk(json: unknown, what: string, opts: { grantCall?: boolean } = {}): void {
  if (isObject(json) && json.result !== undefined && String(json.result) !== COROS_OK) {
    const reason = `result ${String(json.result).slice(0, 12)}${typeof json.message === "string" ? `: ${safeReason(json.message)}` : ""}`;
    if (opts.grantCall) throw new InvalidGrantError("coros", reason);
    throw new ProviderRequestError("coros", `coros: ${what} was refused (${reason})`);
  }
}

export const oauth2: OAuth2Flow = {
  kind: "oauth2",
  scopes: [],
  pkce: false, // no scopes and no PKCE in the reference client (UNCONFIRMED)
  authorizeUrl(ctx, { state }) {
    return buildAuthorizeUrl(AUTHORIZE_URL, {
      client_id: ctx.clientId,
      redirect_uri: ctx.redirectUri,
      response_type: "code",
      state,
    });
  },
  async exchangeCode(ctx, { code }) {
    const json = await tokenRequest(ctx, {
      url: TOKEN_URL,
      clientAuth: "body",
      grant: "authorization_code",
      params: { code, grant_type: "authorization_code", redirect_uri: ctx.redirectUri },
    });
    assertCorosOk(json, "code exchange");
    return parseCorosToken(json);
  },
  async refresh(ctx, current) {
    const json = await tokenRequest(ctx, {
      url: REFRESH_URL,
      clientAuth: "body",
      grant: "refresh_token",
      params: { grant_type: "refresh_token", refresh_token: current.refreshToken ?? undefined },
    });
    assertCorosOk(json, "token refresh", { grantCall: true });
    // The reference client keeps the same access token and only extends its expiry; take new
    // tokens if COROS ever sends them.
    const now = new Date();
    const accessToken = typeof json.access_token === "string" && json.access_token ? json.access_token : current.accessToken;
    const refreshToken = typeof json.refresh_token === "string" && json.refresh_token ? json.refresh_token : current.refreshToken;
    return {
      ...current,
      accessToken,
      refreshToken,
      expiresAt: parseCorosToken({ ...json, access_token: accessToken }, now).expiresAt,
    };
  },
  async revoke(ctx, tokens) {
    const { json } = await requestJson(ctx, DEAUTHORIZE_URL, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.accessToken }).toString(),
      what: "deauthorize",
      secrets: [tokens.accessToken],
    });
    assertCorosOk(json, "deauthorize");
  },
};
