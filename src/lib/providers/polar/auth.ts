import { ProviderRequestError } from "../shared/errors";
import { isObject, parseTokenFields, requestJson, stringField, codeFlow } from "../shared/oauth2";
import type { OAuth2Flow, ProviderContext, TokenSet } from "../types";

// providers.md §6 (Polar AccessLink v3).
const AUTHORIZE_URL = "https://flow.polar.com/oauth2/authorization";
const TOKEN_URL = "https://polarremote.com/v2/oauth2/token";
const API_BASE = "https://www.polaraccesslink.com/v3";
/** The only scope. */
const SCOPES = ["accesslink.read_all"];

/** Token response: standard fields + `x_user_id` (the Polar user id). No refresh token. */
export function parsePolarToken(json: Record<string, unknown>, now?: Date): TokenSet {
  const tokens = parseTokenFields("polar", json, { scopeSeparator: " ", now });
  tokens.providerUserId = stringField(json.x_user_id) ?? null;
  tokens.scopes ??= SCOPES;
  return tokens;
}

const nameOf = (user: Record<string, unknown>) =>
  [user["first-name"], user["last-name"]].filter((s) => typeof s === "string" && s).join(" ") || null;

/**
 * After a 409: GET /v3/users/{id} answers 200 with the user when this Polar account is registered
 * with our app, 204 when not (409 then meant "member-id already used by another Polar account").
 */
async function registeredUser(ctx: ProviderContext, tokens: TokenSet): Promise<Record<string, unknown>> {
  const { status, json } = await requestJson(ctx, `${API_BASE}/users/${encodeURIComponent(tokens.providerUserId ?? "")}`, {
    headers: { Authorization: `Bearer ${tokens.accessToken}` },
    what: "user info",
    secrets: [tokens.accessToken],
  });
  if (status === 204 || !isObject(json)) {
    throw new ProviderRequestError(
      "polar",
      "polar: registration was refused (409): this Healthbridge user is already registered with another Polar account; disconnect it first",
      409,
    );
  }
  return json;
}

export const oauth2: OAuth2Flow = {
  ...codeFlow({
    provider: "polar",
    authorizeUrl: AUTHORIZE_URL,
    tokenUrl: TOKEN_URL,
    scopes: SCOPES,
    scopeSeparator: " ",
    clientAuth: "basic",
    pkce: false, // not in the spec or the official example (UNCONFIRMED)
    refresh: false,
    parseToken: parsePolarToken,
  }),
  // No refresh: AccessLink tokens are long-lived (exact lifetime UNCONFIRMED; we honour expires_in).
  async revoke(ctx, tokens) {
    if (!tokens.providerUserId) return;
    await requestJson(ctx, `${API_BASE}/users/${encodeURIComponent(tokens.providerUserId)}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
      what: "deregister user",
      secrets: [tokens.accessToken],
    });
  },
  /** Mandatory: register the user with our app before any data call. 409 = already registered. */
  async onConnected(ctx, tokens) {
    if (!ctx.userId) throw new Error("polar: registering a user needs ctx.userId (the member-id)");
    const memberId = ctx.userId;
    let registered;
    try {
      registered = await requestJson(ctx, `${API_BASE}/users`, {
        method: "POST",
        headers: { Authorization: `Bearer ${tokens.accessToken}`, "Content-Type": "application/json" },
        body: JSON.stringify({ "member-id": memberId }),
        what: "user registration",
        okStatuses: [409],
        secrets: [tokens.accessToken],
      });
    } catch (error) {
      if (error instanceof ProviderRequestError && error.status === 403) {
        throw new ProviderRequestError(
          "polar",
          "polar: user registration was refused (403): accept Polar's data-sharing consents in Polar Flow, then connect again",
          403,
        );
      }
      throw error;
    }
    const user =
      registered.status !== 409 && isObject(registered.json) ? registered.json : await registeredUser(ctx, tokens);
    return {
      ...tokens,
      providerUserId: tokens.providerUserId ?? stringField(user["polar-user-id"]) ?? null,
      displayName: nameOf(user),
      meta: { ...tokens.meta, memberId },
    };
  },
};
