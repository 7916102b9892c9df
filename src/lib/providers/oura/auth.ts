import { ProviderRequestError } from "../shared/errors";
import { isObject, requestJson, stringField, codeFlow } from "../shared/oauth2";
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
  ...codeFlow({
    provider: "oura",
    authorizeUrl: AUTHORIZE_URL,
    tokenUrl: TOKEN_URL,
    scopes: SCOPES,
    scopeSeparator: " ",
    clientAuth: "body",
    pkce: false, // not used by the reference clients (UNCONFIRMED)
  }),
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
