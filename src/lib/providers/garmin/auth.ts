import { InvalidGrantError, ProviderRequestError, TransientProviderError, retryAfterMs, safeReason } from "../shared/errors";
import { describeUrl } from "../shared/http";
import { oauth1Header, parseTokenResponse, type OAuth1Token } from "../shared/oauth1";
import {
  buildAuthorizeUrl,
  isObject,
  isTransientStatus,
  parseTokenFields,
  pkceParams,
  requestJson,
  stringField,
  tokenRequest,
} from "../shared/oauth2";
import type { OAuth1Flow, OAuth2Flow, ProviderContext, TokenSet } from "../types";

// providers.md §2 (Garmin Connect Developer Program). OAuth 2.0 PKCE is current; OAuth 1.0a is
// retired on 2026-12-31. The environment picks the flow (see `usesOAuth1` in connections/oauth1.ts).
const OAUTH2_AUTHORIZE_URL = "https://connect.garmin.com/oauth2Confirm";
/** CVX uses connectapi.garmin.com for this path; the facts doc prefers diauth. */
const OAUTH2_TOKEN_URL = "https://diauth.garmin.com/di-oauth2-service/oauth/token";
const OAUTH1_REQUEST_TOKEN_URL = "https://connectapi.garmin.com/oauth-service/oauth/request_token";
const OAUTH1_AUTHORIZE_URL = "https://connect.garmin.com/oauthConfirm";
const OAUTH1_ACCESS_TOKEN_URL = "https://connectapi.garmin.com/oauth-service/oauth/access_token";
export const GARMIN_WELLNESS_API = "https://apis.garmin.com/wellness-api/rest";
const USER_ID_URL = `${GARMIN_WELLNESS_API}/user/id`;
const REGISTRATION_URL = `${GARMIN_WELLNESS_API}/user/registration`;
/**
 * OAuth 1.0a → 2.0 migration. UNCONFIRMED: the facts doc gives only the path
 * (`POST /partner-gateway/rest/user/token-exchange`); the host is assumed to be the one that serves
 * the other partner-gateway user endpoints (apis.garmin.com), the request is assumed to be an
 * OAuth1-signed POST with an empty body, and the answer an OAuth 2.0 token response.
 */
export const GARMIN_TOKEN_EXCHANGE_URL = "https://apis.garmin.com/partner-gateway/rest/user/token-exchange";

export const GARMIN_CONSUMER_VARS = { key: "GARMIN_CONSUMER_KEY", secret: "GARMIN_CONSUMER_SECRET" };

const PROVIDER = "garmin";

// ───────────────────────── signed calls ─────────────────────────

/** For OAuth 1.0a, `ctx` holds the consumer key/secret. */
const consumerOf = (ctx: ProviderContext) => ({ key: ctx.clientId, secret: ctx.clientSecret });

/** Signs over the REAL url; ctx.fetch then sends it to the rewritten one. */
async function signedFetch(
  ctx: ProviderContext,
  req: { method: string; url: string; token?: OAuth1Token; oauthParams?: Record<string, string> },
): Promise<Response> {
  const authorization = oauth1Header({ consumer: consumerOf(ctx), ...req });
  return ctx.fetch(req.url, { method: req.method, headers: { Authorization: authorization } });
}

/** Reads an `oauth_token=…&oauth_token_secret=…` answer of the OAuth 1.0a token endpoints. */
async function readTokenForm(
  res: Response,
  what: string,
  secrets: Array<string | undefined>,
  deadOn401: boolean,
): Promise<OAuth1Token> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw new TransientProviderError(PROVIDER, `${PROVIDER}: ${what}: the response body was cut off`, res.status);
  }
  if (res.ok) {
    try {
      return parseTokenResponse(text);
    } catch {
      throw new TransientProviderError(PROVIDER, `${PROVIDER}: ${what}: malformed token response`, res.status);
    }
  }
  const reason = safeReason(text, secrets) || `HTTP ${res.status}`;
  if (isTransientStatus(res.status))
    throw new TransientProviderError(PROVIDER, `${PROVIDER}: ${what}: HTTP ${res.status}`, res.status, retryAfterMs(res.headers.get("retry-after")));
  if (deadOn401 && res.status === 401) throw new InvalidGrantError(PROVIDER, reason, res.status);
  throw new ProviderRequestError(PROVIDER, `${PROVIDER}: ${what} was refused: HTTP ${res.status} (${reason})`, res.status);
}

const oauth1TokenOf = (tokens: TokenSet): OAuth1Token | undefined =>
  tokens.tokenSecret ? { key: tokens.accessToken, secret: tokens.tokenSecret } : undefined;

/**
 * The Authorization header of a Garmin API call with either kind of token: OAuth 1.0a tokens (a
 * token secret is present; `ctx` must then be the consumer context, connections/oauth1.ts
 * `oauth1Context`) are signed over the REAL url, OAuth 2.0 tokens go as Bearer.
 */
export function garminAuthorization(ctx: ProviderContext, tokens: TokenSet, method: string, url: string): string {
  const oauth1 = oauth1TokenOf(tokens);
  return oauth1 ? oauth1Header({ consumer: consumerOf(ctx), token: oauth1, method, url }) : `Bearer ${tokens.accessToken}`;
}

/** One JSON call to the Garmin APIs, authorized by `garminAuthorization`. */
export async function garminRequest(
  ctx: ProviderContext,
  tokens: TokenSet,
  req: { method?: "GET" | "POST" | "DELETE"; url: string; what: string; okStatuses?: number[] },
) {
  const method = req.method ?? "GET";
  return requestJson(ctx, req.url, {
    method,
    headers: { Authorization: garminAuthorization(ctx, tokens, method, req.url) },
    what: req.what,
    okStatuses: req.okStatuses,
    secrets: [tokens.accessToken, tokens.tokenSecret],
  });
}

/** `GET /user/id` → `{"userId":"…"}`: stable across tokens and across the 1.0a → 2.0 migration. */
export async function fetchGarminUserId(ctx: ProviderContext, tokens: TokenSet): Promise<string> {
  const { json } = await garminRequest(ctx, tokens, { url: USER_ID_URL, what: "user id" });
  const userId = isObject(json) ? stringField(json.userId) : undefined;
  if (!userId) throw new TransientProviderError(PROVIDER, `${PROVIDER}: user id: the response has no userId`);
  return userId;
}

/** `DELETE /user/registration` → 204: Garmin stops pushing this user's data and kills the tokens. */
async function deregister(ctx: ProviderContext, tokens: TokenSet): Promise<void> {
  await garminRequest(ctx, tokens, { method: "DELETE", url: REGISTRATION_URL, what: "deregistration" });
}

async function withUserId(ctx: ProviderContext, tokens: TokenSet): Promise<TokenSet> {
  return { ...tokens, providerUserId: await fetchGarminUserId(ctx, tokens) };
}

// ───────────────────────── OAuth 1.0a ─────────────────────────

export const oauth1: OAuth1Flow = {
  kind: "oauth1",
  consumerVars: GARMIN_CONSUMER_VARS,
  async requestToken(ctx) {
    const res = await signedFetch(ctx, {
      method: "POST",
      url: OAUTH1_REQUEST_TOKEN_URL,
      oauthParams: { oauth_callback: ctx.redirectUri },
    });
    return readTokenForm(res, "request token", [ctx.clientSecret], false);
  },
  authorizeUrl(ctx, requestToken) {
    return buildAuthorizeUrl(OAUTH1_AUTHORIZE_URL, { oauth_token: requestToken, oauth_callback: ctx.redirectUri });
  },
  async exchangeVerifier(ctx, requestToken, verifier) {
    const res = await signedFetch(ctx, {
      method: "POST",
      url: OAUTH1_ACCESS_TOKEN_URL,
      token: requestToken,
      oauthParams: { oauth_verifier: verifier },
    });
    // A refused verifier/request token means this authorization is dead: start again.
    const access = await readTokenForm(res, "access token", [ctx.clientSecret, requestToken.secret, verifier], true);
    return { accessToken: access.key, tokenSecret: access.secret, expiresAt: null, refreshToken: null };
  },
  onConnected: withUserId,
  revoke: deregister,
};

// ───────────────────────── OAuth 2.0 PKCE ─────────────────────────

function parseGarminToken(json: Record<string, unknown>, current?: TokenSet): TokenSet {
  const tokens = parseTokenFields(PROVIDER, json, { scopeSeparator: " " });
  return {
    ...tokens,
    // Each refresh issues a new refresh token; keep the old one only if none came back.
    refreshToken: tokens.refreshToken ?? current?.refreshToken ?? null,
    scopes: tokens.scopes ?? current?.scopes,
    providerUserId: current?.providerUserId ?? null,
    tokenSecret: null,
  };
}

export const oauth2: OAuth2Flow = {
  kind: "oauth2",
  scopes: [], // set per app in Garmin's portal; the user toggles them on the consent page
  pkce: true, // required (S256)
  authorizeUrl(ctx, { state, codeChallenge }) {
    return buildAuthorizeUrl(OAUTH2_AUTHORIZE_URL, {
      client_id: ctx.clientId,
      response_type: "code",
      state,
      redirect_uri: ctx.redirectUri,
      ...pkceParams(codeChallenge),
    });
  },
  async exchangeCode(ctx, { code, codeVerifier }) {
    const json = await tokenRequest(ctx, {
      url: OAUTH2_TOKEN_URL,
      clientAuth: "body",
      grant: "authorization_code",
      params: { grant_type: "authorization_code", code, code_verifier: codeVerifier, redirect_uri: ctx.redirectUri },
    });
    return parseGarminToken(json);
  },
  async refresh(ctx, current) {
    const json = await tokenRequest(ctx, {
      url: OAUTH2_TOKEN_URL,
      clientAuth: "body",
      grant: "refresh_token",
      params: { grant_type: "refresh_token", refresh_token: current.refreshToken ?? undefined },
    });
    return parseGarminToken(json, current);
  },
  onConnected: withUserId,
  revoke: deregister,
};

/**
 * Migration in place: Garmin's token exchange, signed with the user's OAuth 1.0a token, answers
 * OAuth 2.0 tokens for the same user. `ctx` is the consumer (OAuth 1.0a) context.
 */
export async function exchangeOAuth1ForOAuth2(ctx: ProviderContext, tokens: TokenSet): Promise<TokenSet> {
  const token = oauth1TokenOf(tokens);
  if (!token) throw new ProviderRequestError(PROVIDER, "garmin: token exchange needs an OAuth 1.0a connection");
  const res = await signedFetch(ctx, { method: "POST", url: GARMIN_TOKEN_EXCHANGE_URL, token });
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    // handled below: a 2xx without JSON is transient, an error status speaks for itself
  }
  if (res.ok && isObject(json)) return parseGarminToken(json, tokens);
  if (res.ok || isTransientStatus(res.status))
    throw new TransientProviderError(PROVIDER, `garmin: token exchange (${describeUrl(GARMIN_TOKEN_EXCHANGE_URL)}): HTTP ${res.status}`, res.status);
  if (res.status === 401) throw new InvalidGrantError(PROVIDER, "the OAuth 1.0a token was refused by the token exchange", 401);
  throw new ProviderRequestError(PROVIDER, `garmin: token exchange was refused: HTTP ${res.status}`, res.status);
}
