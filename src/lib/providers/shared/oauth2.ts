import { createHash, randomBytes } from "node:crypto";
import {
  InvalidGrantError,
  ProviderRequestError,
  TransientProviderError,
  retryAfterMs,
  safeReason,
} from "./errors";
import { describeUrl } from "./http";
import type { OAuth2Flow, ProviderContext, TokenSet } from "../types";

/**
 * Shared OAuth 2.0 pieces (RFC 6749 + RFC 7636 PKCE) used by every provider file: authorize-URL
 * building, the token request with each client-auth style, response classification into typed
 * errors, and parsing of the common token-response fields. Provider quirks (Strava `expires_at`,
 * Withings `{status, body}`, Polar `x_user_id`…) live in the provider's own file.
 */

// ───────────────────────── PKCE ─────────────────────────

/** S256 challenge of a verifier: base64url(sha256(verifier)), no padding. */
export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** A 43-character verifier (32 random bytes, base64url: within RFC 7636's 43–128) and its challenge. */
export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: pkceChallenge(verifier) };
}

// ───────────────────────── authorize URL ─────────────────────────

/** `base?k=v&…` in the given order; undefined values are left out. Returns the REAL provider url. */
export function buildAuthorizeUrl(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.append(key, value);
  }
  return url.toString();
}

/** The PKCE pair of parameters, or nothing when no challenge was given. */
export function pkceParams(codeChallenge: string | undefined): Record<string, string | undefined> {
  return codeChallenge ? { code_challenge: codeChallenge, code_challenge_method: "S256" } : {};
}

// ───────────────────────── HTTP + classification ─────────────────────────

export type ClientAuth = "basic" | "body";

export function basicAuthHeader(clientId: string, clientSecret: string): string {
  // RFC 6749 §2.3.1: form-urlencode each part before base64.
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString("base64")}`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The provider's own words about an error, from the body shapes we know. Not yet made safe. */
export function errorText(json: unknown): string {
  if (!isObject(json)) return "";
  const parts: string[] = [];
  // RFC 6749 / most providers
  if (typeof json.error === "string") parts.push(json.error);
  // Google APIs: {error: google.rpc.Status {code, message, status, details[{@type, reason}]}}
  if (isObject(json.error)) parts.push(...rpcStatusParts(json.error));
  if (typeof json.error_description === "string") parts.push(json.error_description);
  // Strava {message, errors:[{resource,field,code}]}
  if (Array.isArray(json.errors)) {
    for (const e of json.errors.slice(0, 3)) {
      if (!isObject(e)) continue;
      if (typeof e.message === "string") parts.push(e.message);
      if (typeof e.resource === "string" || typeof e.field === "string" || typeof e.code === "string") {
        parts.push([e.resource, e.field, e.code].filter((x) => typeof x === "string").join(" "));
      }
    }
  }
  if (typeof json.message === "string") parts.push(json.message);
  // RFC 7807 (Oura)
  if (typeof json.title === "string") parts.push(json.title);
  if (typeof json.detail === "string") parts.push(json.detail);
  return [...new Set(parts)].join(": ");
}

/** `STATUS`, the ErrorInfo reason and the message of a google.rpc.Status. */
function rpcStatusParts(status: Json): string[] {
  const parts: string[] = [];
  if (typeof status.status === "string") parts.push(status.status);
  const details = Array.isArray(status.details) ? status.details.filter(isObject) : [];
  const info = details.find((d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
  if (info && typeof info.reason === "string") parts.push(info.reason);
  if (typeof status.message === "string") parts.push(status.message);
  return parts;
}

/** invalid_grant in the RFC 6749 shape. */
export function isInvalidGrantBody(json: unknown): boolean {
  return isObject(json) && json.error === "invalid_grant";
}

export type ParsedResponse = { status: number; json: unknown; headers: Headers };

/**
 * Reads a response body as JSON. An empty body is `null`; a body that does not parse (truncated,
 * HTML error page) on a 2xx is a TransientProviderError, and on an error status is just no JSON.
 */
export async function readJson(provider: string, res: Response, what: string): Promise<ParsedResponse> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw new TransientProviderError(provider, `${provider}: ${what}: the response body was cut off`, res.status);
  }
  let json: unknown = null;
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      if (res.ok) throw new TransientProviderError(provider, `${provider}: ${what}: invalid JSON in the response`, res.status);
    }
  }
  return { status: res.status, json, headers: res.headers };
}

/** 429 and 5xx are worth retrying. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function transientFor(provider: string, what: string, r: ParsedResponse, secrets: Secrets): TransientProviderError {
  const reason = safeReason(errorText(r.json), secrets);
  const label = r.status === 429 ? "rate limited (429)" : `HTTP ${r.status}`;
  return new TransientProviderError(
    provider,
    `${provider}: ${what}: ${label}${reason ? ` (${reason})` : ""}`,
    r.status,
    retryAfterMs(r.headers.get("retry-after")),
  );
}

type Secrets = Array<string | null | undefined>;

/**
 * A JSON call to a provider API (not the token endpoint): 2xx and `okStatuses` return the parsed
 * body; 429/5xx → TransientProviderError; anything else → ProviderRequestError.
 */
export async function requestJson(
  ctx: ProviderContext,
  url: string,
  init: RequestInit & { what: string; okStatuses?: number[]; secrets?: Secrets },
): Promise<ParsedResponse> {
  const provider = ctx.providerId ?? "provider";
  const { what, okStatuses = [], secrets = [], ...rest } = init;
  const res = await ctx.fetch(url, { ...rest, headers: { Accept: "application/json", ...(rest.headers as Record<string, string>) } });
  const r = await readJson(provider, res, what);
  const allSecrets = [...secrets, ctx.clientSecret];
  if (res.ok || okStatuses.includes(res.status)) return r;
  if (isTransientStatus(res.status)) throw transientFor(provider, what, r, allSecrets);
  const reason = safeReason(errorText(r.json), allSecrets);
  throw new ProviderRequestError(
    provider,
    `${provider}: ${what} (${describeUrl(url)}) was refused: HTTP ${res.status}${reason ? ` (${reason})` : ""}`,
    res.status,
  );
}

export type TokenRequest = {
  url: string;
  clientAuth: ClientAuth;
  grant: "authorization_code" | "refresh_token";
  /** Form parameters besides the client credentials (which `clientAuth` adds). */
  params: Record<string, string | undefined>;
  /** Provider-specific "this grant is dead" test, on top of invalid_grant and 401-on-refresh. */
  isInvalidGrant?: (status: number, json: unknown) => boolean;
};

/**
 * POSTs a form to a token endpoint and returns the parsed JSON body of a 2xx answer.
 * invalid_grant (or a 401 on refresh) → InvalidGrantError; 429/5xx/timeouts/bad JSON →
 * TransientProviderError; other 4xx → ProviderRequestError. No secret reaches a message.
 */
export async function tokenRequest(ctx: ProviderContext, req: TokenRequest): Promise<Json> {
  const provider = ctx.providerId ?? "provider";
  const what = req.grant === "refresh_token" ? "token refresh" : "code exchange";
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(req.params)) if (value !== undefined) form.set(key, value);
  const headers: Record<string, string> = {
    "Content-Type": "application/x-www-form-urlencoded",
    Accept: "application/json",
  };
  if (req.clientAuth === "basic") headers.Authorization = basicAuthHeader(ctx.clientId, ctx.clientSecret);
  else {
    form.set("client_id", ctx.clientId);
    form.set("client_secret", ctx.clientSecret);
  }
  const secrets = [ctx.clientSecret, ...Object.values(req.params)];

  const res = await ctx.fetch(req.url, { method: "POST", headers, body: form.toString() });
  const r = await readJson(provider, res, what);
  if (res.ok) {
    if (!isObject(r.json)) throw new TransientProviderError(provider, `${provider}: ${what}: empty or non-object response`, res.status);
    return r.json;
  }
  if (isTransientStatus(res.status)) throw transientFor(provider, what, r, secrets);
  const reason = safeReason(errorText(r.json), secrets) || `HTTP ${res.status}`;
  const dead =
    isInvalidGrantBody(r.json) ||
    (req.grant === "refresh_token" && res.status === 401) ||
    (req.isInvalidGrant?.(res.status, r.json) ?? false);
  if (dead) throw new InvalidGrantError(provider, reason, res.status);
  throw new ProviderRequestError(provider, `${provider}: ${what} was refused: HTTP ${res.status} (${reason})`, res.status);
}

// ───────────────────────── token response parsing ─────────────────────────

const str = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined;
const num = (v: unknown): number | undefined => {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
};

/** Splits a granted-scope string on the provider's separator (also tolerating stray spaces). */
export function splitScopes(scope: unknown, separator: " " | ","): string[] | undefined {
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === "string" && s !== "");
  if (typeof scope !== "string") return undefined;
  return scope
    .split(separator === "," ? /[,\s]+/ : /\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The common RFC 6749 fields: access_token (required), refresh_token, expiry (`expires_at` epoch
 * seconds wins over `expires_in`), granted `scope`. Provider files add ids and names.
 */
export function parseTokenFields(
  provider: string,
  json: Json,
  opts: { scopeSeparator: " " | ","; now?: Date },
): TokenSet {
  const accessToken = str(json.access_token);
  if (!accessToken || typeof json.access_token !== "string") {
    throw new TransientProviderError(provider, `${provider}: the token response has no access_token`);
  }
  const now = opts.now ?? new Date();
  const expiresAtS = num(json.expires_at);
  const expiresInS = num(json.expires_in);
  const expiresAt =
    expiresAtS !== undefined
      ? new Date(expiresAtS * 1000)
      : expiresInS !== undefined
        ? new Date(now.getTime() + expiresInS * 1000)
        : null;
  const refreshToken = typeof json.refresh_token === "string" && json.refresh_token !== "" ? json.refresh_token : null;
  return { accessToken, refreshToken, expiresAt, scopes: splitScopes(json.scope, opts.scopeSeparator) };
}

export { str as stringField, num as numberField, isObject };

// ───────────────────────── the standard authorization-code flow ─────────────────────────

export type CodeFlowSpec = {
  provider: string;
  authorizeUrl: string;
  tokenUrl: string;
  scopes: string[];
  scopeSeparator: " " | ",";
  clientAuth: ClientAuth;
  pkce: boolean;
  /** Further authorize parameters (Strava `approval_prompt`). */
  authorizeParams?: Record<string, string>;
  /** Some providers (Strava) take no redirect_uri in the code exchange. */
  exchangeRedirectUri?: boolean;
  /** Further refresh parameters (WHOOP `scope=offline`); absent `refresh: false` = no refresh grant. */
  refreshParams?: Record<string, string>;
  /** False for long-lived tokens without a refresh grant (Polar). */
  refresh?: boolean;
  isInvalidGrant?: TokenRequest["isInvalidGrant"];
  /** The token response as a TokenSet; default `parseTokenFields` with `scopeSeparator`. */
  parseToken?: (json: Json) => TokenSet;
  /** What was granted when the provider reports it on the redirect, not in the token (Strava `scope`). */
  grantedScopes?: (query: Record<string, string> | undefined) => string[] | undefined;
};

/**
 * The OAuth 2.0 authorization-code flow most providers share (RFC 6749 §4.1, PKCE per RFC 7636):
 * authorize url, code exchange and refresh, parameterised by endpoint, client auth and quirks.
 * A refresh that returns no new refresh token keeps the old one, and the old scopes and user id.
 */
export function codeFlow(spec: CodeFlowSpec): Pick<OAuth2Flow, "kind" | "scopes" | "pkce" | "authorizeUrl" | "exchangeCode" | "refresh"> {
  const parse = spec.parseToken ?? ((json: Json) => parseTokenFields(spec.provider, json, { scopeSeparator: spec.scopeSeparator }));
  const request = (ctx: ProviderContext, grant: TokenRequest["grant"], params: Record<string, string | undefined>) =>
    tokenRequest(ctx, { url: spec.tokenUrl, clientAuth: spec.clientAuth, grant, params, isInvalidGrant: spec.isInvalidGrant });
  return {
    kind: "oauth2",
    scopes: spec.scopes,
    pkce: spec.pkce,
    authorizeUrl(ctx, { state, codeChallenge }) {
      return buildAuthorizeUrl(spec.authorizeUrl, {
        response_type: "code",
        client_id: ctx.clientId,
        redirect_uri: ctx.redirectUri,
        scope: spec.scopes.join(spec.scopeSeparator),
        state,
        ...spec.authorizeParams,
        ...(spec.pkce ? pkceParams(codeChallenge) : {}),
      });
    },
    async exchangeCode(ctx, { code, codeVerifier, query }) {
      const tokens = parse(
        await request(ctx, "authorization_code", {
          grant_type: "authorization_code",
          code,
          redirect_uri: spec.exchangeRedirectUri === false ? undefined : ctx.redirectUri,
          code_verifier: spec.pkce ? codeVerifier : undefined,
        }),
      );
      const granted = spec.grantedScopes?.(query);
      return granted ? { ...tokens, scopes: granted } : tokens;
    },
    refresh:
      spec.refresh === false
        ? undefined
        : async (ctx, current) => {
            // Single-use refresh tokens: the caller serializes refreshes (connections/tokens.ts).
            const tokens = parse(
              await request(ctx, "refresh_token", { grant_type: "refresh_token", ...spec.refreshParams, refresh_token: current.refreshToken ?? undefined }),
            );
            return {
              ...tokens,
              refreshToken: tokens.refreshToken ?? current.refreshToken,
              scopes: tokens.scopes ?? current.scopes,
              providerUserId: tokens.providerUserId ?? current.providerUserId,
            };
          },
  };
}
