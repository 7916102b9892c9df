import { ProviderError } from "../shared/errors";
import { codeFlow, isObject, parseTokenFields, requestJson, stringField } from "../shared/oauth2";
import type { OAuth2Flow, TokenSet } from "../types";
import { GH_API } from "./errors";

/**
 * Google OAuth 2.0 for the Google Health API (google-health.md A.2, A.3, A.9): authorization code
 * with PKCE (S256), `access_type=offline` and `prompt=consent` so Google issues a refresh token on
 * every connect (without `prompt=consent` it does so only the first time). No
 * `include_granted_scopes`: it can mix legacy Fitbit scopes into the token, which the API rejects.
 * Client credentials go in the form body (client_secret_post, as Google's own libraries send them).
 * Refresh tokens are not rotated: a refresh answers a new access token only (codeFlow keeps the old
 * refresh token).
 */

const AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth";
const TOKEN_URL = "https://oauth2.googleapis.com/token";
const REVOKE_URL = "https://oauth2.googleapis.com/revoke";
const SCOPE_PREFIX = "https://www.googleapis.com/auth/googlehealth.";

/** What each scope lets us read; the label names it when a user unticks it on Google's consent page. */
export const GOOGLE_HEALTH_SCOPES = {
  activity: { scope: `${SCOPE_PREFIX}activity_and_fitness.readonly`, label: "activity and exercise" },
  metrics: { scope: `${SCOPE_PREFIX}health_metrics_and_measurements.readonly`, label: "heart rate, HRV, SpO2, breathing, weight and body fat" },
  sleep: { scope: `${SCOPE_PREFIX}sleep.readonly`, label: "sleep" },
  /** `users/me/settings`: the user's time zone. */
  settings: { scope: `${SCOPE_PREFIX}settings.readonly`, label: "time zone setting" },
} as const;
export type GoogleHealthScope = keyof typeof GOOGLE_HEALTH_SCOPES;

const SCOPES = Object.values(GOOGLE_HEALTH_SCOPES).map((s) => s.scope);

/** The labels of the requested scopes a grant lacks (Google lets the user untick each one). */
export function missingScopes(granted: readonly string[] | null | undefined): string[] {
  const have = new Set(granted ?? []);
  return Object.values(GOOGLE_HEALTH_SCOPES)
    .filter((s) => !have.has(s.scope))
    .map((s) => s.label);
}

export const hasScope = (granted: readonly string[] | null | undefined, which: GoogleHealthScope) => (granted ?? []).includes(GOOGLE_HEALTH_SCOPES[which].scope);

/** Google's token response: RFC 6749 fields, space-separated `scope` (only what the user granted). */
export function parseGoogleToken(json: Record<string, unknown>, now?: Date): TokenSet {
  return parseTokenFields("google_health", json, { scopeSeparator: " ", now });
}

export const oauth2: OAuth2Flow = {
  ...codeFlow({
    provider: "google_health",
    authorizeUrl: AUTHORIZE_URL,
    tokenUrl: TOKEN_URL,
    scopes: SCOPES,
    scopeSeparator: " ",
    clientAuth: "body",
    pkce: true,
    authorizeParams: { access_type: "offline", prompt: "consent" },
    parseToken: (json) => parseGoogleToken(json),
  }),
  async revoke(ctx, tokens) {
    // Revoking the refresh token ends the whole grant; Google's library sends the token in the query.
    const token = tokens.refreshToken ?? tokens.accessToken;
    await requestJson(ctx, `${REVOKE_URL}?${new URLSearchParams({ token })}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      what: "revoke",
      secrets: [tokens.accessToken, tokens.refreshToken],
    });
  },
  /**
   * `users/me/identity`: `healthUserId` is the user in webhook payloads (so it is the provider user
   * id); `legacyUserId` is the old Fitbit id, kept to match a legacy Fitbit connection of the user.
   */
  async onConnected(ctx, tokens) {
    const { json } = await requestJson(ctx, `${GH_API}/users/me/identity`, {
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
      what: "identity",
      secrets: [tokens.accessToken],
    });
    const healthUserId = isObject(json) ? stringField(json.healthUserId) : undefined;
    if (!healthUserId) throw new ProviderError("google_health", "google_health: the identity answer has no healthUserId");
    const legacyUserId = isObject(json) ? stringField(json.legacyUserId) : undefined;
    const notGranted = missingScopes(tokens.scopes);
    return {
      ...tokens,
      providerUserId: healthUserId,
      displayName: tokens.displayName ?? null,
      meta: { ...tokens.meta, ...(legacyUserId ? { legacyFitbitUserId: legacyUserId } : {}), notGranted },
    };
  },
};
