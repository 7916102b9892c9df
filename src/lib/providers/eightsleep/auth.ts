import { CredentialsRejectedError, InvalidGrantError, ProviderRequestError, TransientProviderError, retryAfterMs, safeReason } from "../shared/errors";
import { errorText, isObject, isTransientStatus, parseTokenFields, readJson, requestJson, stringField } from "../shared/oauth2";
import type { PasswordFlow, ProviderContext, TokenSet } from "../types";

// providers.md §10: no public API; these are the endpoints of Eight Sleep's own app. The client
// id/secret are the official app's (EIGHTSLEEP_CLIENT_ID / EIGHTSLEEP_CLIENT_SECRET, values not in
// this code base and UNCONFIRMED: they may change with app updates).
const TOKENS_URL = "https://auth-api.8slp.net/v1/tokens";
export const EIGHTSLEEP_API = "https://client-api.8slp.net/v1";
const ME_URL = `${EIGHTSLEEP_API}/users/me`;
/**
 * UNCONFIRMED (not in the facts doc; public clients do it): the token endpoint also takes
 * `grant_type=refresh_token` and rotates the refresh token. When it refuses, the connection needs
 * the password again: we never keep it.
 */
const REFRESH_GRANT = "refresh_token";
/** UNCONFIRMED: public clients report that the API turns away unknown user agents; this is the app's HTTP stack. */
const USER_AGENT = "okhttp/4.9.3";

const PROVIDER = "eightsleep";

/** POSTs JSON to the tokens endpoint; `refused` maps a 400/401/403 to the right typed error. */
async function postTokens(
  ctx: ProviderContext,
  body: Record<string, string>,
  what: string,
  refused: (status: number) => Error,
  secrets: string[],
): Promise<Record<string, unknown>> {
  const res = await ctx.fetch(TOKENS_URL, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "User-Agent": USER_AGENT },
    body: JSON.stringify({ client_id: ctx.clientId, client_secret: ctx.clientSecret, ...body }),
  });
  const r = await readJson(PROVIDER, res, what);
  if (res.ok && isObject(r.json)) return r.json;
  if (res.ok) throw new TransientProviderError(PROVIDER, `${PROVIDER}: ${what}: empty or non-object response`, res.status);
  if (res.status === 429)
    throw new TransientProviderError(
      PROVIDER,
      "Eight Sleep is limiting sign-in attempts right now; wait a few minutes and try again.",
      429,
      retryAfterMs(res.headers.get("retry-after")),
    );
  if (isTransientStatus(res.status)) throw new TransientProviderError(PROVIDER, `${PROVIDER}: ${what}: HTTP ${res.status}`, res.status);
  if (isObject(r.json) && r.json.error === "invalid_client")
    throw new ProviderRequestError(PROVIDER, "Eight Sleep refused this server's app credentials (EIGHTSLEEP_CLIENT_ID / EIGHTSLEEP_CLIENT_SECRET).", res.status);
  if (res.status === 400 || res.status === 401 || res.status === 403) throw refused(res.status);
  const reason = safeReason(errorText(r.json), [ctx.clientSecret, ...secrets]);
  throw new ProviderRequestError(PROVIDER, `${PROVIDER}: ${what} was refused: HTTP ${res.status}${reason ? ` (${reason})` : ""}`, res.status);
}

function parseTokens(json: Record<string, unknown>, current?: TokenSet): TokenSet {
  const tokens = parseTokenFields(PROVIDER, json, { scopeSeparator: " " });
  return {
    ...tokens,
    refreshToken: tokens.refreshToken ?? current?.refreshToken ?? null,
    providerUserId: stringField(json.userId) ?? current?.providerUserId ?? null,
  };
}

/** `GET /users/me` → `{user:{userId, firstName, currentDevice:{id, side}, devices:[…]}}`. */
async function withProfile(ctx: ProviderContext, tokens: TokenSet): Promise<TokenSet> {
  const { json } = await requestJson(ctx, ME_URL, {
    headers: { Authorization: `Bearer ${tokens.accessToken}`, "User-Agent": USER_AGENT },
    what: "profile",
    secrets: [tokens.accessToken, tokens.refreshToken],
  });
  const user = isObject(json) && isObject(json.user) ? json.user : undefined;
  const userId = (user && stringField(user.userId)) ?? tokens.providerUserId;
  if (!userId) throw new TransientProviderError(PROVIDER, `${PROVIDER}: profile: the response has no user id`);
  const device = user && isObject(user.currentDevice) ? user.currentDevice : undefined;
  const firstDevice = user && Array.isArray(user.devices) ? stringField(user.devices[0]) : undefined;
  return {
    ...tokens,
    providerUserId: userId,
    displayName: (user && stringField(user.firstName)) ?? null,
    meta: { deviceId: (device && stringField(device.id)) ?? firstDevice ?? null, side: (device && stringField(device.side)) ?? null },
  };
}

export const password: PasswordFlow = {
  kind: "password",
  async login(ctx, { email, password }) {
    const json = await postTokens(
      ctx,
      { grant_type: "password", username: email, password },
      "sign-in",
      (status) => new CredentialsRejectedError(PROVIDER, "Eight Sleep did not accept this e-mail and password.", status),
      [password],
    );
    return withProfile(ctx, parseTokens(json));
  },
  async refresh(ctx, current) {
    if (!current.refreshToken) throw new InvalidGrantError(PROVIDER, "the session expired and cannot be renewed without the password");
    const json = await postTokens(
      ctx,
      { grant_type: REFRESH_GRANT, refresh_token: current.refreshToken },
      "token refresh",
      (status) => new InvalidGrantError(PROVIDER, "Eight Sleep no longer accepts the saved session", status),
      [current.refreshToken],
    );
    return parseTokens(json, current);
  },
};
