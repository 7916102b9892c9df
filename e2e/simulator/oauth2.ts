import { createHash, timingSafeEqual } from "node:crypto";
import { DEMO_APP_NAME } from "./clients";
import { errorPage, escapeHtml, page } from "./html";
import { randomHex } from "./ids";
import { basicCredentials, bearerToken, html, json, redirect, type RequestContext, type RouteSpec, type SimResponse } from "./router";
import type { AccessTokenRecord, Grant, RefreshTokenRecord, SimulatorState } from "./state";

/**
 * Shared OAuth 2.0 authorization-code machinery (RFC 6749 + RFC 7636), parameterised per provider
 * by an `OAuth2Style`: the consent page, code issuing, the token endpoint with the provider's
 * client-auth style, refresh semantics (rotation, single use), and Bearer checks. Everything that
 * differs between providers (error bodies, response shapes, user ids) comes from the style.
 */

export type OAuthErrorKind =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope";

/** `field` names the offending parameter (Strava's error body reports it). */
export type OAuthError = { kind: OAuthErrorKind; description: string; field?: string };

export type BearerFailure = "missing" | "unknown" | "expired" | "revoked" | "insufficient_scope";

export type TokenResult = {
  grant: Grant;
  access: AccessTokenRecord;
  refresh: RefreshTokenRecord | null;
  grantType: "authorization_code" | "refresh_token";
};

export type RefreshMode =
  /** New access + new refresh token; the old refresh token is spent (single use). */
  | "rotate"
  /** Strava: same pair back while the access token has > 1 h left, otherwise like "rotate". */
  | "strava"
  /** COROS: same refresh token stays valid; the same access token gets a new expiry. */
  | "extend"
  /** No refresh grant (Polar). */
  | "none"
  /** Google: a new access token only; the refresh token stays valid and is not sent again. */
  | "keep";

export type OAuth2Style = {
  provider: string;
  displayName: string;
  authorize: { host: string; path: string };
  /** The standard token endpoint (omit when the provider's file serves its own, e.g. Withings). */
  token?: { host: string; path: string };
  clientAuth: "basic" | "body";
  /** Also read token parameters from the query string and a JSON body (Strava accepts both). */
  lenientTokenParams?: boolean;
  /** null = the provider has no scopes (COROS): any `scope` parameter is ignored. */
  scopes: null | {
    known: string[];
    separator: "," | " ";
    required: boolean;
    /** Granted when the request has no `scope`. */
    defaults: string[];
    /** The consent page shows checkboxes the user can untick. */
    userCanDeselect: boolean;
  };
  /** PKCE is S256 only everywhere in the simulator ("plain" is rejected). */
  pkce: "required" | "optional";
  /** false = redirect_uri may be omitted at authorize (the app's registered default is used). */
  redirectUriRequired: boolean;
  /** false = the token call does not carry redirect_uri (Strava); otherwise RFC 6749 §4.1.3 applies. */
  tokenChecksRedirectUri?: boolean;
  /** WHOOP requires a state of some minimum length. */
  stateMinLength?: number;
  /** Optional authorize parameters with their allowed values (e.g. Strava approval_prompt). */
  enumParams?: Record<string, string[]>;
  codeTtlSeconds: number;
  /** null = tokens do not expire. */
  accessTokenTtlSeconds: number | null;
  refresh: RefreshMode;
  /** A refresh token is only issued when this scope was granted (WHOOP `offline`). */
  refreshRequiresScope?: string;
  /** Whether a code from this approval yields a refresh token (Google: `access_type=offline`, and consent). */
  issuesRefreshToken?(params: URLSearchParams, ctx: { state: SimulatorState; clientId: string; account: string }): boolean;
  /** Replaying a spent refresh token revokes the whole grant (token-family reuse detection). */
  reuseRevokesGrant?: boolean;
  /** Provider user id for a simulated account name (deterministic). */
  userId(account: string): string;
  /** Extra query parameters on the approve redirect (Strava/WHOOP echo the granted `scope`). */
  approveParams?(granted: string[]): Record<string, string>;
  /** error_description sent with error=access_denied, when the provider sends one. */
  denyDescription?: string;
  /** Appended to every redirect (the legacy Fitbit OAuth added `#_=_`). */
  redirectFragment?: string;
  /** The success body of the token endpoint. */
  tokenBody(result: TokenResult, ctx: RequestContext): unknown;
  /** The provider's error response for the token endpoint. */
  tokenError(err: OAuthError): SimResponse;
  /** The provider's response for a bad/missing Bearer token on its API. */
  bearerError(failure: BearerFailure): SimResponse;
};

const ONE_HOUR_MS = 3600_000;

// ───────────────────────── authorize ─────────────────────────

type AuthorizeRequest = {
  clientId: string;
  redirectUri: string;
  redirectUriSent: boolean;
  scopes: string[];
  state: string | null;
  codeChallenge?: string;
  /** Every original parameter, re-posted by the consent form. */
  original: URLSearchParams;
};

function splitScopes(raw: string, separator: string): string[] {
  return raw
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Validates an authorize request; errors never redirect (the redirect_uri may be unvalidated). */
export function validateAuthorize(
  state: SimulatorState,
  style: OAuth2Style,
  params: URLSearchParams,
): { ok: true; req: AuthorizeRequest } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message });
  const clientId = params.get("client_id");
  const client = state.clients[style.provider];
  if (!clientId) return fail("client_id is missing");
  if (!client || client.clientId !== clientId) return fail(`unknown client_id "${clientId}"`);

  let redirectUri = params.get("redirect_uri");
  const redirectUriSent = redirectUri !== null;
  if (redirectUri === null) {
    if (style.redirectUriRequired) return fail("redirect_uri is missing");
    redirectUri = state.defaultRedirectUri;
  } else if (!state.isRedirectUriAllowed(redirectUri)) {
    return fail(`redirect_uri "${redirectUri}" is not registered for this application`);
  }

  const responseType = params.get("response_type");
  if (responseType !== "code") return fail(`response_type must be "code" (got ${JSON.stringify(responseType)})`);

  let scopes: string[] = [];
  if (style.scopes) {
    const raw = params.get("scope");
    if (raw === null || raw.trim() === "") {
      if (style.scopes.required) return fail("scope is missing");
      scopes = [...style.scopes.defaults];
    } else {
      scopes = [...new Set(splitScopes(raw, style.scopes.separator))];
      const unknown = scopes.filter((s) => !style.scopes!.known.includes(s));
      if (unknown.length) {
        const sep = style.scopes.separator === "," ? "comma" : "space";
        return fail(`invalid scope ${unknown.map((s) => JSON.stringify(s)).join(", ")} (scopes are ${sep}-separated)`);
      }
    }
  }

  const st = params.get("state");
  if (style.stateMinLength !== undefined && (st === null || st.length < style.stateMinLength)) {
    return fail(`state is required and must be at least ${style.stateMinLength} characters`);
  }

  const challenge = params.get("code_challenge");
  const method = params.get("code_challenge_method");
  if (challenge === null) {
    if (method !== null) return fail("code_challenge_method given without code_challenge");
    if (style.pkce === "required") return fail("code_challenge is required (PKCE, S256)");
  } else {
    if (method !== "S256") return fail(`code_challenge_method must be S256 (got ${JSON.stringify(method ?? "plain")})`);
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return fail("code_challenge must be a base64url SHA-256 digest (43 characters)");
  }

  for (const [name, allowed] of Object.entries(style.enumParams ?? {})) {
    const v = params.get(name);
    if (v !== null && !allowed.includes(v)) return fail(`${name} must be one of ${allowed.join(", ")}`);
  }

  return {
    ok: true,
    req: { clientId, redirectUri, redirectUriSent, scopes, state: st, codeChallenge: challenge ?? undefined, original: params },
  };
}

function consentPage(style: OAuth2Style, req: AuthorizeRequest, error?: string): string {
  const hidden = [...req.original.entries()]
    .filter(([k]) => k !== "account" && k !== "decision" && k !== "grant_scope")
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("\n");
  const scopeList = !style.scopes
    ? ""
    : req.scopes.length === 0
      ? "<p>No specific permissions requested.</p>"
      : style.scopes.userCanDeselect
        ? `<fieldset><legend>Requested permissions</legend>
${req.scopes.map((s) => `<label><input type="checkbox" name="grant_scope" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label>`).join("\n")}
</fieldset>`
        : `<p>Requested permissions:</p><ul>${req.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>`;
  return page(
    `Authorize ${DEMO_APP_NAME} — ${style.displayName}`,
    `<h1>${escapeHtml(style.displayName)}</h1>
<p><strong>${escapeHtml(DEMO_APP_NAME)}</strong> (client <code>${escapeHtml(req.clientId)}</code>) wants to connect to your ${escapeHtml(style.displayName)} account.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/${escapeHtml(style.authorize.host)}${escapeHtml(style.authorize.path)}">
${hidden}
<label for="account">Account</label>
<input type="text" id="account" name="account" value="athlete-1" required autocomplete="off">
${scopeList}
<p>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</p>
</form>`,
  );
}

function withParams(uri: string, params: Record<string, string | null | undefined>, fragment?: string): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) url.searchParams.set(k, v);
  return url.toString() + (fragment ?? "");
}

const ACCOUNT_PATTERN = /^[A-Za-z0-9._@+-]{1,64}$/;

/** GET shows the consent page; the form POSTs back to the same path with the decision. */
export function authorizeRoutes(style: OAuth2Style): RouteSpec[] {
  const { host, path } = style.authorize;
  return [
    {
      method: "GET",
      host,
      path,
      name: "authorize",
      handler: (ctx) => {
        const v = validateAuthorize(ctx.state, style, ctx.query);
        if (!v.ok) return html(400, errorPage(style.displayName, v.message));
        return html(200, consentPage(style, v.req));
      },
    },
    {
      method: "POST",
      host,
      path,
      name: "authorize:submit",
      handler: (ctx) => {
        const v = validateAuthorize(ctx.state, style, ctx.form);
        if (!v.ok) return html(400, errorPage(style.displayName, v.message));
        const { req } = v;
        const decision = ctx.form.get("decision");
        if (decision === "deny") {
          ctx.count("authorize:deny");
          return redirect(
            withParams(
              req.redirectUri,
              { error: "access_denied", error_description: style.denyDescription, state: req.state },
              style.redirectFragment,
            ),
          );
        }
        if (decision !== "approve") return html(400, errorPage(style.displayName, "decision must be approve or deny"));
        const account = (ctx.form.get("account") ?? "").trim();
        if (!ACCOUNT_PATTERN.test(account)) {
          return html(400, consentPage(style, req, "Account must be 1–64 letters, digits or . _ @ + -"));
        }
        const granted =
          style.scopes?.userCanDeselect && req.scopes.length > 0
            ? req.scopes.filter((s) => ctx.form.getAll("grant_scope").includes(s))
            : req.scopes;
        const code = randomHex(20);
        ctx.state.codes.set(code, {
          code,
          provider: style.provider,
          clientId: req.clientId,
          redirectUri: req.redirectUri,
          redirectUriSent: req.redirectUriSent,
          scopes: granted,
          account,
          userId: style.userId(account),
          codeChallenge: req.codeChallenge,
          noRefresh: style.issuesRefreshToken ? !style.issuesRefreshToken(req.original, { state: ctx.state, clientId: req.clientId, account }) : undefined,
          expiresAt: ctx.state.now() + style.codeTtlSeconds * 1000,
          usedAt: null,
          grantId: null,
        });
        ctx.count("authorize:approve");
        return redirect(
          withParams(
            req.redirectUri,
            { state: req.state, code, ...style.approveParams?.(granted) },
            style.redirectFragment,
          ),
        );
      },
    },
  ];
}

// ───────────────────────── token endpoint ─────────────────────────

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Token parameters: the form body, plus query and JSON for lenient providers (form wins). */
export function tokenParams(ctx: RequestContext, style: Pick<OAuth2Style, "lenientTokenParams">): URLSearchParams {
  if (!style.lenientTokenParams) return ctx.form;
  const merged = new URLSearchParams(ctx.query);
  if (ctx.json && typeof ctx.json === "object" && !Array.isArray(ctx.json)) {
    for (const [k, v] of Object.entries(ctx.json as Record<string, unknown>)) {
      if (typeof v === "string" || typeof v === "number") merged.set(k, String(v));
    }
  }
  for (const [k, v] of ctx.form) merged.set(k, v);
  return merged;
}

/** Checks the client credentials in the provider's style; returns the client id or an error. */
export function authenticateClient(
  ctx: RequestContext,
  style: Pick<OAuth2Style, "provider" | "clientAuth">,
  params: URLSearchParams,
): { ok: true; clientId: string } | { ok: false; error: OAuthError } {
  const client = ctx.state.clients[style.provider];
  const basic = basicCredentials(ctx);
  const fail = (description: string, field = "client_id") => ({
    ok: false as const,
    error: { kind: "invalid_client" as const, description, field },
  });
  if (!client) return fail("no client registered for this provider");
  if (style.clientAuth === "basic") {
    if (!basic) {
      return fail(
        params.get("client_secret") !== null
          ? "client credentials must be sent with HTTP Basic authentication, not in the request body"
          : "missing HTTP Basic client authentication",
      );
    }
    if (basic.id !== client.clientId) return fail("unknown client_id");
    if (!safeEqual(basic.secret, client.clientSecret)) return fail("invalid client secret", "client_secret");
    const bodyId = params.get("client_id");
    if (bodyId !== null && bodyId !== basic.id) return fail("client_id in the body does not match the authenticated client");
    return { ok: true, clientId: basic.id };
  }
  const id = params.get("client_id");
  const secret = params.get("client_secret");
  const notBasic = "client authentication with HTTP Basic (client_secret_basic) is not allowed: send client_id and client_secret in the request body (client_secret_post)";
  if (id === null) return fail(basic ? notBasic : "client_id is missing");
  if (secret === null) return fail(basic ? notBasic : "client_secret is missing", "client_secret");
  if (id !== client.clientId) return fail("unknown client_id");
  if (!safeEqual(secret, client.clientSecret)) return fail("invalid client secret", "client_secret");
  return { ok: true, clientId: id };
}

function pkceS256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

function latestAccessToken(state: SimulatorState, grantId: string): AccessTokenRecord | null {
  let best: AccessTokenRecord | null = null;
  for (const t of state.accessTokens.values()) {
    if (t.grantId === grantId && t.revokedAt === null && (!best || t.issuedAt >= best.issuedAt)) best = t;
  }
  return best;
}

function issueRefresh(state: SimulatorState, style: OAuth2Style, grant: Grant): RefreshTokenRecord | null {
  if (style.refresh === "none") return null;
  if (style.refreshRequiresScope && !grant.scopes.includes(style.refreshRequiresScope)) return null;
  return state.issueRefreshToken(grant);
}

/** grant_type=authorization_code, after client authentication. */
export function exchangeCode(
  ctx: RequestContext,
  style: OAuth2Style,
  params: URLSearchParams,
  clientId: string,
): { ok: true; result: TokenResult } | { ok: false; error: OAuthError } {
  const { state } = ctx;
  const bad = (description: string, field = "code", kind: OAuthErrorKind = "invalid_grant") => ({
    ok: false as const,
    error: { kind, description, field },
  });
  const code = params.get("code");
  if (!code) return bad("code is missing", "code", "invalid_request");
  const rec = state.codes.get(code);
  if (!rec || rec.provider !== style.provider) return bad("authorization code is invalid");
  if (rec.clientId !== clientId) return bad("authorization code was issued to another client");
  if (rec.usedAt !== null) {
    // RFC 6749 §4.1.2: a replayed code should revoke what it issued.
    if (rec.grantId) state.revokeGrant(rec.grantId);
    return bad("authorization code has already been used");
  }
  if (rec.expiresAt <= state.now()) return bad("authorization code has expired");
  const redirectUri = params.get("redirect_uri");
  const checkRedirect = style.tokenChecksRedirectUri !== false;
  if (checkRedirect && (redirectUri !== null ? redirectUri !== rec.redirectUri : rec.redirectUriSent)) {
    return bad("redirect_uri does not match the authorization request", "redirect_uri");
  }
  if (rec.codeChallenge) {
    const verifier = params.get("code_verifier");
    if (!verifier) return bad("code_verifier is required (PKCE was used)", "code_verifier");
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return bad("code_verifier is malformed", "code_verifier");
    if (pkceS256(verifier) !== rec.codeChallenge) return bad("code_verifier does not match the code_challenge", "code_verifier");
  }
  rec.usedAt = state.now();
  const grant = state.createGrant({
    provider: style.provider,
    clientId,
    account: rec.account,
    userId: rec.userId,
    scopes: rec.scopes,
  });
  rec.grantId = grant.id;
  const access = state.issueAccessToken(grant, style.accessTokenTtlSeconds);
  const refresh = rec.noRefresh ? null : issueRefresh(state, style, grant);
  return { ok: true, result: { grant, access, refresh, grantType: "authorization_code" } };
}

/** grant_type=refresh_token, after client authentication, with the style's rotation rules. */
export function refreshGrant(
  ctx: RequestContext,
  style: OAuth2Style,
  params: URLSearchParams,
  clientId: string,
): { ok: true; result: TokenResult } | { ok: false; error: OAuthError } {
  const { state } = ctx;
  const bad = (description: string, kind: OAuthErrorKind = "invalid_grant") => ({
    ok: false as const,
    error: { kind, description, field: "refresh_token" },
  });
  if (style.refresh === "none") return bad("refresh_token grant is not supported", "unsupported_grant_type");
  const token = params.get("refresh_token");
  if (!token) return bad("refresh_token is missing", "invalid_request");
  const rec = state.refreshTokens.get(token);
  const grant = rec ? state.grants.get(rec.grantId) : undefined;
  if (!rec || !grant || rec.provider !== style.provider) return bad("refresh token is invalid");
  if (grant.clientId !== clientId) return bad("refresh token was issued to another client");
  if (rec.revokedAt !== null || grant.revokedAt !== null) return bad("refresh token has been revoked");
  if (rec.usedAt !== null) {
    if (style.reuseRevokesGrant) state.revokeGrant(grant.id);
    return bad("refresh token has already been used (single use)");
  }
  const scope = params.get("scope");
  if (scope && style.scopes) {
    const asked = splitScopes(scope, style.scopes.separator);
    if (asked.some((s) => !grant.scopes.includes(s))) return bad("scope exceeds the original grant", "invalid_scope");
  }

  const now = state.now();
  if (style.refresh === "keep") {
    return { ok: true, result: { grant, access: state.issueAccessToken(grant, style.accessTokenTtlSeconds), refresh: null, grantType: "refresh_token" } };
  }
  const current = latestAccessToken(state, grant.id);
  if (style.refresh === "extend") {
    const access = current ?? state.issueAccessToken(grant, style.accessTokenTtlSeconds);
    access.expiresAt = style.accessTokenTtlSeconds === null ? null : now + style.accessTokenTtlSeconds * 1000;
    access.issuedAt = now;
    return { ok: true, result: { grant, access, refresh: rec, grantType: "refresh_token" } };
  }
  if (style.refresh === "strava" && current && (current.expiresAt === null || current.expiresAt - now > ONE_HOUR_MS)) {
    // Strava hands back the existing pair while the access token has more than an hour left.
    return { ok: true, result: { grant, access: current, refresh: rec, grantType: "refresh_token" } };
  }
  rec.usedAt = now;
  const access = state.issueAccessToken(grant, style.accessTokenTtlSeconds);
  const refresh = state.issueRefreshToken(grant);
  return { ok: true, result: { grant, access, refresh, grantType: "refresh_token" } };
}

/** The whole standard token endpoint: client auth, then the grant. Counts `token:<grant_type>`. */
export function tokenRoute(style: OAuth2Style): RouteSpec {
  if (!style.token) throw new Error(`${style.provider}: no token endpoint in style`);
  return {
    method: "POST",
    host: style.token.host,
    path: style.token.path,
    name: "token",
    handler: (ctx) => {
      const params = tokenParams(ctx, style);
      const grantType = params.get("grant_type");
      ctx.count(`token:${grantType ?? "missing"}`);
      const auth = authenticateClient(ctx, style, params);
      if (!auth.ok) return style.tokenError(auth.error);
      let out;
      if (grantType === "authorization_code") out = exchangeCode(ctx, style, params, auth.clientId);
      else if (grantType === "refresh_token") out = refreshGrant(ctx, style, params, auth.clientId);
      else {
        return style.tokenError({
          kind: grantType ? "unsupported_grant_type" : "invalid_request",
          description: grantType ? `grant_type "${grantType}" is not supported` : "grant_type is missing",
          field: "grant_type",
        });
      }
      if (!out.ok) return style.tokenError(out.error);
      return json(200, style.tokenBody(out.result, ctx), { "cache-control": "no-store", pragma: "no-cache" });
    },
  };
}

/** Seconds until the access token expires (for `expires_in`), or null. */
export function expiresIn(state: SimulatorState, access: AccessTokenRecord): number | null {
  return access.expiresAt === null ? null : Math.max(0, Math.round((access.expiresAt - state.now()) / 1000));
}

// ───────────────────────── resource access ─────────────────────────

/** Checks an access token (from `Authorization: Bearer` unless given) and optionally a scope. */
export function requireToken(
  ctx: RequestContext,
  style: Pick<OAuth2Style, "provider" | "bearerError">,
  opts: { scope?: string; token?: string | null } = {},
): { ok: true; grant: Grant; token: AccessTokenRecord } | { ok: false; response: SimResponse } {
  const token = opts.token !== undefined ? opts.token : bearerToken(ctx);
  if (!token) return { ok: false, response: style.bearerError("missing") };
  const check = ctx.state.checkAccessToken(style.provider, token);
  if (!check.ok) return { ok: false, response: style.bearerError(check.reason) };
  if (opts.scope && !check.grant.scopes.includes(opts.scope)) {
    return { ok: false, response: style.bearerError("insufficient_scope") };
  }
  return check;
}

/** RFC 6749 §5.2 error body, the shape most providers use. */
export function rfc6749Error(err: OAuthError): SimResponse {
  return json(err.kind === "invalid_client" ? 401 : 400, { error: err.kind, error_description: err.description });
}
