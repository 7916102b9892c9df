import { ProviderRequestError } from "../shared/errors";
import { buildAuthorizeUrl, isObject, parseTokenFields, requestJson, stringField, tokenRequest } from "../shared/oauth2";
import type { OAuth2Flow } from "../types";

// providers.md §3 (Oura API v2).
const AUTHORIZE_URL = "https://cloud.ouraring.com/oauth/authorize";
const TOKEN_URL = "https://api.ouraring.com/oauth/token";
/** UNCONFIRMED as official: the revoke call as open-wearables makes it (token in the query). */
const REVOKE_URL = "https://api.ouraring.com/oauth/revoke";
/** `{id, email, age, …}`: the stable Oura user id lives here, not in the token response. */
const PERSONAL_INFO_URL = "https://api.ouraring.com/v2/usercollection/personal_info";
/** Space-separated; everything we read (`tag` is not). */
const SCOPES = ["email", "personal", "daily", "heartrate", "workout", "session", "spo2Daily"];

export const oauth2: OAuth2Flow = {
  kind: "oauth2",
  scopes: SCOPES,
  pkce: false, // not used by the reference clients (UNCONFIRMED)
  authorizeUrl(ctx, { state }) {
    return buildAuthorizeUrl(AUTHORIZE_URL, {
      response_type: "code",
      client_id: ctx.clientId,
      redirect_uri: ctx.redirectUri,
      scope: SCOPES.join(" "),
      state,
    });
  },
  async exchangeCode(ctx, { code }) {
    const json = await tokenRequest(ctx, {
      url: TOKEN_URL,
      clientAuth: "body",
      grant: "authorization_code",
      params: { grant_type: "authorization_code", code, redirect_uri: ctx.redirectUri },
    });
    return parseTokenFields("oura", json, { scopeSeparator: " " });
  },
  async refresh(ctx, current) {
    // Single-use refresh tokens: the caller serializes refreshes (connections/tokens.ts).
    const json = await tokenRequest(ctx, {
      url: TOKEN_URL,
      clientAuth: "body",
      grant: "refresh_token",
      params: { grant_type: "refresh_token", refresh_token: current.refreshToken ?? undefined },
    });
    const tokens = parseTokenFields("oura", json, { scopeSeparator: " " });
    return { ...tokens, refreshToken: tokens.refreshToken ?? current.refreshToken, scopes: tokens.scopes ?? current.scopes };
  },
  async revoke(ctx, tokens) {
    const url = `${REVOKE_URL}?${new URLSearchParams({ access_token: tokens.accessToken })}`;
    await requestJson(ctx, url, { method: "POST", what: "revoke", secrets: [tokens.accessToken] });
  },
  async onConnected(ctx, tokens) {
    try {
      const { json } = await requestJson(ctx, PERSONAL_INFO_URL, {
        headers: { Authorization: `Bearer ${tokens.accessToken}` },
        what: "personal info",
        secrets: [tokens.accessToken],
      });
      if (!isObject(json)) return;
      return { ...tokens, providerUserId: stringField(json.id) ?? null, displayName: stringField(json.email) ?? null };
    } catch (error) {
      // The user may untick `personal`/`email`: connect anyway, without an id/name.
      if (error instanceof ProviderRequestError) return;
      throw error;
    }
  },
};
