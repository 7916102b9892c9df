import { ProviderRequestError } from "../shared/errors";
import { isObject, requestJson, stringField, codeFlow } from "../shared/oauth2";
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
  ...codeFlow({
    provider: "whoop",
    authorizeUrl: AUTHORIZE_URL,
    tokenUrl: TOKEN_URL,
    scopes: SCOPES,
    scopeSeparator: " ",
    clientAuth: "body",
    pkce: false, // not used by the reference clients (UNCONFIRMED)
    // Rotating: a second refresh with the same token kills the connection, hence the row lock.
    refreshParams: { scope: "offline" },
  }),
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
