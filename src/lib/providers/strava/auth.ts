import { isObject, parseTokenFields, requestJson, splitScopes, stringField, codeFlow } from "../shared/oauth2";
import type { OAuth2Flow, TokenSet } from "../types";

// providers.md §1 (Strava API v3).
const AUTHORIZE_URL = "https://www.strava.com/oauth/authorize";
const TOKEN_URL = "https://www.strava.com/oauth/token";
const DEAUTHORIZE_URL = "https://www.strava.com/oauth/deauthorize";
/** Comma-separated at Strava. activity:read_all = private activities too; profile:read_all = weight. */
const SCOPES = ["read", "activity:read_all", "profile:read_all"];

/**
 * UNCONFIRMED (not in providers.md): Strava answers a dead code/refresh token with 400
 * `{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}`.
 */
function isStravaInvalidGrant(status: number, json: unknown): boolean {
  if (status !== 400 || !isObject(json) || !Array.isArray(json.errors)) return false;
  return json.errors.some(
    (e) => isObject(e) && e.code === "invalid" && (e.field === "refresh_token" || e.field === "code"),
  );
}

function athleteName(athlete: Record<string, unknown>): string | null {
  const full = [athlete.firstname, athlete.lastname].filter((s) => typeof s === "string" && s).join(" ");
  return full || stringField(athlete.username) || null;
}

/** Token response: `expires_at` (epoch s) + `expires_in`, and `athlete` on the code exchange only. */
export function parseStravaToken(json: Record<string, unknown>, now?: Date): TokenSet {
  const tokens = parseTokenFields("strava", json, { scopeSeparator: ",", now });
  const athlete = isObject(json.athlete) ? json.athlete : undefined;
  if (athlete) {
    tokens.providerUserId = stringField(athlete.id) ?? null;
    tokens.displayName = athleteName(athlete);
  }
  return tokens;
}

export const oauth2: OAuth2Flow = {
  ...codeFlow({
    provider: "strava",
    authorizeUrl: AUTHORIZE_URL,
    tokenUrl: TOKEN_URL,
    scopes: SCOPES,
    scopeSeparator: ",",
    clientAuth: "body",
    pkce: false, // not documented by Strava (UNCONFIRMED)
    authorizeParams: { approval_prompt: "auto" },
    exchangeRedirectUri: false,
    isInvalidGrant: isStravaInvalidGrant,
    parseToken: parseStravaToken,
    // The user may untick scopes; Strava reports what was granted on the redirect, not in the token.
    grantedScopes: (query) => splitScopes(query?.scope, ",") ?? SCOPES,
  }),
  async revoke(ctx, tokens) {
    // Kills every token of this athlete for our app.
    await requestJson(ctx, DEAUTHORIZE_URL, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ access_token: tokens.accessToken }).toString(),
      what: "deauthorize",
      secrets: [tokens.accessToken],
    });
  },
};
