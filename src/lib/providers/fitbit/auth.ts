import { ProviderError } from "../shared/errors";
import { basicAuthHeader, buildAuthorizeUrl, isObject, parseTokenFields, pkceParams, requestJson, stringField, tokenRequest } from "../shared/oauth2";
import type { OAuth2Flow, TokenSet } from "../types";

// providers.md §5 (Fitbit Web API, legacy).
const AUTHORIZE_URL = "https://www.fitbit.com/oauth2/authorize";
const TOKEN_URL = "https://api.fitbit.com/oauth2/token";
const REVOKE_URL = "https://api.fitbit.com/oauth2/revoke";
/** `{user:{displayName, fullName, encodedId}}`: only for a display name. */
const PROFILE_URL = "https://api.fitbit.com/1/user/-/profile.json";
/** Space-separated. */
const SCOPES = [
  "activity",
  "heartrate",
  "sleep",
  "profile",
  "weight",
  "oxygen_saturation",
  "respiratory_rate",
  "temperature",
];

/** Token response: standard fields + `user_id`; scope is space-separated. */
export function parseFitbitToken(json: Record<string, unknown>, now?: Date): TokenSet {
  const tokens = parseTokenFields("fitbit", json, { scopeSeparator: " ", now });
  tokens.providerUserId = stringField(json.user_id) ?? null;
  return tokens;
}

export const oauth2: OAuth2Flow = {
  kind: "oauth2",
  scopes: SCOPES,
  pkce: true, // supported and recommended; S256
  authorizeUrl(ctx, { state, codeChallenge }) {
    return buildAuthorizeUrl(AUTHORIZE_URL, {
      client_id: ctx.clientId,
      response_type: "code",
      scope: SCOPES.join(" "),
      redirect_uri: ctx.redirectUri,
      state,
      ...pkceParams(codeChallenge),
    });
  },
  async exchangeCode(ctx, { code, codeVerifier }) {
    // Server app: client credentials in HTTP Basic.
    const json = await tokenRequest(ctx, {
      url: TOKEN_URL,
      clientAuth: "basic",
      grant: "authorization_code",
      params: { grant_type: "authorization_code", code, redirect_uri: ctx.redirectUri, code_verifier: codeVerifier },
    });
    return parseFitbitToken(json);
  },
  async refresh(ctx, current) {
    // Returns a new pair; the old refresh token is single-use.
    const json = await tokenRequest(ctx, {
      url: TOKEN_URL,
      clientAuth: "basic",
      grant: "refresh_token",
      params: { grant_type: "refresh_token", refresh_token: current.refreshToken ?? undefined },
    });
    const tokens = parseFitbitToken(json);
    return {
      ...tokens,
      refreshToken: tokens.refreshToken ?? current.refreshToken,
      scopes: tokens.scopes ?? current.scopes,
      providerUserId: tokens.providerUserId ?? current.providerUserId,
    };
  },
  async revoke(ctx, tokens) {
    // Revoking either token ends the grant; the refresh token outlives an expired access token.
    const token = tokens.refreshToken ?? tokens.accessToken;
    await requestJson(ctx, REVOKE_URL, {
      method: "POST",
      headers: {
        Authorization: basicAuthHeader(ctx.clientId, ctx.clientSecret),
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ token }).toString(),
      what: "revoke",
      secrets: [tokens.accessToken, tokens.refreshToken],
    });
  },
  async onConnected(ctx, tokens) {
    try {
      const { json } = await requestJson(ctx, PROFILE_URL, {
        headers: { Authorization: `Bearer ${tokens.accessToken}` },
        what: "profile",
        secrets: [tokens.accessToken],
      });
      const user = isObject(json) && isObject(json.user) ? json.user : undefined;
      if (!user) return;
      return {
        ...tokens,
        providerUserId: tokens.providerUserId ?? stringField(user.encodedId) ?? null,
        displayName: stringField(user.displayName) ?? stringField(user.fullName) ?? null,
      };
    } catch (error) {
      // The name is cosmetic and costs a request of the 150/h budget: never fail the connect for it.
      if (error instanceof ProviderError) return;
      throw error;
    }
  },
};
