import { ProviderRequestError } from "../shared/errors";
import { buildAuthorizeUrl, isObject, parseTokenFields, requestJson, stringField, tokenRequest } from "../shared/oauth2";
import type { OAuth2Flow } from "../types";

// providers.md §4 (WHOOP API v2).
const AUTHORIZE_URL = "https://api.prod.whoop.com/oauth/oauth2/auth";
const TOKEN_URL = "https://api.prod.whoop.com/oauth/oauth2/token";
const REVOKE_URL = "https://api.prod.whoop.com/developer/v2/user/access";
/** `{user_id, email, first_name, last_name}` (WHOOP v2 spec; not in the token response). */
const PROFILE_URL = "https://api.prod.whoop.com/developer/v2/user/profile/basic";
/** Space-separated; `offline` is what yields a refresh token. */
const SCOPES = [
  "read:recovery",
  "read:cycles",
  "read:workout",
  "read:sleep",
  "read:profile",
  "read:body_measurement",
  "offline",
];

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
    return parseTokenFields("whoop", json, { scopeSeparator: " " });
  },
  async refresh(ctx, current) {
    // Rotating: a second refresh with the same token kills the connection, hence the row lock.
    const json = await tokenRequest(ctx, {
      url: TOKEN_URL,
      clientAuth: "body",
      grant: "refresh_token",
      params: { grant_type: "refresh_token", scope: "offline", refresh_token: current.refreshToken ?? undefined },
    });
    const tokens = parseTokenFields("whoop", json, { scopeSeparator: " " });
    return { ...tokens, refreshToken: tokens.refreshToken ?? current.refreshToken, scopes: tokens.scopes ?? current.scopes };
  },
  async revoke(ctx, tokens) {
    await requestJson(ctx, REVOKE_URL, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
      what: "revoke access",
      secrets: [tokens.accessToken],
    });
  },
  async onConnected(ctx, tokens) {
    try {
      const { json } = await requestJson(ctx, PROFILE_URL, {
        headers: { Authorization: `Bearer ${tokens.accessToken}` },
        what: "basic profile",
        secrets: [tokens.accessToken],
      });
      if (!isObject(json)) return;
      const name = [json.first_name, json.last_name].filter((s) => typeof s === "string" && s).join(" ");
      return {
        ...tokens,
        providerUserId: stringField(json.user_id) ?? null,
        displayName: name || stringField(json.email) || null,
      };
    } catch (error) {
      // read:profile may be refused: connect anyway, without an id/name.
      if (error instanceof ProviderRequestError) return;
      throw error;
    }
  },
};
