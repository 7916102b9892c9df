import { ProviderError } from "../shared/errors";
import { basicAuthHeader, isObject, parseTokenFields, requestJson, stringField, codeFlow } from "../shared/oauth2";
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
  ...codeFlow({
    provider: "fitbit",
    authorizeUrl: AUTHORIZE_URL,
    tokenUrl: TOKEN_URL,
    scopes: SCOPES,
    scopeSeparator: " ",
    clientAuth: "basic", // server app: client credentials in HTTP Basic
    pkce: true, // supported and recommended; S256
    parseToken: parseFitbitToken,
  }),
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
